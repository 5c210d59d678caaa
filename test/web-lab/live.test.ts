import { expect } from 'chai';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { createSchool, tokenFor, bearer } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import type { RealtimeEvents } from '../../common/realtime/events';
import { BASE, CHECKS, PASSING, startWebWorker, type RunningWebWorker } from './helpers';

type Seen = { event: string; payload: { versionId?: string } & Record<string, unknown> };

function record(socket: Socket) {
  const seen: Seen[] = [];
  const waiters = new Map<string, () => void>();
  socket.onAny((event: string, payload: Seen['payload']) => {
    if (!event.startsWith('web-check:')) return;
    seen.push({ event, payload });
    if (event === 'web-check:completed' && payload.versionId) waiters.get(payload.versionId)?.();
  });
  return {
    of: (id: string) => seen.filter((s) => s.payload.versionId === id),
    completed: (id: string) =>
      new Promise<void>((resolve) => {
        if (seen.some((s) => s.event === 'web-check:completed' && s.payload.versionId === id)) return resolve();
        waiters.set(id, resolve);
      }),
  };
}

describe('web lab: live check results', function () {
  this.timeout(60_000);
  let live: LiveServer;
  let worker: RunningWebWorker;
  let school: Awaited<ReturnType<typeof createSchool>>;
  let assignmentId: string;
  const sockets: Socket[] = [];

  before(async () => {
    live = await startLiveServer();
    worker = await startWebWorker();
    school = await createSchool();
    const res = await request(live.url)
      .post(`${BASE}/assignments`)
      .set(bearer(school.teacher))
      .send({
        title: 'Live',
        classroomId: school.classroom.id,
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        checks: CHECKS,
        published: true,
      })
      .expect(201);
    assignmentId = res.body.data.id;
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  after(async () => {
    await worker?.close();
    await live?.close();
  });

  const connect = async (user: Parameters<typeof tokenFor>[0]) => {
    const s = await connectClient(live.url, tokenFor(user));
    sockets.push(s);
    return s;
  };

  it('streams queued, started, one event per check and completed to the student and the class teacher, hidden reasons to the teacher only', async () => {
    const student = record(await connect(school.student));
    const teacher = record(await connect(school.teacher));
    const res = await request(live.url)
      .post(`${BASE}/submissions`)
      .set(bearer(school.student))
      .send({ assignmentId, files: PASSING.slice(0, 1) })
      .expect(202);
    const id: string = res.body.data.id;
    await Promise.all([student.completed(id), teacher.completed(id)]);

    for (const seen of [student.of(id), teacher.of(id)]) {
      expect(seen.map((s) => s.event)).to.deep.equal([
        'web-check:queued',
        'web-check:started',
        ...CHECKS.map(() => 'web-check:result'),
        'web-check:completed',
      ]);
      expect(seen[1]!.payload).to.deep.equal({ versionId: id, total: CHECKS.length });
    }
    const hiddenFor = (seen: Seen[]) => seen.map((s) => s.payload as RealtimeEvents['web-check:result']).find((p) => p.checkId === 'responsive')!;
    expect(hiddenFor(student.of(id))).to.include({ hidden: true, reason: null, status: 'failed' });
    expect(hiddenFor(teacher.of(id)).reason).to.be.a('string');
  });

  it("refuses another student's subscription to a version's room", async () => {
    const res = await request(live.url).post(`${BASE}/submissions`).set(bearer(school.student)).send({ assignmentId, files: PASSING }).expect(202);
    const other = await connect(school.classmate);
    const reply = await new Promise<{ ok: boolean; error?: string }>((resolve) =>
      other.emit('subscribe', { room: 'web-version', id: res.body.data.id }, resolve),
    );
    expect(reply).to.deep.equal({ ok: false, error: 'NOT_FOUND' });
  });
});
