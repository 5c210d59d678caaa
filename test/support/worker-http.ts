import type { AddressInfo } from 'node:net';
import { createWorkerHttpServer } from '../../worker/observability/http-server';
import { registerQueueDepth } from '../../worker/observability/queue-depth';
import { closeGracefully } from '../../common/runtime';
import type { WorkerDeps } from '../../worker/deps';
import { testWorkerDeps } from './deps';

export interface WorkerHttp {
  url: string;
  deps: WorkerDeps;
  get(path: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** A worker's operator port on a free local port, as worker/main.ts starts it with WORKER_HTTP_PORT. */
export async function startWorkerHttp(deps: WorkerDeps = testWorkerDeps(), leaseMs?: number): Promise<WorkerHttp> {
  const queueDepth = registerQueueDepth(deps.metrics.registry, deps, { leaseMs });
  const server = createWorkerHttpServer({ registry: deps.metrics.registry, readiness: deps.readiness });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deps,
    async get(path) {
      const res = await fetch(`${url}${path}`);
      return { status: res.status, text: await res.text() };
    },
    async close() {
      await queueDepth.release();
      await closeGracefully(server, 1000);
    },
  };
}
