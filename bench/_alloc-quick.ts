import '../common/require-node';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, User } from '../common/models';
import { AccessTokens } from '../api/auth/tokens';
import { benchEnv, dropBenchData, stopChild, waitForLine } from './_lib';
import { load, serverCommand } from './_wrk';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { allocationProbe } from './_alloc';

/**
 * A quick A/B of what GET /auth/session costs the real app per request (bytes allocated and
 * promoted, CPU ms, GC): no ceiling, no timed rounds, so a change can be compared in a minute.
 * `npx tsx bench/_alloc-quick.ts [seconds] [connections]`; prints one JSON line per window.
 */
const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = Number(process.argv[3] ?? 20);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 3);

async function main() {
  const env = benchEnv('alloc');
  const config = loadConfig(env);
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  const probe = allocationProbe('quick');
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    const user = await User.create({
      email: 'bench@gema.local',
      name: 'Bench Student',
      role: 'student',
      passwordHash: 'x',
      emailVerifiedAt: new Date(),
    });
    const token = new AccessTokens(config).sign(user, crypto.randomUUID()).token;
    const { cmd, args } = serverCommand([
      ...HEAP_FLAGS,
      ...probe.nodeArgs,
      '--import',
      'tsx',
      path.join(__dirname, '_auth-session-server.ts'),
      process.env.BENCH_MODE ?? 'app',
    ]);
    const child = spawn(cmd, args, { env: { ...env, ...probe.env }, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await waitForLine(child, (line) => /^READY (\d+)$/.exec(line)?.[1], 'server').then(Number);
    const opts = { url: `http://127.0.0.1:${port}/api/v2/auth/session`, connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } };
    try {
      await load({ ...opts, seconds: 3 });
      for (let i = 0; i < WINDOWS; i++) {
        const { result, allocation } = await probe.measure(child.pid!, () => load({ ...opts, seconds: SECONDS }));
        console.log(JSON.stringify({ rps: result.requestsPerSecond, errors: result.errors, ...allocation }));
      }
    } finally {
      // a failed window must not leave the server behind (it holds the pipe of whoever reads our output)
      await stopChild(child);
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
