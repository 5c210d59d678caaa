import { expect } from 'chai';
import { compareOutput, outputMatches, trimOutput, isValidRegex } from '../../common/grading/compare';

describe('coding lab: output comparison', () => {
  describe('exact', () => {
    it('accepts byte-identical output', () => {
      expect(outputMatches('3\n', '3\n', { comparison: 'exact' })).to.equal(true);
    });
    it('refuses a missing final newline and says so', () => {
      const outcome = compareOutput('3\n', '3', { comparison: 'exact' });
      expect(outcome.ok).to.equal(false);
      expect(outcome.diff).to.match(/^Missing final newline/);
    });
    it('refuses an extra final newline and says so', () => {
      expect(compareOutput('3', '3\n', { comparison: 'exact' }).diff).to.match(/^Unexpected final newline/);
    });
    it('refuses Windows line endings, saying only that line endings differ, with no diff of equal lines', () => {
      const outcome = compareOutput('a\nb\n', 'a\r\nb\r\n', { comparison: 'exact' });
      expect(outcome.ok).to.equal(false);
      expect(outcome.diff).to.equal('Whitespace or line endings differ');
    });
    it('names the first differing line keeping its spaces', () => {
      expect(compareOutput('a \nb\n', 'a\nb\n', { comparison: 'exact' }).diff).to.match(/^Line 1: expected "a ", got "a"/);
    });
  });

  describe('trim (the default)', () => {
    it('ignores trailing spaces on each line and trailing blank lines', () => {
      expect(outputMatches('1\n2\n', '1   \n2\t\n\n\n', { comparison: 'trim' })).to.equal(true);
    });
    it('treats Windows line endings like Unix ones', () => {
      expect(outputMatches('a\nb', 'a\r\nb\r\n', { comparison: 'trim' })).to.equal(true);
    });
    it('still refuses leading spaces', () => {
      expect(outputMatches('1', ' 1', { comparison: 'trim' })).to.equal(false);
    });
    it('names the first differing line and includes a unified diff', () => {
      const outcome = compareOutput('1\n2\nFizz\n', '1\n2\n3\n', { comparison: 'trim' });
      expect(outcome.ok).to.equal(false);
      expect(outcome.diff).to.include('Line 3: expected "Fizz", got "3"');
      expect(outcome.diff).to.include('-Fizz');
      expect(outcome.diff).to.include('+3');
    });
    it('reports output that stops early as nothing on that line', () => {
      const outcome = compareOutput('1\n2\n', '1\n', { comparison: 'trim' });
      expect(outcome.diff).to.include('Line 2: expected "2", got (nothing)');
    });
    it('removes only trailing whitespace in trimOutput', () => {
      expect(trimOutput('  a  \n b \n\n')).to.equal('  a\n b');
    });
  });

  describe('tokens', () => {
    it('accepts the same words however they are spaced or broken into lines', () => {
      expect(outputMatches('1 2 3', '1\n2   3\n', { comparison: 'tokens' })).to.equal(true);
    });
    it('refuses a different word and names its position', () => {
      const outcome = compareOutput('1 2 3', '1 2 4', { comparison: 'tokens' });
      expect(outcome.ok).to.equal(false);
      expect(outcome.diff).to.include('Token 3: expected "3", got "4"');
    });
    it('refuses an extra word', () => {
      expect(outputMatches('1 2', '1 2 3', { comparison: 'tokens' })).to.equal(false);
    });
  });

  describe('float', () => {
    it('accepts numbers within the tolerance', () => {
      expect(outputMatches('3.14159', '3.1416', { comparison: 'float', tolerance: 1e-3 })).to.equal(true);
    });
    it('refuses numbers outside the tolerance and mentions it', () => {
      const outcome = compareOutput('3.14159', '3.2', { comparison: 'float', tolerance: 1e-3 });
      expect(outcome.ok).to.equal(false);
      expect(outcome.diff).to.include('(tolerance 0.001)');
    });
    it('uses a relative tolerance for large numbers', () => {
      expect(outputMatches('1000000', '1000000.5', { comparison: 'float', tolerance: 1e-6 })).to.equal(true);
    });
    it('compares words that are not numbers exactly', () => {
      expect(outputMatches('area 2.5', 'area 2.5000001', { comparison: 'float', tolerance: 1e-3 })).to.equal(true);
      expect(outputMatches('area 2.5', 'Area 2.5', { comparison: 'float', tolerance: 1e-3 })).to.equal(false);
    });
    it('does not take hexadecimal or Infinity as numbers', () => {
      expect(outputMatches('16', '0x10', { comparison: 'float' })).to.equal(false);
      expect(outputMatches('1', 'Infinity', { comparison: 'float', tolerance: 1e9 })).to.equal(false);
    });
    it('uses a default tolerance when none is set', () => {
      expect(outputMatches('0.1', '0.1000000001', { comparison: 'float' })).to.equal(true);
      expect(outputMatches('0.1', '0.11', { comparison: 'float' })).to.equal(false);
    });
  });

  describe('regex', () => {
    it('accepts output the pattern matches as a whole', () => {
      expect(outputMatches('Hello, \\w+!', 'Hello, Ayu!\n', { comparison: 'regex' })).to.equal(true);
    });
    it('refuses output the pattern matches only in part', () => {
      const outcome = compareOutput('\\d+', 'abc 123', { comparison: 'regex' });
      expect(outcome.ok).to.equal(false);
      expect(outcome.diff).to.equal('Output does not match the pattern /\\d+/');
    });
    it('tells a broken pattern from a good one', () => {
      expect(isValidRegex('(')).to.equal(false);
      expect(isValidRegex('a+b')).to.equal(true);
    });
  });

  it('shortens a long line in the summary to 80 characters and an ellipsis', () => {
    const outcome = compareOutput('x'.repeat(200), 'y', { comparison: 'trim' });
    expect(outcome.diff).to.include(`Line 1: expected "${'x'.repeat(80)}…", got "y"`);
  });

  it('marks a diff cut at its size limit as truncated', () => {
    const line = (c: string) => c.repeat(70);
    const expected = Array.from({ length: 150 }, (_, i) => `${line('a')}${i}`).join('\n');
    const actual = Array.from({ length: 150 }, (_, i) => `${line('b')}${i}`).join('\n');
    const diff = compareOutput(expected, actual, { comparison: 'trim' }).diff!;
    expect(diff.endsWith('\n… (diff truncated)')).to.equal(true);
  });

  it('keeps the diff of a huge output short', () => {
    const expected = Array.from({ length: 5000 }, (_, i) => String(i)).join('\n');
    const actual = Array.from({ length: 5000 }, (_, i) => String(i + 1)).join('\n');
    const outcome = compareOutput(expected, actual, { comparison: 'trim' });
    expect(outcome.diff!.length).to.be.below(4200);
  });
});
