import fs from 'node:fs';
import path from 'node:path';
import { decode } from '@jridgewell/sourcemap-codec';

/**
 * Removes from raw V8 coverage (what `NODE_V8_COVERAGE` writes) the code that tsx's compiler added
 * to each TypeScript file and that no part of the file produced: the CommonJS interop helpers before
 * the module's code (`__copyProps`, `__toESM`, `__export`…), the getter it makes for each export, and
 * the `0 && (module.exports = {…})` annotation after the code. Their branches are never all taken (the
 * `0 &&` one never is, a getter only when some module reads that export), and with no source of their
 * own c8 pins them on the file's first or last line: every module showed one to a few uncovered
 * branches that no test could reach.
 *
 * The rule uses only what the coverage file holds (the source map and the line lengths Node records):
 * a function or block whose range contains no position that the source map maps to the file is
 * generated, and is dropped (a function with its blocks). Every function and block of the file's own
 * code contains mapped positions (its first token at least), so all of it still counts.
 * README.md#tests (Coverage).
 */

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface FunctionCoverage {
  functionName: string;
  ranges: Range[];
  isBlockCoverage: boolean;
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}
interface SourceMapEntry {
  lineLengths: number[];
  data: { mappings: string } | null;
}
export interface RawCoverage {
  result: ScriptCoverage[];
  'source-map-cache'?: Record<string, SourceMapEntry>;
}

/** The generated offsets that the source map maps to the original file, ascending. */
export function mappedOffsets(entry: SourceMapEntry): number[] {
  if (!entry.data?.mappings) return [];
  // offset of each generated line's start: the lengths Node recorded plus one newline each
  const lineStart: number[] = [];
  let offset = 0;
  for (const length of entry.lineLengths) {
    lineStart.push(offset);
    offset += length + 1;
  }
  const offsets: number[] = [];
  decode(entry.data.mappings).forEach((segments, line) => {
    const start = lineStart[line];
    if (start === undefined) return;
    // a one-field segment marks generated code with no source
    for (const segment of segments) if (segment.length >= 4) offsets.push(start + segment[0]);
  });
  return offsets.sort((a, b) => a - b);
}

/** Whether a sorted list holds a value in [from, to). */
function anyWithin(sorted: number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! < to;
}

/** One script's coverage without the functions and blocks that hold none of its mapped positions. */
export function dropGenerated(script: ScriptCoverage, mapped: number[]): ScriptCoverage {
  const own = (r: Range) => anyWithin(mapped, r.startOffset, r.endOffset);
  const functions: FunctionCoverage[] = [];
  for (const fn of script.functions) {
    const [root, ...blocks] = fn.ranges;
    if (!root || !own(root)) continue;
    functions.push({ ...fn, ranges: [root, ...blocks.filter(own)] });
  }
  return { ...script, functions };
}

/** Which scripts are the project's own TypeScript (tsx-compiled, source-mapped) files. */
const isOwnTypeScript = (url: string) => url.startsWith('file://') && url.endsWith('.ts') && !url.includes('/node_modules/');

/** Filters one raw coverage document; answers how many functions and blocks were dropped. */
export function filterCoverage(raw: RawCoverage): { coverage: RawCoverage; dropped: number } {
  const maps = raw['source-map-cache'] ?? {};
  let dropped = 0;
  const result = raw.result.map((script) => {
    const entry = maps[script.url];
    const mapped = isOwnTypeScript(script.url) && entry ? mappedOffsets(entry) : [];
    if (mapped.length === 0) return script;
    const kept = dropGenerated(script, mapped);
    const count = (s: ScriptCoverage) => s.functions.reduce((n, f) => n + f.ranges.length, 0);
    dropped += count(script) - count(kept);
    return kept;
  });
  return { coverage: { ...raw, result }, dropped };
}

/** Rewrites every coverage file of a directory in place. */
export function filterDirectory(dir: string): { files: number; dropped: number } {
  let files = 0;
  let dropped = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const filtered = filterCoverage(JSON.parse(fs.readFileSync(file, 'utf8')) as RawCoverage);
    fs.writeFileSync(file, JSON.stringify(filtered.coverage));
    files++;
    dropped += filtered.dropped;
  }
  return { files, dropped };
}

if (require.main === module) {
  const dir = process.argv[2] ?? 'var/coverage/tmp';
  const { files, dropped } = filterDirectory(dir);
  console.log(`coverage: dropped ${dropped} ranges of compiler-generated code from ${files} files in ${dir}`);
}
