import { expect } from 'chai';
import type { Queue } from 'bullmq';
import { assertQueueHasRoom } from '../../common/queues/depth-guard';

/** A queue whose depth reads are answered by hand, in order: what each read saw when it began. */
function fakeQueue() {
  const reads: Array<{ depthAtStart: number; answer: (waiting: number) => void; fail: (err: Error) => void }> = [];
  let depth = 0;
  const queue = {
    getJobCounts: () =>
      new Promise<Record<string, number>>((resolve, reject) =>
        reads.push({ depthAtStart: depth, answer: (waiting) => resolve({ waiting, prioritized: 0, delayed: 0 }), fail: reject }),
      ),
  } as unknown as Pick<Queue, 'getJobCounts'>;
  return { queue, reads, setDepth: (d: number) => (depth = d) };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));
const outcome = (p: Promise<void>) =>
  p.then(
    () => 'room',
    (err: { code?: string }) => err.code ?? 'error',
  );

describe('queue depth guard', () => {
  it('reads the depth twice for many requests at once: one read for the first, the next shared by all the others', async () => {
    const { queue, reads } = fakeQueue();
    const answers = Array.from({ length: 5 }, () => outcome(assertQueueHasRoom(queue, 10, 'grading')));
    await tick();
    expect(reads).to.have.length(1);
    reads[0]!.answer(3);
    await tick();
    expect(reads).to.have.length(2);
    reads[1]!.answer(3);
    expect(await Promise.all(answers)).to.deep.equal(['room', 'room', 'room', 'room', 'room']);
  });

  it('judges a request that arrives during a read by the next read, shared by all that arrived meanwhile', async () => {
    const { queue, reads, setDepth } = fakeQueue();
    const first = outcome(assertQueueHasRoom(queue, 10, 'grading'));
    await tick();
    // the queue fills while the first read is out: later requests must not be judged by it
    setDepth(10);
    const later = [outcome(assertQueueHasRoom(queue, 10, 'grading')), outcome(assertQueueHasRoom(queue, 10, 'grading'))];
    await tick();
    expect(reads).to.have.length(1);
    reads[0]!.answer(0);
    expect(await first).to.equal('room');
    await tick();
    expect(reads).to.have.length(2);
    expect(reads[1]!.depthAtStart).to.equal(10);
    reads[1]!.answer(10);
    expect(await Promise.all(later)).to.deep.equal(['QUEUE_FULL', 'QUEUE_FULL']);
  });

  it('answers QUEUE_UNAVAILABLE to the requests of a read that failed, and reads afresh for the next', async () => {
    const { queue, reads } = fakeQueue();
    const first = outcome(assertQueueHasRoom(queue, 10, 'grading'));
    const second = outcome(assertQueueHasRoom(queue, 10, 'grading'));
    await tick();
    reads[0]!.fail(new Error('Redis is away'));
    expect(await first).to.equal('QUEUE_UNAVAILABLE');
    await tick();
    expect(reads).to.have.length(2);
    reads[1]!.answer(0);
    expect(await second).to.equal('room');
  });
});
