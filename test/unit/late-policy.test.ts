import { expect } from 'chai';
import { applyPenalty, assessLateness, daysLate, DAY_MS } from '../../common/learning/late-policy';

const due = new Date('2026-03-10T17:00:00.000Z');
const at = (ms: number) => new Date(due.getTime() + ms);
const policy = { acceptLate: true, penaltyPercentPerDay: 10, maxLateDays: 3 };

describe('late policy arithmetic', () => {
  describe('days late', () => {
    it('counts work handed in exactly at the due time as on time', () => {
      expect(daysLate(due, at(0))).to.equal(0);
    });

    it('counts work handed in before the due time as on time', () => {
      expect(daysLate(due, at(-DAY_MS))).to.equal(0);
    });

    it('counts one second after the due time as one day late', () => {
      expect(daysLate(due, at(1000))).to.equal(1);
    });

    it('counts exactly 24 hours after as one day late', () => {
      expect(daysLate(due, at(DAY_MS))).to.equal(1);
    });

    it('counts 24 hours and one second after as two days late', () => {
      expect(daysLate(due, at(DAY_MS + 1000))).to.equal(2);
    });
  });

  describe('assessment', () => {
    it('accepts on-time work with no penalty even when late work is refused', () => {
      expect(assessLateness(due, at(0), { ...policy, acceptLate: false })).to.deep.equal({ accepted: true, daysLate: 0, penaltyPercent: 0 });
    });

    it('refuses work one second late when the policy does not accept late work', () => {
      expect(assessLateness(due, at(1000), { ...policy, acceptLate: false })).to.deep.equal({
        accepted: false,
        daysLate: 1,
        reason: 'LATE_NOT_ACCEPTED',
      });
    });

    it('gives one day of penalty one second after the due time', () => {
      expect(assessLateness(due, at(1000), policy)).to.deep.equal({ accepted: true, daysLate: 1, penaltyPercent: 10 });
    });

    it('accepts work on the last allowed day with that many days of penalty', () => {
      expect(assessLateness(due, at(3 * DAY_MS), policy)).to.deep.equal({ accepted: true, daysLate: 3, penaltyPercent: 30 });
    });

    it('refuses work one second past the maximum days late', () => {
      expect(assessLateness(due, at(3 * DAY_MS + 1000), policy)).to.deep.equal({ accepted: false, daysLate: 4, reason: 'TOO_LATE' });
    });

    it('has no limit when the maximum days late is null, and caps the penalty at 100 %', () => {
      expect(assessLateness(due, at(30 * DAY_MS), { ...policy, maxLateDays: null })).to.deep.equal({
        accepted: true,
        daysLate: 30,
        penaltyPercent: 100,
      });
    });
  });

  describe('penalty on a grade', () => {
    it('takes the penalty as a percentage of the maximum points', () => {
      expect(applyPenalty(80, 100, 20)).to.equal(60);
      expect(applyPenalty(8, 10, 15)).to.equal(6.5);
    });

    it('never takes a grade below 0', () => {
      expect(applyPenalty(5, 100, 30)).to.equal(0);
    });

    it('leaves an on-time grade alone', () => {
      expect(applyPenalty(73.5, 100, 0)).to.equal(73.5);
    });
  });
});
