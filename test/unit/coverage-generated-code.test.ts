import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filterCoverage, type RawCoverage } from '../coverage/drop-generated-code';

const fixture = path.join(__dirname, '../coverage/fixtures/one-untaken-branch.ts');

/** The raw V8 coverage of the fixture, run under tsx as the suite runs our code. */
function coverageOfFixture(): RawCoverage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-cov-'));
  try {
    execFileSync(process.execPath, ['--require', 'tsx/cjs', fixture], { env: { ...process.env, NODE_V8_COVERAGE: dir } });
    const raws = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RawCoverage);
    const raw = raws.find((r) => r.result.some((s) => s.url.endsWith('one-untaken-branch.ts')));
    if (!raw) throw new Error('no coverage recorded for the fixture');
    return raw;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const untaken = (raw: RawCoverage) =>
  raw.result.filter((s) => s.url.endsWith('one-untaken-branch.ts')).flatMap((s) => s.functions.flatMap((f) => f.ranges.filter((r) => r.count === 0)));

describe('coverage: code the TypeScript compiler generated', function () {
  this.timeout(20_000);
  let raw: RawCoverage;
  before(() => {
    raw = coverageOfFixture();
  });

  it('finds untaken blocks in the compiled module beyond the one the source has', () => {
    expect(untaken(raw).length).to.be.greaterThan(1);
  });

  it("keeps exactly the module's own untaken branch after filtering: pick's `return 'never'`", () => {
    const pick = raw.result
      .filter((s) => s.url.endsWith('one-untaken-branch.ts'))
      .flatMap((s) => s.functions)
      .find((f) => f.functionName === 'pick' && f.ranges.length === 2);
    expect(untaken(filterCoverage(raw).coverage)).to.deep.equal([pick!.ranges[1]]);
  });

  it('leaves files without a source map as they were', () => {
    const plain: RawCoverage = {
      result: [
        { url: 'node:internal/x', functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: 9, count: 0 }] }] },
      ],
    };
    expect(filterCoverage(plain)).to.deep.equal({ coverage: plain, dropped: 0 });
  });
});
