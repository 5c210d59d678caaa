import '../common/require-node';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { loadConfig } from '../common/config';
import { benchEnv, dropBenchData, stopChild } from './_lib';
import { sessionStudent } from './_session-student';
import { envNodeFlags, startSessionServer } from './_session-server';
import { load } from './_wrk';
import { allocationProbe } from './_alloc';

/**
 * A quick A/B of what GET /auth/session costs the real app per request (bytes allocated and
 * promoted, CPU ms, GC): no ceiling, no timed rounds, so a change can be compared in a minute.
 * `npx tsx bench/_alloc-quick.ts [seconds] [connections]`; prints one JSON line per window.
 * BENCH_MODE=bare measures the ceiling instead; BENCH_SERVER_NODE_FLAGS adds node flags to the server
 * (`--cpu-prof --cpu-prof-dir=<dir>` for a profile to read with bench/_profile-summary.ts); BENCH_BUNDLE=1
 * runs the server bundled (`bundleServer`).
 */
const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = Number(process.argv[3] ?? 20);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 3);

/**
 * BENCH_BUNDLE=1: the server as one esbuild bundle of our code (packages required as usual, names
 * kept as in the production bundle), so it runs code shaped like `dist/` rather than tsx's per-module
 * output (whose imports are getters), and a CPU profile's line numbers are the bundle's real lines.
 */
async function bundleServer(): Promise<string> {
  // inside the repository (var/ is ignored), so its packages resolve from its node_modules
  const out = path.join(__dirname, '..', 'var', `auth-session-server-${process.pid}.js`);
  await build({
    entryPoints: [path.join(__dirname, '_auth-session-server.ts')],
    outfile: out,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    keepNames: true,
    logLevel: 'warning',
  });
  return out;
}

async function main() {
  const env = benchEnv('alloc');
  const config = loadConfig(env);
  const { sequelize, token } = await sessionStudent(config);
  const probe = allocationProbe('quick');
  try {
    const { child, origin } = await startSessionServer({
      mode: process.env.BENCH_MODE ?? 'app',
      env,
      probe,
      // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": the server writes its profile when the run stops it
      nodeFlags: envNodeFlags(),
      script: process.env.BENCH_BUNDLE === '1' ? await bundleServer() : undefined,
    });
    const opts = { url: `${origin}/api/v2/auth/session`, connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } };
    try {
      await load({ ...opts, seconds: 3 });
      for (let i = 0; i < WINDOWS; i++) {
        const { result, allocation } = await probe.measure(child.pid!, () => load({ ...opts, seconds: SECONDS }));
        console.log(JSON.stringify({ rps: result.requestsPerSecond, errors: result.errors, ...allocation }));
      }
    } finally {
      // a failed window must not leave the server behind (it holds the pipe of whoever reads our output)
      await stopChild(child);
      if (process.env.BENCH_BUNDLE === '1') fs.rmSync(path.join(__dirname, '..', 'var', `auth-session-server-${process.pid}.js`), { force: true });
    }
  } finally {
    await sequelize.close();
    await dropBenchData(config);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
