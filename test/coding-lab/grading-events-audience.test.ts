import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RealtimePublisher, type BatchedEvent } from '../../common/realtime/publisher';
import { GradingEvents } from '../../worker/grading/events';
import type { TestResult } from '../../common/models';
import { TEST_ENV } from '../support/env';

/** The real publisher, writing to Redis, that also keeps what it was asked to write. */
class RecordingPublisher extends RealtimePublisher {
  readonly written: BatchedEvent[] = [];
  override publish(...args: Parameters<RealtimePublisher['publish']>): void {
    this.written.push({ rooms: args[0], event: args[1], payload: args[2], except: args[3] });
    super.publish(...args);
  }
  override publishBatch(...args: Parameters<RealtimePublisher['publishBatch']>): Promise<void> {
    this.written.push(...args[0]);
    return super.publishBatch(...args);
  }
}

const hiddenFailure = { index: 2, name: 'secret', verdict: 'wrong_answer', timeMs: 12, memoryKb: 3000, visibility: 'hide' } as unknown as TestResult;

/** Who gets a grading's live events when the author is staff and the submission has no classroom. */
describe('grading events of a staff author outside any classroom', () => {
  let redis: Redis;
  const config = { redis: { prefix: TEST_ENV.REDIS_PREFIX! } } as ConstructorParameters<typeof RealtimePublisher>[0];

  before(() => (redis = new Redis(TEST_ENV.REDIS_URL!)));
  after(() => redis.quit());

  it('sends a hidden test in full to the author’s own room and the staff room, and redacted only to the submission room', async () => {
    const publisher = new RecordingPublisher(config, redis);
    const events = new GradingEvents(
      publisher,
      { submissionId: 's1', userId: 'u1', classroomId: null, authorIsStaff: true },
      { timeMs: null, memoryKb: null },
    );
    events.test(hiddenFailure);
    events.completed('wrong_answer', 0, 10);
    const tests = publisher.written.filter((e) => e.event === 'grading:test');
    expect(tests.map((e) => [e.rooms, e.except])).to.deep.equal([
      [['user:u1', 'submission:s1:staff'], undefined],
      [['submission:s1'], ['user:u1', 'submission:s1:staff']],
    ]);
    expect((tests[1]!.payload as { name: string }).name).to.equal('Hidden test 3');
    expect(publisher.written.at(-1)!.rooms).to.deep.equal(['submission:s1', 'user:u1', 'submission:s1:staff']);
  });

  it('does not throw when Redis is gone while it writes the held events', async () => {
    const gone = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    gone.on('error', () => undefined);
    const publisher = new RecordingPublisher(config, gone);
    const events = new GradingEvents(publisher, { submissionId: 's2', userId: 'u2', classroomId: null }, { timeMs: null, memoryKb: null });
    events.test(hiddenFailure);
    expect(() => events.completed('wrong_answer', 0, 10)).to.not.throw();
    await new Promise((resolve) => setImmediate(resolve));
    expect(publisher.written.map((e) => e.event)).to.deep.equal(['grading:test', 'grading:test', 'grading:completed']);
    gone.disconnect();
  });
});
