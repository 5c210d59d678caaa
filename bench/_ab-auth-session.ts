import '../common/require-node';
import type { ChildProcess } from 'node:child_process';
import { loadConfig } from '../common/config';
import { benchEnv, dropBenchData, median, stopChild } from './_lib';
import { sessionStudent } from './_session-student';
import { envNodeFlags, startSessionServer } from './_session-server';
import { load } from './_wrk';
import { allocationProbe, type AllocationFigures } from './_alloc';

/**
 * A paired A/B of GET /api/v2/auth/session: two servers up at once, each `<dir>/bench/_auth-session-server.ts`
 * (two checkouts, e.g. the previous commit exported to a temporary directory and this worktree, or
 * one checkout's `app` and `bare`), driven in turn in short windows, so the machine's drifting load
 * falls on both alike. Prints each window and the medians of CPU ms and bytes a request.
 * `npx tsx bench/_ab-auth-session.ts <dirA>[:mode[:flags]] <dirB>[:mode[:flags]] [rounds] [seconds] [connections]`
 * (flags: node flags for that server only, comma-separated, e.g. `.:app:--no-page-promotion`)
 *
 * V8 sizes each process's young generation by itself (up to --max-semi-space-size), and two
 * processes running the same code can sit at different sizes for minutes: one then promotes ~4.5 KB
 * a request and spends twice the GC time of the other. `BENCH_SERVER_NODE_FLAGS=--min-semi-space-size=8`
 * fixes the size for both, so a code change is compared on its own.
 */
const [A = '.', B = '.', ROUNDS = '6', SECONDS = '3', CONNECTIONS = '100'] = process.argv.slice(2);

interface Server {
  label: string;
  child: ChildProcess;
  url: string;
  probe: ReturnType<typeof allocationProbe>;
  windows: AllocationFigures[];
}

async function start(spec: string, env: Record<string, string>, i: number): Promise<Server> {
  const [dir, mode = 'app', flags = ''] = spec.split(':') as [string, string?, string?];
  const probe = allocationProbe(`ab-${i}`);
  // node flags for both (BENCH_SERVER_NODE_FLAGS), then this server's own (after a second colon, comma-separated)
  const nodeFlags = [...envNodeFlags(), ...flags.split(',').filter(Boolean)];
  const { child, origin } = await startSessionServer({ mode, env, nodeFlags, probe, dir });
  return { label: `${i === 0 ? 'A' : 'B'} ${spec}`, child, url: `${origin}/api/v2/auth/session`, probe, windows: [] };
}

async function main() {
  const env = benchEnv('ab');
  const config = loadConfig(env);
  const { sequelize, token } = await sessionStudent(config);
  const servers: Server[] = [];
  try {
    servers.push(await start(A, env, 0), await start(B, env, 1));
    const opts = (s: Server) => ({ url: s.url, connections: Number(CONNECTIONS), headers: { authorization: `Bearer ${token}` } });
    for (const s of servers) await load({ ...opts(s), seconds: 3 });
    for (let r = 0; r < Number(ROUNDS); r++) {
      // A B, then B A: neither always runs first
      for (const s of r % 2 ? [...servers].reverse() : servers) {
        const { result, allocation } = await s.probe.measure(s.child.pid!, () => load({ ...opts(s), seconds: Number(SECONDS) }));
        s.windows.push(allocation);
        console.log(
          `${s.label.padEnd(30)} rps ${String(result.requestsPerSecond).padStart(6)} errors ${result.errors} cpu ${allocation.cpuMsPerRequest} ms KB ${((allocation.bytesAllocatedPerRequest ?? 0) / 1024).toFixed(2)} promoted ${allocation.bytesPromotedPerRequest} gc ${allocation.gc.msPerRequest}`,
        );
      }
    }
    for (const s of servers) {
      const cpu = median(s.windows.map((w) => w.cpuMsPerRequest ?? 0));
      const kb = median(s.windows.map((w) => (w.bytesAllocatedPerRequest ?? 0) / 1024));
      console.log(`MEDIAN ${s.label}: cpu ${cpu} ms, ${kb.toFixed(2)} KB a request`);
    }
    const [a, b] = servers.map((s) => median(s.windows.map((w) => w.cpuMsPerRequest ?? 0))) as [number, number];
    console.log(`B/A cpu ${(b / a).toFixed(3)}; A/B (throughput ratio at equal CPU) ${(a / b).toFixed(3)}`);
  } finally {
    for (const s of servers) await stopChild(s.child);
    await sequelize.close();
    await dropBenchData(config);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
