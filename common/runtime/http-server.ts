import type { Server } from 'node:http';

/** Listens and resolves with the port actually bound (port 0 picks a free one, as tests do). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/**
 * Stops accepting connections, lets in-flight requests finish, and after `deadlineMs` cuts whatever
 * is still open. Resolves `drained` or `forced`.
 */
export async function closeGracefully(server: Server, deadlineMs: number): Promise<'drained' | 'forced'> {
  let forced = false;
  const deadline = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, deadlineMs);
  deadline.unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // keep-alive connections with no request in flight would otherwise hold the server open
  server.closeIdleConnections();
  await closed;
  clearTimeout(deadline);
  return forced ? 'forced' : 'drained';
}
