import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { app, apiDeps, isolatedApp, testWorkerDeps } from '../support/deps';
import { bearer, createClassroom, createSchool, createUser, tokenFor } from '../support/factories';
import { connectClient, nextEvent, startLiveServer } from '../support/realtime';
import { Classroom, User } from '../../common/models';
import { JOIN_CODE_PATTERN } from '../../common/people/join-codes';
import { rooms } from '../../common/realtime/events';

const api = () => request(app());
const uniqueEmail = () => `joiner.${crypto.randomBytes(4).toString('hex')}@sekolah.test`;
const register = (extra: Record<string, unknown>) =>
  api()
    .post('/api/v2/auth/register')
    .send({ name: 'Joiner', email: uniqueEmail(), password: 'belajar-koding-1', ...extra });
const codeOf = async (id: string) => (await Classroom.findByPk(id))!.joinCode;

describe('classroom join codes', () => {
  describe('registration', () => {
    it('refuses a classroomId: a classroom is never named by its id', async () => {
      const classroom = await createClassroom();
      const res = await register({ classroomId: classroom.id }).expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      expect(await User.count({ where: { classroomId: classroom.id } })).to.equal(0);
    });

    it("places a student who registers with the classroom's code, typed loosely", async () => {
      const classroom = await createClassroom();
      const code = (await codeOf(classroom.id))!;
      const loose = ` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `;
      const res = await register({ joinCode: loose }).expect(201);
      expect(res.body.data.user.classroomId).to.equal(classroom.id);
    });

    it('refuses an unknown code with 422 and creates no account', async () => {
      const email = uniqueEmail();
      const res = await api()
        .post('/api/v2/auth/register')
        .send({ name: 'Guess', email, password: 'belajar-koding-1', joinCode: 'ZZZZ2222' })
        .expect(422);
      expect(res.body.error.code).to.equal('INVALID_JOIN_CODE');
      expect(await User.count({ where: { email } })).to.equal(0);
    });

    it('registers a student without a classroom when no code is given', async () => {
      const res = await register({}).expect(201);
      expect(res.body.data.user.classroomId).to.equal(null);
    });
  });

  describe('joining later', () => {
    it('puts a student without a classroom into the one the code names', async () => {
      const classroom = await createClassroom();
      const student = await createUser({ classroomId: null });
      const res = await api()
        .post('/api/v2/classrooms/join')
        .set(bearer(student))
        .send({ joinCode: await codeOf(classroom.id) })
        .expect(200);
      expect(res.body.data).to.deep.equal({ classroomId: classroom.id, name: classroom.name, academicYear: classroom.academicYear });
      expect((await User.findByPk(student.id))!.classroomId).to.equal(classroom.id);
    });

    it('refuses a student who already has a classroom with 409, and leaves them there', async () => {
      const s = await createSchool();
      const res = await api()
        .post('/api/v2/classrooms/join')
        .set(bearer(s.student))
        .send({ joinCode: await codeOf(s.other.id) })
        .expect(409);
      expect(res.body.error.code).to.equal('ALREADY_IN_CLASSROOM');
      expect((await User.findByPk(s.student.id))!.classroomId).to.equal(s.classroom.id);
    });

    it('refuses a wrong code with 422', async () => {
      const student = await createUser({ classroomId: null });
      const res = await api().post('/api/v2/classrooms/join').set(bearer(student)).send({ joinCode: 'not a code' }).expect(422);
      expect(res.body.error.code).to.equal('INVALID_JOIN_CODE');
    });

    it('refuses the code of an archived classroom', async () => {
      const classroom = await createClassroom();
      await classroom.update({ archivedAt: new Date() });
      const student = await createUser({ classroomId: null });
      await api().post('/api/v2/classrooms/join').set(bearer(student)).send({ joinCode: classroom.joinCode }).expect(422);
    });

    it('is for students only', async () => {
      const s = await createSchool();
      await api()
        .post('/api/v2/classrooms/join')
        .set(bearer(s.teacher))
        .send({ joinCode: await codeOf(s.classroom.id) })
        .expect(403);
    });

    it('limits a student to 5 tries per 15 minutes, so the code space cannot be walked', async () => {
      const { app: limited } = isolatedApp({
        AUTH_EMAIL_RATE_LIMIT_MAX: '5',
        REDIS_PREFIX: `${apiDeps().config.redis.prefix}join-${crypto.randomBytes(3).toString('hex')}:`,
      });
      const student = await createUser({ classroomId: null });
      for (let i = 0; i < 5; i++) {
        await request(limited)
          .post('/api/v2/classrooms/join')
          .set(bearer(student))
          .send({ joinCode: `ZZZZ${2222 + i}` })
          .expect(422);
      }
      const res = await request(limited).post('/api/v2/classrooms/join').set(bearer(student)).send({ joinCode: 'ZZZZ3333' }).expect(429);
      expect(res.body.error.code).to.equal('RATE_LIMITED');
    });

    it("delivers the classroom's events to the student's open socket from the moment they join", async () => {
      const classroom = await createClassroom();
      const student = await createUser({ classroomId: null });
      const live = await startLiveServer();
      let socket: Socket | undefined;
      try {
        socket = await connectClient(live.url, tokenFor(student));
        await api()
          .post('/api/v2/classrooms/join')
          .set(bearer(student))
          .send({ joinCode: await codeOf(classroom.id) })
          .expect(200);
        const heard = nextEvent<{ submissionId: string }>(socket, 'grading:queued');
        // socketsJoin travels through Redis like the event: repeat until the join has landed
        const timer = setInterval(
          () => testWorkerDeps().realtime.publish(rooms.classroom(classroom.id), 'grading:queued', { submissionId: 's' }),
          100,
        );
        try {
          expect(await heard).to.deep.equal({ submissionId: 's' });
        } finally {
          clearInterval(timer);
        }
      } finally {
        socket?.close();
        await live.close();
      }
    });
  });

  describe('managing the code', () => {
    it('gives every classroom a code, shown to its teachers and admins in the classroom list', async () => {
      const s = await createSchool();
      const listed = await api().get('/api/v2/classrooms').set(bearer(s.teacher)).expect(200);
      const mine = (listed.body.data as { id: string; joinCode: string }[]).find((c) => c.id === s.classroom.id)!;
      expect(mine.joinCode).to.match(JOIN_CODE_PATTERN);
      expect(mine.joinCode).to.equal(await codeOf(s.classroom.id));
    });

    it('lets a teacher of the classroom rotate its code: the old one stops working at once', async () => {
      const s = await createSchool();
      const old = (await codeOf(s.classroom.id))!;
      const res = await api().post(`/api/v2/classrooms/${s.classroom.id}/join-code`).set(bearer(s.teacher)).expect(200);
      expect(res.body.data.classroomId).to.equal(s.classroom.id);
      expect(res.body.data.joinCode).to.match(JOIN_CODE_PATTERN).and.not.equal(old);
      const student = await createUser({ classroomId: null });
      await api().post('/api/v2/classrooms/join').set(bearer(student)).send({ joinCode: old }).expect(422);
      await api().post('/api/v2/classrooms/join').set(bearer(student)).send({ joinCode: res.body.data.joinCode }).expect(200);
    });

    it('lets an admin rotate any classroom code', async () => {
      const s = await createSchool();
      await api().post(`/api/v2/classrooms/${s.other.id}/join-code`).set(bearer(s.admin)).expect(200);
    });

    it("answers 404 to a teacher rotating another classroom's code, and 403 to a student", async () => {
      const s = await createSchool();
      const before = await codeOf(s.other.id);
      await api().post(`/api/v2/classrooms/${s.other.id}/join-code`).set(bearer(s.teacher)).expect(404);
      await api().post(`/api/v2/classrooms/${s.classroom.id}/join-code`).set(bearer(s.student)).expect(403);
      expect(await codeOf(s.other.id)).to.equal(before);
    });

    it('switches joining off, and a rotation switches it on again with a new code', async () => {
      const s = await createSchool();
      const old = (await codeOf(s.classroom.id))!;
      await api().delete(`/api/v2/classrooms/${s.classroom.id}/join-code`).set(bearer(s.teacher)).expect(204);
      expect(await codeOf(s.classroom.id)).to.equal(null);
      const student = await createUser({ classroomId: null });
      await api().post('/api/v2/classrooms/join').set(bearer(student)).send({ joinCode: old }).expect(422);
      const res = await api().post(`/api/v2/classrooms/${s.classroom.id}/join-code`).set(bearer(s.teacher)).expect(200);
      expect(res.body.data.joinCode).to.match(JOIN_CODE_PATTERN);
    });

    it('refuses to rotate the code of an archived classroom', async () => {
      const s = await createSchool();
      await s.classroom.update({ archivedAt: new Date() });
      const res = await api().post(`/api/v2/classrooms/${s.classroom.id}/join-code`).set(bearer(s.admin)).expect(422);
      expect(res.body.error.code).to.equal('CLASSROOM_ARCHIVED');
    });
  });
});
