import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { app, apiDeps } from './deps';
import { attachSocketServer, type SocketServer } from '../../api/realtime/socket-server';
import { featureRoomAuthorizers } from '../../api/modules';

export interface LiveServer {
  url: string;
  sockets: SocketServer;
  close(): Promise<void>;
}

/**
 * The shared app on a real port with Socket.IO attached, as the web process runs it. Closing it
 * leaves the shared SSE hub open (`serveLive` closes the hub of the deps it is given).
 */
export async function startLiveServer(): Promise<LiveServer> {
  const server = http.createServer(app());
  const sockets: SocketServer = attachSocketServer(server, apiDeps(), featureRoomAuthorizers(apiDeps()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    async close() {
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A connected client, or the handshake's error message. */
export function connectClient(url: string, token: string | undefined): Promise<Socket> {
  const socket = connect(url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Resolves with the next payload of `event`, or rejects after `ms`. */
export function nextEvent<T>(socket: Socket, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}
