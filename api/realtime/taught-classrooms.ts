import { onTeachingChanged, taughtClassroomIds } from '../access/classrooms';

/**
 * How long a process reuses a teacher's classrooms for the socket handshake. A change made through
 * this process is seen at once (`teachingChanged`); one made through another API process (or a
 * script) reaches this one's new sockets within this time. Open sockets keep the rooms they joined,
 * as before.
 */
export const TAUGHT_CLASSROOMS_TTL_MS = 60_000;
/** Teachers remembered at most (a school has dozens); the oldest entry goes first beyond it. */
const KEPT = 5000;

interface Entry {
  ids: Promise<string[]>;
  until: number;
}

/**
 * The classrooms each teacher teaches, for the Socket.IO handshake: one query per teacher per
 * TAUGHT_CLASSROOMS_TTL_MS instead of one per socket (a teacher keeps several tabs, and a reconnect
 * storm after a deploy brings them all back at once; concurrent handshakes share one query).
 * A failed lookup is not kept.
 */
export class TaughtClassrooms {
  private readonly entries = new Map<string, Entry>();
  private readonly unlisten: () => void;

  constructor(
    private readonly lookup: (teacherId: string) => Promise<string[]> = (id) => taughtClassroomIds(id),
    private readonly ttlMs = TAUGHT_CLASSROOMS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.unlisten = onTeachingChanged((ids) => this.forget(ids));
  }

  of(teacherId: string): Promise<string[]> {
    const held = this.entries.get(teacherId);
    if (held && held.until > this.now()) return held.ids;
    if (held) this.entries.delete(teacherId);
    const entry: Entry = { ids: this.lookup(teacherId), until: this.now() + this.ttlMs };
    if (this.entries.size >= KEPT) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(teacherId, entry);
    // only this lookup's own entry goes: a newer one may have replaced it meanwhile
    entry.ids.catch(() => this.entries.get(teacherId) === entry && this.entries.delete(teacherId));
    return entry.ids;
  }

  forget(teacherIds: readonly string[] | 'all'): void {
    if (teacherIds === 'all') this.entries.clear();
    else for (const id of teacherIds) this.entries.delete(id);
  }

  close(): void {
    this.unlisten();
    this.entries.clear();
  }
}
