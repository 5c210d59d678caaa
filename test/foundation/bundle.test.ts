import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { decode } from '@jridgewell/sourcemap-codec';
import { asciiOnly, bundleInto, ownSourcesOnly } from '../../scripts/bundle';
import { TEST_ENV } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');

/** `npm run build` bundles each process into one file (scripts/bundle.ts); the rest of the suite runs the sources. */
describe('the bundled processes', function () {
  this.timeout(120_000);
  // inside the repository, so that the packages left out of the bundle resolve from node_modules as in dist/
  let out: string;
  let server: string;

  before(async () => {
    out = fs.mkdtempSync(path.join(ROOT, '.bundle-test-'));
    [server] = await bundleInto(out, ['api/server.ts']);
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('the API bundle starts, answers /ready and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [server!], {
      env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', LOG_FORMAT: 'json', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as { message?: string; port?: number };
          if (entry.message === 'api listening') resolve(entry.port!);
        });
        child.once('exit', (code) => reject(new Error(`the bundle exited (${code}) before listening`)));
      });
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).to.equal(200);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('is ASCII, so V8 keeps its source as a one-byte string', () => {
    expect(/[^\p{ASCII}]/u.test(fs.readFileSync(server!, 'utf8'))).to.equal(false);
  });

  it('ships a source map that names our TypeScript files and no package', () => {
    const map = JSON.parse(fs.readFileSync(`${server}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith('api/server.ts'))).to.equal(true);
    expect(map.sources.filter((s) => s.includes('node_modules/'))).to.deep.equal([]);
  });
});

describe('bundle post-processing', () => {
  it("leaves a package's code unmapped instead of mapping it to the nearest line of ours", () => {
    // one line: our file at column 0, a package's at 10 and 20, ours again at 30
    const map = { sources: ['../api/a.ts', '../node_modules/x/i.js'], names: [], mappings: 'AAAA,UCAA,UAAC,UDAC' };
    const [line] = decode(ownSourcesOnly(map).mappings);
    expect(ownSourcesOnly(map).sources).to.deep.equal(['../api/a.ts']);
    expect(line).to.deep.equal([[0, 0, 0, 0], [10], [30, 0, 0, 2]]);
  });

  it('replaces what is left outside ASCII (comments) character for character', () => {
    expect(asciiOnly('a /* they’re 😀 */ b')).to.equal('a /* they?re ?? */ b');
  });
});
