import type { Socket } from 'socket.io';
import type { RevocationEvent } from '../../common/auth/session-deny-list';
import type { Logger } from '../../common/logger';
import type { AccessRevocation } from '../auth/revocation';
import type { RevocationListener } from '../auth/revocation-feed';
import { revocationSubject, type AuthUser } from '../auth/middleware';

/** Why the server ended a socket, sent as `session:ended` just before it disconnects. */
export type SessionEndReason = 'revoked' | 'expired' | 'rate-limited' | 'connection-limit';

interface Held {
  socket: Socket;
  /** the object the feature handlers were given: re-authentication updates it in place */
  user: AuthUser;
  expiry: NodeJS.Timeout;
}

/** Events remembered for sockets whose deny-list check was under way when they were published. */
const RECENT_EVENTS = 1000;

/**
 * The sockets this process holds, by session and by user, each ending with its session: when the
 * deny list says so (the revocation feed), or when its access token expires unless the client sent
 * a fresh one (`auth`) first. README.md#realtime.
 */
export class SocketSessions implements RevocationListener {
  private readonly held = new Map<string, Held>();
  // a key's one socket is kept as it is, a set only once a second socket shares the key: most users
  // hold one socket and every login is its own session, so a set each was ~2 × 150 bytes a socket
  private readonly bySession = new Map<string, Held | Set<Held>>();
  private readonly byUser = new Map<string, Held | Set<Held>>();
  /** event sequence numbers: a socket checked before event n and tracked after it is held to it */
  private seq = 0;
  private readonly recent: { seq: number; event: RevocationEvent }[] = [];

  constructor(
    private readonly revocation: AccessRevocation,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Taken before a token is checked against the deny list, and handed to `track` or `reauthenticate`. */
  mark(): number {
    return this.seq;
  }

  track(socket: Socket, user: AuthUser, mark: number): void {
    const entry: Held = { socket, user, expiry: this.expiryTimer(socket, user) };
    this.held.set(socket.id, entry);
    this.index(entry);
    if (this.missed(user, mark)) this.end(entry, 'revoked');
  }

  /** Swaps in a fresh token of the same user, checked from `mark` on. */
  reauthenticate(socket: Socket, next: AuthUser, mark: number): void {
    const entry = this.held.get(socket.id);
    if (!entry) return;
    this.unindex(entry);
    clearTimeout(entry.expiry);
    Object.assign(entry.user, next);
    entry.expiry = this.expiryTimer(socket, entry.user);
    this.index(entry);
    if (this.missed(entry.user, mark)) this.end(entry, 'revoked');
  }

  /**
   * Ends a user's oldest sockets beyond `max` (a forgotten tab, or a client opening sockets in a loop,
   * cannot hold a process's file descriptors). Maps and sets keep insertion order: oldest first.
   */
  capUser(userId: string, max: number): void {
    const held = this.byUser.get(userId);
    if (!(held instanceof Set) || held.size <= max) return;
    for (const entry of [...held].slice(0, held.size - max)) this.end(entry, 'connection-limit');
  }

  untrack(socket: Socket): void {
    const entry = this.held.get(socket.id);
    if (!entry) return;
    this.held.delete(socket.id);
    this.unindex(entry);
    clearTimeout(entry.expiry);
  }

  /** Tells the client why, then disconnects it (the packet is flushed before the transport closes). */
  endSocket(socket: Socket, reason: SessionEndReason): void {
    const entry = this.held.get(socket.id);
    if (entry) this.end(entry, reason);
    else socket.disconnect(true);
  }

  revoked(event: RevocationEvent): void {
    this.recent.push({ seq: ++this.seq, event });
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    for (const entry of this.matching(event)) this.end(entry, 'revoked');
  }

  /** Every held socket checked against the deny list, a thousand per MGET. */
  resync(): void {
    void this.sweep().catch((err: Error) => this.logger.warn('socket session sweep failed', { error: err.message }));
  }

  async sweep(): Promise<number> {
    const entries = [...this.held.values()];
    let ended = 0;
    for (let i = 0; i < entries.length; i += 1000) {
      const batch = entries.slice(i, i + 1000);
      const revoked = await this.revocation.revokedAmong(batch.map((e) => revocationSubject(e.user)));
      batch.forEach((entry, j) => {
        if (revoked[j] && this.held.has(entry.socket.id)) {
          this.end(entry, 'revoked');
          ended++;
        }
      });
    }
    return ended;
  }

  private matching(event: RevocationEvent): Held[] {
    const found = new Set<Held>();
    for (const sid of event.sessions ?? []) for (const e of entries(this.bySession, sid)) found.add(e);
    for (const u of event.users ?? []) for (const e of entries(this.byUser, u.id)) if (e.user.iat <= u.before) found.add(e);
    if (event.tokens?.length) {
      // a token is denied on its own only beside its session (logout) or before any socket could use it
      const tokens = new Set(event.tokens);
      for (const e of this.held.values()) if (tokens.has(e.user.jti)) found.add(e);
    }
    return [...found];
  }

  private missed(user: AuthUser, mark: number): boolean {
    for (const { seq, event } of this.recent) {
      if (seq <= mark) continue;
      if (
        event.sessions?.includes(user.sid) ||
        event.tokens?.includes(user.jti) ||
        event.users?.some((u) => u.id === user.id && user.iat <= u.before)
      ) {
        return true;
      }
    }
    return false;
  }

  private expiryTimer(socket: Socket, user: AuthUser): NodeJS.Timeout {
    const timer = setTimeout(
      () => {
        const entry = this.held.get(socket.id);
        if (entry) this.end(entry, 'expired');
      },
      Math.max(0, user.exp * 1000 - Date.now()),
    );
    timer.unref();
    return timer;
  }

  private end(entry: Held, reason: SessionEndReason) {
    this.untrack(entry.socket);
    entry.socket.emit('session:ended', { reason });
    entry.socket.disconnect(true);
  }

  private index(entry: Held) {
    add(this.bySession, entry.user.sid, entry);
    add(this.byUser, entry.user.id, entry);
  }

  private unindex(entry: Held) {
    remove(this.bySession, entry.user.sid, entry);
    remove(this.byUser, entry.user.id, entry);
  }
}

type Index = Map<string, Held | Set<Held>>;

function entries(index: Index, key: string): Iterable<Held> {
  const held = index.get(key);
  return held === undefined ? [] : held instanceof Set ? held : [held];
}

function add(index: Index, key: string, entry: Held) {
  const held = index.get(key);
  if (held === undefined) index.set(key, entry);
  else if (held instanceof Set) held.add(entry);
  else if (held !== entry) index.set(key, new Set([held, entry]));
}

function remove(index: Index, key: string, entry: Held) {
  const held = index.get(key);
  if (held === entry) index.delete(key);
  else if (held instanceof Set && held.delete(entry)) {
    // back to the entry itself once one is left, as add() would have kept it
    if (held.size === 1) index.set(key, held.values().next().value!);
  }
}
