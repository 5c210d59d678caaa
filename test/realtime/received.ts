import type { Socket } from 'socket.io-client';

/** Resolves with the first `count` payloads of `event` a client receives, in order. */
export const received = (socket: Socket, event: string, count: number) =>
  new Promise<unknown[]>((resolve) => {
    const got: unknown[] = [];
    socket.on(event, (payload: unknown) => {
      got.push(payload);
      if (got.length === count) resolve(got);
    });
  });
