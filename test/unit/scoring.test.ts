import { expect } from 'chai';
import { scoreResults } from '../../worker/grading/scoring';
import type { TestVerdict } from '../../common/models/coding-submission';

const test = (verdict: TestVerdict, points = 1) => ({ verdict, points });

describe('coding lab: scoring rules', () => {
  describe('partial (points of the passed tests)', () => {
    it('gives the points of the passed tests, wherever the failures sit', () => {
      const r = scoreResults([test('accepted', 2), test('wrong_answer', 3), test('accepted', 5)], 'partial');
      expect(r).to.deep.equal({ verdict: 'wrong_answer', score: 7, maxScore: 10 });
    });

    it('gives full marks and accepted when every test passed', () => {
      expect(scoreResults([test('accepted', 2), test('accepted', 3)], 'partial')).to.deep.equal({
        verdict: 'accepted',
        score: 5,
        maxScore: 5,
      });
    });

    it('gives nothing when no test passed', () => {
      expect(scoreResults([test('time_limit', 2), test('runtime_error', 3)], 'partial').score).to.equal(0);
    });
  });

  describe('all or nothing', () => {
    it('gives nothing unless every test passed', () => {
      expect(scoreResults([test('accepted', 2), test('time_limit', 3)], 'all_or_nothing')).to.deep.equal({
        verdict: 'time_limit',
        score: 0,
        maxScore: 5,
      });
    });

    it('gives every point when every test passed', () => {
      expect(scoreResults([test('accepted', 2)], 'all_or_nothing')).to.deep.equal({ verdict: 'accepted', score: 2, maxScore: 2 });
    });
  });

  describe('the verdict', () => {
    it('is that of the first failing test in test order', () => {
      expect(scoreResults([test('runtime_error'), test('wrong_answer')], 'partial').verdict).to.equal('runtime_error');
    });

    it('passes over accepted tests to the first failing one', () => {
      expect(scoreResults([test('accepted'), test('memory_limit'), test('output_limit')], 'partial').verdict).to.equal('memory_limit');
    });

    it('is internal_error when the first test that did not pass was skipped (grading stopped before it)', () => {
      expect(scoreResults([test('accepted'), test('skipped'), test('wrong_answer')], 'partial').verdict).to.equal('internal_error');
    });

    it('scores a skipped test as not passed', () => {
      expect(scoreResults([test('accepted', 4), test('skipped', 6)], 'partial')).to.deep.equal({
        verdict: 'internal_error',
        score: 4,
        maxScore: 10,
      });
    });
  });

  it('gives a task without tests accepted, 0 of 0', () => {
    expect(scoreResults([], 'partial')).to.deep.equal({ verdict: 'accepted', score: 0, maxScore: 0 });
    expect(scoreResults([], 'all_or_nothing')).to.deep.equal({ verdict: 'accepted', score: 0, maxScore: 0 });
  });
});
