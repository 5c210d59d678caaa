import fs from 'node:fs';

/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the self time went, grouped by package
 * (node_modules/<name>), by our own top-level folder (api, common, …) or by Node's internals, with
 * the ten heaviest functions. `npx tsx bench/_profile-summary.ts <file.cpuprofile> [<fromUs>-<toUs>]`: with a
 * window (monotonic µs, as bench/exam-hall.ts prints it in `profileWindowUs`), only the samples taken in it.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  startTime: number;
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function summarize(file: string, window?: [number, number]) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0;
    if (window && (at < window[0] || at > window[1])) return;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const { url, functionName, lineNumber } = byId.get(id)!.callFrame;
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const own = /\/(dist\/)?(api|common|worker|scripts)\//.exec(url)?.[2];
    const group = pkg ?? (own ? `(ours) ${own}` : url.startsWith('node:') ? '(node internals)' : url ? url : `(${functionName || 'vm'})`);
    groups.set(group, (groups.get(group) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist\/)?/, '')}:${lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((us / total) * 1000) / 10;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => ({ what: k, percent: pct(v) }));
  return { totalMs: Math.round(total / 1000), byGroup: top(groups, 15), byFunction: top(fns, 10) };
}

if (require.main === module) {
  const window = process.argv[3]?.split('-').map(Number) as [number, number] | undefined;
  console.log(JSON.stringify(summarize(process.argv[2]!, window), null, 2));
}
