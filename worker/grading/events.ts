import type { RealtimePublisher } from '../../common/realtime/publisher';
import { rooms, type RealtimeEvents } from '../../common/realtime/events';
import { hiddenFromStudent, hiddenTestName } from '../../common/grading/visibility';
import type { TestResult } from '../../common/models';

export interface Audience {
  submissionId: string;
  userId: string;
  classroomId: string | null;
}

/** The rooms a submission's events reach: its author, its own room, and the classroom's teachers. */
const studentRooms = (a: Audience) => [rooms.user(a.userId), rooms.submission(a.submissionId)];
const teacherRooms = (a: Audience) => (a.classroomId ? [rooms.classroomTeachers(a.classroomId)] : []);

/** Live events of one grading. Hidden tests' names go to the teachers' room only. */
export class GradingEvents {
  constructor(
    private readonly realtime: RealtimePublisher,
    private readonly audience: Audience,
  ) {}

  private everyone<E extends 'grading:started' | 'grading:completed'>(event: E, payload: RealtimeEvents[E]) {
    this.realtime.publish([...studentRooms(this.audience), ...teacherRooms(this.audience)], event, payload);
  }

  started(total: number) {
    this.everyone('grading:started', { submissionId: this.audience.submissionId, total });
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
      this.realtime.publish([...studentRooms(this.audience), ...teacherRooms(this.audience)], 'grading:test', full);
      return;
    }
    this.realtime.publish(studentRooms(this.audience), 'grading:test', { ...full, name: hiddenTestName(r.index), hidden: true });
    this.realtime.publish(teacherRooms(this.audience), 'grading:test', full);
  }

  completed(verdict: string, score: number, maxScore: number) {
    this.everyone('grading:completed', { submissionId: this.audience.submissionId, verdict, score, maxScore });
  }
}
