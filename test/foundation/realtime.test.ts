import { expect } from 'chai';
import crypto from 'node:crypto';
import request from 'supertest';
import { ClassroomTeacher, type User } from '../../common/models';
import type { Socket } from 'socket.io-client';
import { bearer, createSchool, createUser, tokenFor } from '../support/factories';
import { apiDeps, app, testWorkerDeps } from '../support/deps';
import { startLiveServer, connectClient, nextEvent, type LiveServer } from '../support/realtime';
import { rooms } from '../../common/realtime/events';

const tokenSubject = (u: User) => ({ id: u.id, role: u.role, email: u.email, name: u.name });

describe('realtime (Socket.IO)', () => {
  let live: LiveServer;
  let school: Awaited<ReturnType<typeof createSchool>>;
  const open: Socket[] = [];
  const client = async (token: string | undefined) => {
    const s = await connectClient(live.url, token);
    open.push(s);
    return s;
  };

  before(async () => {
    live = await startLiveServer();
    school = await createSchool();
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('refuses a handshake without a token', async () => {
    const err = await connectClient(live.url, undefined).catch((e: Error) => e);
    expect((err as Error).message).to.equal('UNAUTHENTICATED');
  });

  it('refuses a handshake with a forged token', async () => {
    const err = await connectClient(live.url, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.').catch((e: Error) => e);
    expect((err as Error).message).to.equal('UNAUTHENTICATED');
  });

  it('refuses a handshake with a revoked token', async () => {
    const token = tokenFor(school.student);
    const claims = apiDeps().tokens.verify(token);
    await apiDeps().revocation.denyToken(claims.jti, claims.exp);
    const err = await connectClient(live.url, token).catch((e: Error) => e);
    expect((err as Error).message).to.equal('UNAUTHENTICATED');
  });

  it('delivers an event a worker publishes to the user room', async () => {
    const socket = await client(tokenFor(school.student));
    const received = nextEvent<{ fileId: string }>(socket, 'file:processed');
    // the worker process publishes through the Redis emitter, not through this server
    testWorkerDeps().realtime.publish(rooms.user(school.student.id), 'file:processed', { fileId: 'f1', status: 'ready' });
    expect(await received).to.deep.equal({ fileId: 'f1', status: 'ready' });
  });

  it('puts a teacher in the rooms of the classrooms they teach, and not in others', async () => {
    const teacher = await client(tokenFor(school.teacher));
    const other = await client(tokenFor(school.otherTeacher));
    const seenByTeacher = nextEvent(teacher, 'grading:queued');
    let seenByOther = false;
    other.on('grading:queued', () => (seenByOther = true));
    testWorkerDeps().realtime.publish(rooms.classroomTeachers(school.classroom.id), 'grading:queued', { submissionId: 's1' });
    expect(await seenByTeacher).to.deep.equal({ submissionId: 's1' });
    // a marker event to the other teacher's own room proves their earlier events have all arrived
    const marker = nextEvent(other, 'notification:new');
    testWorkerDeps().realtime.publish(rooms.user(school.otherTeacher.id), 'notification:new', { id: 'n', type: 't', title: 'x' });
    await marker;
    expect(seenByOther).to.equal(false);
  });

  it("reads a teacher's classrooms once for the sockets they open within the minute", async () => {
    const teacher = await createUser({ role: 'teacher', teaches: [school.classroom.id] });
    let reads = 0;
    ClassroomTeacher.addHook('beforeFind', 'count-teacher-reads', () => void reads++);
    try {
      const tabs = [await client(tokenFor(teacher)), await client(tokenFor(teacher)), await client(tokenFor(teacher))];
      const seen = tabs.map((tab) => nextEvent(tab, 'grading:queued'));
      testWorkerDeps().realtime.publish(rooms.classroomTeachers(school.classroom.id), 'grading:queued', { submissionId: 'tabs' });
      for (const event of await Promise.all(seen)) expect(event).to.deep.equal({ submissionId: 'tabs' });
      expect(reads).to.equal(1);
    } finally {
      ClassroomTeacher.removeHook('beforeFind', 'count-teacher-reads');
    }
  });

  it("puts a teacher given a classroom through the admin API in its teachers' room on their next socket, within that minute", async () => {
    const teacher = await createUser({ role: 'teacher', teaches: [school.classroom.id] });
    (await client(tokenFor(teacher))).close();
    await request(app())
      .put(`/api/v2/admin/teachers/${teacher.id}/classrooms`)
      .set(bearer(school.admin))
      .send({ classroomIds: [school.classroom.id, school.other.id] })
      .expect(200);
    const socket = await client(tokenFor(teacher));
    const seen = nextEvent(socket, 'grading:queued');
    testWorkerDeps().realtime.publish(rooms.classroomTeachers(school.other.id), 'grading:queued', { submissionId: 'assigned' });
    expect(await seen).to.deep.equal({ submissionId: 'assigned' });
  });

  it("puts a student in their classroom's room from the token's classroom claim, without reading their row", async () => {
    // the token says `classroom`; the row (moved since the token was signed) says `other`
    const token = apiDeps().tokens.sign({ ...tokenSubject(school.student), classroomId: school.classroom.id }, crypto.randomUUID()).token;
    await school.student.update({ classroomId: school.other.id });
    try {
      const socket = await client(token);
      const seen = nextEvent(socket, 'file:processed');
      testWorkerDeps().realtime.publish(rooms.classroom(school.classroom.id), 'file:processed', { fileId: 'a1', status: 'ready' });
      expect(await seen).to.deep.equal({ fileId: 'a1', status: 'ready' });
    } finally {
      await school.student.update({ classroomId: school.classroom.id });
    }
  });

  it('puts a student whose token has no classroom claim in the classroom their row names', async () => {
    const socket = await client(tokenFor(school.outsider));
    const seen = nextEvent(socket, 'file:processed');
    testWorkerDeps().realtime.publish(rooms.classroom(school.other.id), 'file:processed', { fileId: 'a2', status: 'ready' });
    expect(await seen).to.deep.equal({ fileId: 'a2', status: 'ready' });
  });

  it("signs a classroom claim into a student's token only", () => {
    const student = apiDeps().tokens.verify(
      apiDeps().tokens.sign({ ...tokenSubject(school.student), classroomId: school.classroom.id }, 'sid').token,
    );
    const teacher = apiDeps().tokens.verify(
      apiDeps().tokens.sign({ ...tokenSubject(school.teacher), classroomId: school.classroom.id }, 'sid').token,
    );
    expect(student.cls).to.equal(school.classroom.id);
    expect(teacher).to.not.have.property('cls');
  });

  it('refuses to subscribe to a room kind nobody registered', async () => {
    const socket = await client(tokenFor(school.student));
    const reply = await socket.emitWithAck('subscribe', { room: 'secrets', id: 'x' });
    expect(reply).to.deep.equal({ ok: false, error: 'UNKNOWN_ROOM' });
  });
});
