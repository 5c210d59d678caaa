import http from 'node:http';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { ensureDatabase, dropDatabase, createSequelize } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { createApiDeps, closeApiDeps, type ApiDeps } from '../api/deps';
import { createApp } from '../api/app';
import { attachSocketServer } from '../api/realtime/socket-server';
import { featureRoomAuthorizers } from '../api/modules';
import type { CpuBudget } from './_cpu-budget';
import { clearRedisPrefix, stopChild, waitForLine } from './_lib';

/** Shared by the benches that watch work go from an API request through a worker to a socket event. */

const root = path.join(__dirname, '..');

export interface BenchStack {
  deps: ApiDeps;
  /** the API's base URL (HTTP and Socket.IO on one port) */
  url: string;
  /** the worker process (`worker/main.ts` under tsx), started and reporting `worker started` */
  worker: ChildProcess;
  /** every worker process started (`workers` of them; the first is `worker`) */
  workers: ChildProcess[];
  /** stops the worker and the API, then drops the bench's database and Redis keys */
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /** worker i starts inside cpuBudgets[i] (bench/_cpu-budget.ts), its children forked later with it */
  cpuBudgets?: readonly CpuBudget[];
}

/**
 * A database of the bench's own, migrated; the API in this process (so the bench reads its deps);
 * `workers` worker processes (one unless told) with the same settings.
 */
export async function startBenchStack(env: Record<string, string>, workers = 1, options: BenchStackOptions = {}): Promise<BenchStack> {
  if (options.cpuBudgets && options.cpuBudgets.length < workers) throw new Error(`${workers} workers, ${options.cpuBudgets.length} CPU budgets`);
  await ensureDatabase(env.DATABASE_URL!);
  const config = loadConfig({ ...process.env, ...env });
  const migrateDb = createSequelize(config);
  await createMigrator(migrateDb).up();
  await migrateDb.close();

  const deps = createApiDeps(config, createLogger(config, 'api'));
  const server = http.createServer(createApp(deps));
  const sockets = attachSocketServer(server, deps, featureRoomAuthorizers(deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const started = await Promise.all(
    Array.from({ length: workers }, async (_, i) => {
      // BENCH_WORKER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the workers (node refuses it in NODE_OPTIONS)
      const flags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
      const plain = { command: path.join(root, 'node_modules', '.bin', 'tsx'), args: [...flags, path.join(root, 'worker/main.ts')] };
      const { command, args } = options.cpuBudgets?.[i]?.wrap(plain.command, plain.args) ?? plain;
      const worker = spawn(command, args, {
        cwd: root,
        env: { ...process.env, ...env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await waitForLine(worker, (l) => (l.includes('worker started') ? true : undefined), 'worker');
      return worker;
    }),
  );

  return {
    deps,
    url,
    worker: started[0]!,
    workers: started,
    async stop() {
      await Promise.all(started.map(stopChild));
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeApiDeps(deps);
      await dropDatabase(env.DATABASE_URL!);
      await clearRedisPrefix(env.REDIS_URL!, env.REDIS_PREFIX!);
    },
  };
}
