import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'build-if-stale.cjs');

/**
 * `npm start`'s build step (package.json `prestart`), run in a copy of the layout it expects: a
 * project whose `npm run build` only counts how often it ran.
 */
describe("npm start's build step", function () {
  this.timeout(60_000);
  let root: string;
  const builds = () => (fs.existsSync(path.join(root, 'builds')) ? fs.readFileSync(path.join(root, 'builds'), 'utf8').length : 0);
  const prestart = () => execFileSync(process.execPath, [path.join(root, 'scripts', 'build-if-stale.cjs')], { cwd: root, encoding: 'utf8' });

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-build-if-stale-'));
    for (const dir of ['scripts', 'api', 'dist']) fs.mkdirSync(path.join(root, dir));
    fs.copyFileSync(SCRIPT, path.join(root, 'scripts', 'build-if-stale.cjs'));
    fs.writeFileSync(path.join(root, 'api', 'server.ts'), 'export {};\n');
    const build = `node -e "require('fs').appendFileSync('builds', 'x')"`;
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'stale-check', private: true, scripts: { build } }));
    const past = new Date(Date.now() - 60_000);
    for (const file of ['package.json', 'api/server.ts', 'scripts/build-if-stale.cjs']) fs.utimesSync(path.join(root, file), past, past);
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('builds when there has been no build', () => {
    prestart();
    expect(builds()).to.equal(1);
  });

  it('does not build again when no source changed', () => {
    expect(prestart()).to.include('dist/ is up to date');
    expect(builds()).to.equal(1);
  });

  it('builds again once a source is newer than the last build', () => {
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(root, 'api', 'server.ts'), later, later);
    prestart();
    expect(builds()).to.equal(2);
  });
});
