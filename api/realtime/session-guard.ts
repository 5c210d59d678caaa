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
  /** its place in SocketSessions' expiry heap */
  slot: number;
}

/** setTimeout's longest delay (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
  /**
   * Every held socket by its token's expiry (`user.exp`), soonest first: a binary heap whose entries
   * know their place, so a socket that goes or re-authenticates moves at once. One timer waits for
   * the soonest; a timer per socket was a Timeout (~130 bytes) and often a timer list of its own, for
   * each of 10,000 sockets.
   */
  private readonly expiries: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** the expiry (seconds) the timer is set for */
  private timerFor = Infinity;

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
    const entry: Held = { socket, user, slot: -1 };
    this.held.set(socket.id, entry);
    heapAdd(this.expiries, entry);
    this.arm();
    this.index(entry);
    if (this.missed(user, mark)) this.end(entry, 'revoked');
  }

  /** Swaps in a fresh token of the same user, checked from `mark` on. */
  reauthenticate(socket: Socket, next: AuthUser, mark: number): void {
    const entry = this.held.get(socket.id);
    if (!entry) return;
    this.unindex(entry);
    Object.assign(entry.user, next);
    heapMoved(this.expiries, entry);
    this.arm();
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
    heapRemove(this.expiries, entry);
    // the timer stays until it fires (then it finds nothing due and waits for the next), unless nothing is left
    if (this.expiries.length === 0) this.disarm();
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

  /** Sets the timer for the soonest expiry, if it is not set for it or for an earlier one already. */
  private arm(): void {
    const soonest = this.expiries[0]?.user.exp ?? Infinity;
    if (soonest >= this.timerFor) return;
    clearTimeout(this.timer);
    this.timerFor = soonest;
    // setTimeout's longest wait is ~24.8 days: a later expiry only sets it again when it fires
    this.timer = setTimeout(() => this.expireDue(), Math.min(MAX_TIMEOUT_MS, Math.max(0, soonest * 1000 - Date.now())));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerFor = Infinity;
  }

  /** Ends every held socket whose token has expired (from the second `exp` names), then waits for the next. */
  private expireDue(): void {
    this.timer = undefined;
    this.timerFor = Infinity;
    const now = Date.now();
    // end() untracks, which takes the entry off the heap
    for (let first = this.expiries[0]; first && first.user.exp * 1000 <= now; first = this.expiries[0]) this.end(first, 'expired');
    this.arm();
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

/* A binary min-heap of held sockets by `user.exp`; each entry keeps its index in `slot`. */

function heapAdd(heap: Held[], entry: Held): void {
  entry.slot = heap.length;
  heap.push(entry);
  siftUp(heap, entry.slot);
}

function heapRemove(heap: Held[], entry: Held): void {
  const at = entry.slot;
  if (heap[at] !== entry) return;
  const last = heap.pop()!;
  entry.slot = -1;
  if (last === entry) return;
  heap[at] = last;
  last.slot = at;
  heapMoved(heap, last);
}

/** Puts an entry whose expiry changed back in order. */
function heapMoved(heap: Held[], entry: Held): void {
  siftDown(heap, siftUp(heap, entry.slot));
}

function place(heap: Held[], at: number, entry: Held): void {
  heap[at] = entry;
  entry.slot = at;
}

function siftUp(heap: Held[], at: number): number {
  const entry = heap[at]!;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (heap[parent]!.user.exp <= entry.user.exp) break;
    place(heap, at, heap[parent]!);
    at = parent;
  }
  place(heap, at, entry);
  return at;
}

function siftDown(heap: Held[], at: number): void {
  const entry = heap[at]!;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right]!.user.exp < heap[left]!.user.exp ? right : left;
    if (heap[child]!.user.exp >= entry.user.exp) break;
    place(heap, at, heap[child]!);
    at = child;
  }
  place(heap, at, entry);
}
