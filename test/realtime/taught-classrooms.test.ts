import { expect } from 'chai';
import { teachingChanged } from '../../api/access/classrooms';
import { TaughtClassrooms } from '../../api/realtime/taught-classrooms';

/** A cache over a lookup that counts its calls, on a clock the test moves. */
function cache(answer: (teacherId: string) => Promise<string[]> = () => Promise.resolve(['c1'])) {
  const calls: string[] = [];
  let now = 1_000;
  const taught = new TaughtClassrooms(
    (id) => {
      calls.push(id);
      return answer(id);
    },
    60_000,
    () => now,
  );
  return { taught, calls, later: (ms: number) => (now += ms) };
}

describe("realtime: a teacher's classrooms for the socket handshake", () => {
  const open: TaughtClassrooms[] = [];
  const made = (answer?: (teacherId: string) => Promise<string[]>) => {
    const c = cache(answer);
    open.push(c.taught);
    return c;
  };
  afterEach(() => open.splice(0).forEach((t) => t.close()));

  it("reads a teacher's classrooms once for the sockets they open within the minute", async () => {
    const { taught, calls, later } = made();
    expect(await taught.of('t1')).to.deep.equal(['c1']);
    later(59_000);
    expect(await taught.of('t1')).to.deep.equal(['c1']);
    expect(calls).to.deep.equal(['t1']);
  });

  it('shares one read between handshakes that arrive together', async () => {
    const { taught, calls } = made();
    await Promise.all([taught.of('t1'), taught.of('t1'), taught.of('t1')]);
    expect(calls).to.deep.equal(['t1']);
  });

  it('reads again once the minute is over', async () => {
    const { taught, calls, later } = made();
    await taught.of('t1');
    later(60_001);
    await taught.of('t1');
    expect(calls).to.deep.equal(['t1', 't1']);
  });

  it("reads again after this process changed the teacher's classrooms, and only theirs", async () => {
    const { taught, calls } = made();
    await Promise.all([taught.of('t1'), taught.of('t2')]);
    teachingChanged(['t1']);
    await Promise.all([taught.of('t1'), taught.of('t2')]);
    expect(calls).to.deep.equal(['t1', 't2', 't1']);
  });

  it("reads every teacher again after a classroom's list of teachers was replaced", async () => {
    const { taught, calls } = made();
    await Promise.all([taught.of('t1'), taught.of('t2')]);
    teachingChanged('all');
    await Promise.all([taught.of('t1'), taught.of('t2')]);
    expect(calls).to.deep.equal(['t1', 't2', 't1', 't2']);
  });

  it('keeps no failed read: the next handshake asks again', async () => {
    let fail = true;
    const { taught, calls } = made(() => (fail ? Promise.reject(new Error('db down')) : Promise.resolve(['c1'])));
    const err = await taught.of('t1').catch((e: Error) => e);
    expect((err as Error).message).to.equal('db down');
    fail = false;
    expect(await taught.of('t1')).to.deep.equal(['c1']);
    expect(calls).to.deep.equal(['t1', 't1']);
  });
});
