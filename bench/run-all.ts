import '../common/require-node';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench`: builds, then runs every bench/*.ts one after another (never in parallel: they
 * would measure each other). Each writes its own bench/results/<name>.json. `npm run bench -- auth`
 * runs only the benches whose name contains "auth".
 */
const here = __dirname;
const filter = process.argv[2];
const benches = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts' && !f.startsWith('_'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

execFileSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: path.join(here, '..') });
// one bench failing (loadtest exits 1 when a threshold fails) does not stop the others: unattended
// runs report every figure they can, and the failures at the end
const failed: string[] = [];
for (const file of benches) {
  console.log(`\n== bench/${file}`);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', path.join(here, file)], { stdio: 'inherit' });
  } catch {
    failed.push(file);
  }
}
if (failed.length) {
  console.log(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
