/**
 * `npm start`'s build step: `npm run build` only when a source is newer than the last build. A full
 * build (tsc over the whole tree, then gcc for the sandbox helpers) costs ~5 s of CPU and far more
 * wall time on a busy machine, and most starts follow no change. Plain CommonJS with node: built-ins
 * only, because it runs before dist/ exists. A git checkout or an edit gives a file a new mtime, so
 * either triggers the build; `npm run build` by hand always builds.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const SOURCES = ['api', 'worker', 'common', 'migrations', 'scripts', 'docs/openapi'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(file) : fs.statSync(file).mtimeMs);
  }
  return latest;
}

function builtAt() {
  try {
    return fs.statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
}

const sourcesAt = Math.max(
  ...SOURCES.map((dir) => newest(path.join(root, dir))),
  ...FILES.map((file) => (fs.existsSync(path.join(root, file)) ? fs.statSync(path.join(root, file)).mtimeMs : 0)),
);
if (sourcesAt < builtAt()) {
  process.stdout.write('dist/ is up to date with the sources: not rebuilding (npm run build rebuilds).\n');
} else {
  const startedAt = new Date();
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  // stamped with the time the build began: a file saved during the build makes the next start rebuild
  fs.writeFileSync(stamp, `${startedAt.toISOString()}\n`);
  fs.utimesSync(stamp, startedAt, startedAt);
}
