/**
 * Imported first by every process entry point (API, worker, scripts, benches): a process on an older
 * Node than package.json's `engines.node` stops here with one line, instead of starting and failing
 * later in ways that hide the cause (isolated-vm is built for one Node ABI: under Node 20 every
 * JavaScript submission ended `internal_error`). Uses nothing but node: built-ins, so it runs before
 * any dependency is loaded. See README.md#quick-start.
 */
import fs from 'node:fs';
import path from 'node:path';

type Version = [number, number, number];

/** The lowest version a `>=X.Y.Z` (or `^X`, `X`) range accepts; undefined for a range it cannot read. */
export function minimumOf(range: string): Version | undefined {
  const m = /^\s*(?:>=|\^|~)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function parseVersion(version: string): Version {
  const [major = 0, minor = 0, patch = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((n) => parseInt(n, 10) || 0);
  return [major, minor, patch];
}

export function satisfies(version: string, range: string): boolean {
  const min = minimumOf(range);
  if (!min) return true; // a range we cannot read is not ours to enforce
  const v = parseVersion(version);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

/** package.json's `engines.node`, found upwards from here (source tree or dist/). */
export function requiredNode(from = __dirname): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; engines?: { node?: string } };
      if (pkg.name === 'gema-api') return pkg.engines?.node;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The one line an old Node gets, or undefined when this Node will do. */
export function nodeVersionProblem(version = process.version, range = requiredNode()): string | undefined {
  if (!range || satisfies(version, range)) return undefined;
  return (
    `GEMA API needs Node ${range.trim()} (package.json engines), but this is Node ${version} (${process.execPath}): ` +
    'run it through npm scripts or npx from the project, which use the Node 24 it brings.'
  );
}

const problem = nodeVersionProblem();
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
