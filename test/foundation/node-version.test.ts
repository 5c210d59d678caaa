import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { minimumOf, nodeVersionProblem, requiredNode, satisfies } from '../../common/require-node';

const ROOT = path.resolve(__dirname, '../..');
const TSX_CLI = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

/** A Node on this machine older than the project needs (the system's Node 20 here), if there is one. */
function olderNode(): string | undefined {
  const candidates = new Set<string>(['/usr/bin/node', '/usr/local/bin/node', '/bin/node']);
  try {
    const found = execFileSync('which', ['-a', 'node'], { encoding: 'utf8', env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
    found
      .split('\n')
      .filter(Boolean)
      .forEach((p) => candidates.add(p));
  } catch {
    // `which` finds nothing: only the fixed candidates
  }
  for (const node of candidates) {
    if (!fs.existsSync(node)) continue;
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version && !satisfies(version, requiredNode()!)) return node;
  }
  return undefined;
}

describe('a process on an older Node than package.json requires', () => {
  describe('the version rule', () => {
    it('reads the project’s requirement from package.json engines', () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
      expect(requiredNode()).to.equal(pkg.engines.node);
    });

    it('reads the lowest version of a >= range', () => {
      expect(minimumOf('>=24.1')).to.deep.equal([24, 1, 0]);
    });

    it('refuses Node 20 for >=24', () => {
      expect(satisfies('v20.20.2', '>=24')).to.equal(false);
    });

    it('accepts Node 24 and later for >=24', () => {
      expect(satisfies('v24.0.0', '>=24')).to.equal(true);
      expect(satisfies('v25.1.0', '>=24')).to.equal(true);
    });

    it('compares minor versions, not only majors', () => {
      expect(satisfies('v24.2.9', '>=24.3')).to.equal(false);
    });

    it('names the Node it needs and the Node it got in one line', () => {
      const line = nodeVersionProblem('v20.20.2', '>=24')!;
      expect(line).to.include('needs Node >=24').and.include('Node v20.20.2').and.not.include('\n');
    });

    it('has nothing to say on the Node the tests run on', () => {
      expect(nodeVersionProblem()).to.equal(undefined);
    });
  });

  describe('started for real', function () {
    this.timeout(60_000);
    const node = olderNode();
    before(function () {
      // the check needs an old Node to run under; CI images with only Node 24 have none
      if (!node) this.skip();
    });

    for (const entry of ['api/server.ts', 'worker/main.ts', 'scripts/start.ts', 'bench/grading.ts']) {
      it(`refuses to start ${entry} with one line naming the Node it needs, exit code 1`, () => {
        const res = spawnSync(node!, [TSX_CLI, entry], {
          cwd: ROOT,
          encoding: 'utf8',
          // no node_modules/.bin on PATH: nothing may swap in the project's Node behind our back
          env: {
            PATH: '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/tmp',
            DATABASE_URL: 'postgres://127.0.0.1:1/none',
            REDIS_URL: 'redis://127.0.0.1:1',
          },
          timeout: 30_000,
        });
        expect(res.status, res.stderr).to.equal(1);
        const lines = res.stderr.trim().split('\n');
        expect(lines, res.stderr).to.have.length(1);
        expect(lines[0]).to.match(/^GEMA API needs Node >=24 .*but this is Node v\d+/);
        expect(res.stdout).to.equal('');
      });
    }
  });
});
