import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { decode } from '@jridgewell/sourcemap-codec';
import { asciiOnly, bundleInto, ownSourcesOnly, withoutNamesIn } from '../../scripts/bundle';
import { dropDatabase } from '../../common/db/database';
import { migrationNames } from '../../common/db/migration-files';
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

  it("gives engine.io's per-connection functions no name of their own (the bundle's __keep) and keeps our classes' names", () => {
    const code = fs.readFileSync(server!, 'utf8');
    expect(code).to.include('__keep(onUpgradeError, "onUpgradeError")');
    expect(code).to.include('__name(this, "SocketPresence")');
  });

  it('ships a source map that names our TypeScript files and no package', () => {
    const map = JSON.parse(fs.readFileSync(`${server}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith('api/server.ts'))).to.equal(true);
    expect(map.sources.filter((s) => s.includes('node_modules/'))).to.deep.equal([]);
  });
});

/** `npm start` as built: the supervisor, its database step and the API, each one bundle (scripts/start.ts). */
describe('npm start, built', function () {
  this.timeout(180_000);
  let out: string;
  const url = `${TEST_ENV.DATABASE_URL}_start_built`;
  const port = String(20_000 + (process.pid % 1000));

  before(async () => {
    out = fs.mkdtempSync(path.join(ROOT, '.bundle-test-'));
    await bundleInto(out, ['scripts/start.ts', 'scripts/start/prepare.ts', 'api/server.ts', 'worker/main.ts']);
    // where dist/ has tsc's output of migrations/: the supervisor lists them by file name
    fs.symlinkSync(path.join(ROOT, 'migrations'), path.join(out, 'migrations'));
  });
  after(async () => {
    fs.rmSync(out, { recursive: true, force: true });
    await dropDatabase(url);
  });

  /** Runs the built `npm start` until its ready banner is printed; its lines and what /ready then answers, then it is stopped. */
  async function startUntilReady(): Promise<{ lines: string[]; ready: number }> {
    const child = spawn(process.execPath, [path.join(out, 'scripts/start.js')], {
      env: { ...process.env, ...TEST_ENV, DATABASE_URL: url, PORT: port, WORKER_QUEUES: 'email', LOG_LEVEL: 'warn', NODE_COMPILE_CACHE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        for (const stream of [child.stdout, child.stderr]) {
          readline.createInterface({ input: stream }).on('line', (line) => {
            lines.push(line);
            if (line.includes('Ctrl-C stops the API and the worker.')) resolve();
          });
        }
        child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it was ready: ${lines.join('\n')}`)));
      });
      return { lines, ready: (await fetch(`http://127.0.0.1:${port}/ready`)).status };
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }

  it('compiles every migration into its database step, by the name the migrator records', () => {
    const bundle = fs.readFileSync(path.join(out, 'scripts/start/prepare.js'), 'utf8');
    const listed = [...bundle.matchAll(/\{ name: "([^"]+)", load: /g)].map((m) => m[1]);
    expect(listed).to.deep.equal(migrationNames());
  });

  it('on a new database: creates, migrates, seeds, and prints the URL and the demo logins once /ready answers 200', async () => {
    const { lines, ready } = await startUntilReady();
    expect(ready).to.equal(200);
    expect(lines).to.include(`Created database ${new URL(url).pathname.slice(1)}.`);
    expect(lines).to.include(`Applied ${migrationNames().length} migration(s).`);
    expect(lines.some((l) => /^GEMA API is ready in \d+\.\d s$/.test(l))).to.equal(true);
    expect(lines).to.include(`  API:      http://localhost:${port}/api/v2`);
    expect(lines).to.include('  Demo logins (just seeded), password "gema-demo-2025":');
    expect(lines).to.include('    student  ayu@gema.local');
  });

  it('on the same database again: nothing to migrate or seed, ready all the same', async () => {
    const { lines, ready } = await startUntilReady();
    expect(ready).to.equal(200);
    expect(lines.filter((l) => /^(Created database|Applied )/.test(l))).to.deep.equal([]);
    expect(lines).to.include('  Demo logins, password "gema-demo-2025":');
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

  it('replaces what is left outside ASCII in comments character for character', () => {
    expect(asciiOnly('a /* they’re 😀 */ + b')).to.equal('a /* they?re ?? */ + b');
  });

  it('escapes what is left outside ASCII in a regular expression, which then matches what it matched', () => {
    const source = 'x = /^[ÄÖ]…😀$/u;';
    const escaped = asciiOnly(source);
    expect(escaped).to.equal('x = /^[\\u00C4\\u00D6]\\u2026\\uD83D\\uDE00$/u;');
    const [before, after] = [source, escaped].map((code) => new Function(`let x; ${code} return x;`)() as RegExp);
    for (const text of ['Ö…😀', 'Ä…😀', 'O…😀', 'Ö...😀']) expect(after.test(text), text).to.equal(before!.test(text));
  });

  describe('function names in the websocket packages', () => {
    const bundled = [
      '// node_modules/engine.io/build/server.js',
      '        __name(onUpgradeError, "onUpgradeError");',
      '        const next = /* @__PURE__ */ __name((err) => {',
      '        }, "next");',
      '        __name(this, "Server");',
      '      // a comment inside the module',
      '    __name(after, "after");',
      '// node_modules/express/lib/router.js',
      '    __name(handle, "handle");',
      '// api/realtime/presence.ts',
      '    __name(this, "SocketPresence");',
      '// node_modules/socket.io/node_modules/debug/src/common.js',
      '    __name(setup, "setup");',
    ].join('\n');
    const out = withoutNamesIn(bundled).split('\n');

    it("are left as esbuild made them: __name becomes __keep, of the same length, in engine.io's and socket.io's modules", () => {
      expect(out[1]).to.equal('        __keep(onUpgradeError, "onUpgradeError");');
      expect(out[2]).to.equal('        const next = /* @__PURE__ */ __keep((err) => {');
      expect(out[6]).to.equal('    __keep(after, "after");');
      expect(out[12]).to.equal('    __keep(setup, "setup");');
      out.forEach((line, i) => expect(line.length, line).to.equal(bundled.split('\n')[i]!.length));
    });

    it("are kept everywhere else, and a class's own name in every package", () => {
      expect(out[4]).to.equal('        __name(this, "Server");');
      expect(out[8]).to.equal('    __name(handle, "handle");');
      expect(out[10]).to.equal('    __name(this, "SocketPresence");');
    });
  });
});
