import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  Announcement,
  ChatConversation,
  ChatMember,
  ChatMessage,
  CodingRun,
  CodingSubmission,
  ContactMessage,
  DiscussionReply,
  DiscussionThread,
  GalleryItem,
  Notification,
  SchoolEvent,
  WebAssignment,
  type User,
} from '../../common/models';
import { apiDeps } from '../support/deps';
import { createSchool, createUser, tokenFor } from '../support/factories';
import { makeAssignment, makeSubmission } from '../learning/helpers';
import { makeTask, testCase } from '../coding-lab/helpers';
import { realPng, storeFile } from '../files/fixtures';

/** The callers of the matrix, in the order of its columns. */
export const CALLERS = ['anonymous', 'expired', 'studentA', 'studentB', 'otherTeacher', 'teacher', 'admin'] as const;
export type Caller = (typeof CALLERS)[number];

/**
 * What a path's `{id}` names in the matrix: a resource of the classroom, owned by student A where it
 * has an owner (`none` sends a random UUID: every caller allowed past the role check answers 404).
 */
export const RESOURCE_KINDS = [
  'none',
  'assignment',
  'submission',
  'codingTask',
  'codingSubmission',
  'codingRun',
  'notification',
  'conversation',
  'message',
  'thread',
  'reply',
  'announcement',
  'gallery',
  'file',
  'contact',
  'activity',
  'extraStudent',
  'extraTeacher',
  'classroom',
  'webAssignment',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export type School = Awaited<ReturnType<typeof createSchool>>;

/** An access token that was genuine an hour ago and has expired since. */
export function expiredToken(user: User): string {
  const tokens = apiDeps().tokens;
  const past = Math.floor(Date.now() / 1000) - 3600;
  const { issuer, audience } = apiDeps().config.auth;
  return jwt.sign(
    {
      sub: user.id,
      role: user.role,
      email: user.email,
      name: user.name,
      sid: crypto.randomUUID(),
      jti: crypto.randomUUID(),
      iat: past - 900,
      exp: past,
      iss: issuer,
      aud: audience,
    },
    tokens.key,
    { algorithm: 'HS256' },
  );
}

/** The Authorization header a caller sends: a fresh token each time, so a logout cell revokes only its own. */
export function authFor(school: School, caller: Caller): Record<string, string> {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'expired':
      return { Authorization: `Bearer ${expiredToken(school.student)}` };
    case 'studentA':
      return { Authorization: `Bearer ${tokenFor(school.student)}` };
    case 'studentB':
      return { Authorization: `Bearer ${tokenFor(school.classmate)}` };
    case 'otherTeacher':
      return { Authorization: `Bearer ${tokenFor(school.otherTeacher)}` };
    case 'teacher':
      return { Authorization: `Bearer ${tokenFor(school.teacher)}` };
    case 'admin':
      return { Authorization: `Bearer ${tokenFor(school.admin)}` };
  }
}

const tag = () => crypto.randomBytes(4).toString('hex');

/** Makes one resource of a kind for the school: in its classroom, owned by student A where it has an owner. */
export async function makeResource(school: School, kind: ResourceKind): Promise<string> {
  const { classroom, teacher, student } = school;
  switch (kind) {
    case 'none':
      return crypto.randomUUID();
    case 'assignment':
      return (await makeAssignment({ classroomId: classroom.id, createdBy: teacher.id })).id;
    case 'submission': {
      const a = await makeAssignment({ classroomId: classroom.id, createdBy: teacher.id });
      return (await makeSubmission(a, student)).id;
    }
    case 'codingTask':
      return (await makeTask({ classroomId: classroom.id, createdBy: teacher.id, tests: [testCase({ stdin: '1 2', expected: '3' })] })).id;
    case 'codingSubmission': {
      const task = await makeTask({ classroomId: classroom.id, createdBy: teacher.id, tests: [testCase({ stdin: '1 2', expected: '3' })] });
      const files = [{ name: 'main.py', content: 'print(3)' }];
      return (
        await CodingSubmission.create({
          taskId: task.id,
          userId: student.id,
          classroomId: classroom.id,
          language: 'python',
          files,
          attempt: 1,
        } as never)
      ).id;
    }
    case 'codingRun':
      return (await CodingRun.create({ userId: student.id, language: 'python', files: [{ name: 'main.py', content: 'print(1)' }] } as never)).id;
    case 'notification':
      return (await Notification.create({ userId: student.id, type: 'assignment.published', title: `n ${tag()}` } as never)).id;
    case 'conversation':
    case 'message': {
      // a private conversation between student A and a second teacher of the class: nobody else's to read
      const peer = await createUser({ role: 'teacher', teaches: [classroom.id] });
      const c = await ChatConversation.create({
        kind: 'direct',
        directKey: [student.id, peer.id].sort().join(':'),
        classroomId: null,
        subject: null,
        status: null,
        priority: null,
        assigneeId: null,
        createdBy: student.id,
        lastMessageAt: new Date(),
      });
      await ChatMember.bulkCreate([
        { conversationId: c.id, userId: student.id, lastReadAt: null },
        { conversationId: c.id, userId: peer.id, lastReadAt: null },
      ] as never);
      if (kind === 'conversation') return c.id;
      return (await ChatMessage.create({ conversationId: c.id, authorId: student.id, body: 'hello', bodyHtml: '<p>hello</p>' } as never)).id;
    }
    case 'thread':
    case 'reply': {
      const t = await DiscussionThread.create({
        authorId: student.id,
        classroomId: classroom.id,
        title: `Thread ${tag()}`,
        body: 'why?',
        bodyHtml: '<p>why?</p>',
      } as never);
      if (kind === 'thread') return t.id;
      return (
        await DiscussionReply.create({ threadId: t.id, authorId: student.id, replyTo: null, body: 'because', bodyHtml: '<p>because</p>' } as never)
      ).id;
    }
    case 'announcement':
      return (
        await Announcement.create({
          title: `News ${tag()}`,
          content: 'x',
          contentHtml: '<p>x</p>',
          category: 'class',
          authorId: teacher.id,
          classroomId: null,
        } as never)
      ).id;
    case 'file':
      return (await storeFile(student.id, 'picture.png', await realPng(32, 32))).id;
    case 'gallery': {
      const file = await storeFile(school.admin.id, 'picture.png', await realPng(32, 32));
      return (await GalleryItem.create({ title: `Photo ${tag()}`, fileId: file.id, createdBy: school.admin.id } as never)).id;
    }
    case 'contact':
      return (await ContactMessage.create({ name: 'Visitor', email: 'visitor@example.com', subject: 'Hi', message: 'Hello there' } as never)).id;
    case 'activity':
      return (await SchoolEvent.create({ title: `Event ${tag()}`, startsAt: new Date(Date.now() + 86_400_000), createdBy: school.admin.id } as never))
        .id;
    case 'extraStudent':
      return (await createUser({ role: 'student', classroomId: classroom.id })).id;
    case 'extraTeacher':
      return (await createUser({ role: 'teacher', teaches: [classroom.id] })).id;
    case 'classroom':
      return classroom.id;
    case 'webAssignment':
      return (
        await WebAssignment.create({
          title: `Page ${tag()}`,
          classroomId: classroom.id,
          dueAt: new Date(Date.now() + 7 * 86_400_000),
          points: 100,
          rubric: [{ criterion: 'Layout', points: 100 }],
          published: true,
          createdBy: teacher.id,
        } as never)
      ).id;
  }
}
