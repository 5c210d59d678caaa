import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { attachSocketServer, type RoomAuthorizer, type SocketServer } from '../../api/realtime/socket-server';
import { featureRoomAuthorizers } from '../../api/modules';
import type { ApiDeps } from '../../api/deps';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A small Server-Sent Events client over node:http (what a browser's EventSource does, minus the
 * reconnecting): parses frames, keeps every event and comment, and waits for the next one.
 */
export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the body when the server refused the stream (JSON error envelope) */
  body: string;
  events: SseEvent[];
  comments: string[];
  retry?: number;
  ended: Promise<void>;
  next(match?: (e: SseEvent) => boolean, ms?: number): Promise<SseEvent>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const events: SseEvent[] = [];
      const waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
      let endResolve!: () => void;
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events,
        comments: [],
        ended: new Promise<void>((r) => (endResolve = r)),
        next(match = () => true, ms = 5000) {
          const seen = events.find((e) => match(e) && !taken.has(e));
          if (seen) {
            taken.add(seen);
            return Promise.resolve(seen);
          }
          return new Promise((res2, rej) => {
            const timer = setTimeout(() => rej(new Error(`no matching SSE event within ${ms} ms; had ${JSON.stringify(events)}`)), ms);
            waiters.push({
              match,
              resolve: (e) => {
                clearTimeout(timer);
                taken.add(e);
                res2(e);
              },
            });
          });
        },
        close() {
          req.destroy();
        },
      };
      const taken = new Set<SseEvent>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (client.status !== 200) {
          client.body += chunk;
          return;
        }
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = { event: 'message', data: '' };
          let hasData = false;
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
            else if (line.startsWith('retry: ')) client.retry = Number(line.slice(7));
            else if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              e.data += line.slice(6);
              hasData = true;
            }
          }
          if (!hasData) continue;
          events.push(e);
          const w = waiters.findIndex((x) => x.match(e));
          if (w >= 0) waiters.splice(w, 1)[0]!.resolve(e);
        }
      });
      res.on('close', () => endResolve());
      res.on('error', () => endResolve());
      if (client.status !== 200) res.on('end', () => resolve(client));
      else resolve(client);
    });
    req.on('error', reject);
  });
}

export interface LiveApp {
  url: string;
  sockets: SocketServer;
  close(): Promise<void>;
}

/** An app (e.g. an `isolatedApp`, a second API process) on a real port with Socket.IO attached. */
export async function serveLive(
  app: Express,
  deps: ApiDeps,
  authorizers: Record<string, RoomAuthorizer> = featureRoomAuthorizers(deps),
): Promise<LiveApp> {
  const server = http.createServer(app);
  const sockets = attachSocketServer(server, deps, authorizers);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    async close() {
      deps.streams.closeAll();
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
