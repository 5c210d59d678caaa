import type { Redis } from 'ioredis';

/**
 * Who is online, for "a chat message while you are offline": a user with an open SSE stream or a
 * connected socket on any API process. Each is a sorted set of connection ids scored by expiry, kept
 * fresh by the process holding the connection, so a process that dies leaves entries that lapse.
 */
export const streamSlotsKey = (prefix: string, userId: string) => `${prefix}streams:open:${userId}`;
export const socketPresenceKey = (prefix: string, userId: string) => `${prefix}presence:sockets:${userId}`;

/** The users among `userIds` with at least one live stream or socket. */
export async function onlineAmong(redis: Redis, prefix: string, userIds: readonly string[], now = Date.now()): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const pipeline = redis.pipeline();
  for (const id of userIds) {
    pipeline.zcount(streamSlotsKey(prefix, id), now, '+inf');
    pipeline.zcount(socketPresenceKey(prefix, id), now, '+inf');
  }
  const results = (await pipeline.exec()) ?? [];
  const online = new Set<string>();
  userIds.forEach((id, i) => {
    const streams = Number(results[i * 2]?.[1] ?? 0);
    const sockets = Number(results[i * 2 + 1]?.[1] ?? 0);
    if (streams + sockets > 0) online.add(id);
  });
  return online;
}
