import type { BatchedEvent, PublishBatchOptions, RealtimePublisher } from '../../common/realtime/publisher';
import { rooms, type RealtimeEvents } from '../../common/realtime/events';
import { hiddenFromStudent, hiddenTestName } from '../../common/grading/visibility';
import type { TestResult } from '../../common/models';
import { coarseFigures, type FigureBuckets } from '../../common/grading/coarse-figures';

export interface Audience {
  submissionId: string;
  userId: string;
  classroomId: string | null;
  /** a teacher or admin who submitted sees their own hidden tests in full, as the API shows them */
  authorIsStaff?: boolean;
}

/**
 * Who watches a submission: its author and the students' room of the submission (student detail),
 * the classroom's teachers and the staff room of the submission (full detail). The API's room
 * authorizer puts a teacher or admin who subscribes into the staff room, never the students' one.
 */
const studentRooms = (a: Audience) => [...(a.authorIsStaff ? [] : [rooms.user(a.userId)]), rooms.submission(a.submissionId)];
const staffRooms = (a: Audience) => [
  ...(a.authorIsStaff ? [rooms.user(a.userId)] : []),
  ...(a.classroomId ? [rooms.classroomTeachers(a.classroomId)] : []),
  rooms.submissionStaff(a.submissionId),
];

/**
 * How long `grading:started` and a test's event may wait to be written together with the next ones:
 * a submission whose tests take a few ms each sends all its events in one Redis write, while one with
 * slow tests still shows each step within this delay.
 */
export const TEST_EVENT_FLUSH_MS = 100;

/**
 * Live events of one grading. Each watcher gets each event once: a hidden test goes in full to the
 * staff rooms and redacted to the student rooms except sockets also in a staff room. `started` and test
 * events are held back up to TEST_EVENT_FLUSH_MS and written with the next ones, in order.
 */
export class GradingEvents {
  private pending: BatchedEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly realtime: RealtimePublisher,
    private readonly audience: Audience,
    /** how coarsely the student rooms see a hidden test's time and memory */
    private readonly buckets: FigureBuckets,
  ) {}

  private hold(e: BatchedEvent) {
    this.pending.push(e);
    this.timer ??= setTimeout(() => this.flush(), TEST_EVENT_FLUSH_MS).unref();
  }

  /** Writes what is held, plus `last` after it (and `options`' commands: publishBatch). */
  private flush(last: BatchedEvent[] = [], options: PublishBatchOptions = {}) {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending.splice(0);
    events.push(...last);
    // like `publish`, fire and forget: the connection retries, and a lost event is re-read from the API
    void this.realtime.publishBatch(events, options).catch(() => undefined);
  }

  started(total: number) {
    // held like a test's event: a fast submission's whole story is one Redis write
    this.hold({
      rooms: [...studentRooms(this.audience), ...staffRooms(this.audience)],
      event: 'grading:started',
      payload: { submissionId: this.audience.submissionId, total },
    });
  }

  test(r: TestResult) {
    const full: RealtimeEvents['grading:test'] = {
      submissionId: this.audience.submissionId,
      index: r.index,
      name: r.name,
      verdict: r.verdict,
      timeMs: r.timeMs,
      memoryKb: r.memoryKb,
      hidden: r.visibility !== 'show',
    };
    if (!hiddenFromStudent(r.visibility, r.verdict === 'accepted')) {
      return this.hold({ rooms: [...studentRooms(this.audience), ...staffRooms(this.audience)], event: 'grading:test', payload: full });
    }
    const staff = staffRooms(this.audience);
    this.hold({ rooms: staff, event: 'grading:test', payload: full });
    const redacted = { ...full, ...coarseFigures(r, this.buckets), name: hiddenTestName(r.index), hidden: true };
    this.hold({ rooms: studentRooms(this.audience), event: 'grading:test', payload: redacted, except: staff });
  }

  /**
   * `grading:completed` with what is held, in one Redis write. `bumpStudents`: the student-cache versions
   * the stored grade changes, INCRed ahead of the events; `then`: events that follow `grading:completed`
   * (the graded notification's); `after`: commands queued last (its SSE log append).
   */
  completed(
    verdict: string,
    score: number,
    maxScore: number,
    options: { bumpStudents?: readonly string[]; then?: readonly BatchedEvent[]; after?: PublishBatchOptions['after'] } = {},
  ) {
    const payload: RealtimeEvents['grading:completed'] = { submissionId: this.audience.submissionId, verdict, score, maxScore };
    this.flush(
      [{ rooms: [...studentRooms(this.audience), ...staffRooms(this.audience)], event: 'grading:completed', payload }, ...(options.then ?? [])],
      {
        bumpStudents: options.bumpStudents,
        after: options.after,
      },
    );
  }
}
