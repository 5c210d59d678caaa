import type { Socket } from 'socket.io';
import type { AuthUser } from '../auth/middleware';
import type { EventBudget } from './event-budget';

/**
 * What the API keeps on each connected socket (`socket.data`): the user, and what the socket asked for
 * once it asks (most sockets never send an event, so nothing else is made for them). Kept apart from
 * socket-server.ts so that a feature's listeners can read it without importing the server's modules.
 */
export interface SocketData {
  /** the object the feature handlers see: re-authentication updates it in place */
  user: AuthUser;
  /** what each `subscribe` joined, so `unsubscribe` leaves the room the authorizer chose; made on the first */
  subscriptions?: Map<string, string>;
  /** what the socket may still send (EventBudget); made at its first event */
  budget?: EventBudget;
}

/** The authenticated user of a connected socket (a listener's `this`). */
export const socketUser = (socket: Socket): AuthUser => (socket.data as SocketData).user;
