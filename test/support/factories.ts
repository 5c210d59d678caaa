import crypto from 'node:crypto';
import bcrypt from 'bcrypt';
import { Classroom, ClassroomTeacher, User, type Role } from '../../common/models';
import { apiDeps } from './deps';

export const TEST_PASSWORD = 'correct horse battery';
let hashOnce: Promise<string> | undefined;

export async function createClassroom(name = `XI RPL ${crypto.randomBytes(6).toString('hex')}`): Promise<Classroom> {
  apiDeps(); // binds the models, for a test that creates data before it touches the app
  return Classroom.create({ name, academicYear: '2025/2026' });
}

export interface UserOptions {
  role?: Role;
  classroomId?: string | null;
  email?: string;
  name?: string;
  verified?: boolean;
  status?: 'active' | 'suspended';
  /** for a teacher: the classrooms they teach */
  teaches?: string[];
}

/** A user in the database (verified unless told otherwise), with the shared test password. */
/** A factory user always has an email; the model allows none for NIS-only students. */
export type TestUser = User & { email: string };

export async function createUser(opts: UserOptions = {}): Promise<TestUser> {
  hashOnce ??= bcrypt.hash(TEST_PASSWORD, 4);
  apiDeps(); // binds the models, for a test that creates data before it touches the app
  const role = opts.role ?? 'student';
  const user = await User.create({
    email: opts.email ?? `${role}.${crypto.randomBytes(5).toString('hex')}@test.gema`,
    name: opts.name ?? `Test ${role}`,
    role,
    status: opts.status ?? 'active',
    passwordHash: await hashOnce,
    emailVerifiedAt: opts.verified === false ? null : new Date(),
    classroomId: opts.classroomId ?? null,
  });
  if (opts.teaches?.length) {
    await ClassroomTeacher.bulkCreate(opts.teaches.map((classroomId) => ({ classroomId, teacherId: user.id })));
  }
  return user as TestUser;
}

/** A valid access token for the user, as if they had logged in. */
export function tokenFor(user: User): string {
  return apiDeps().tokens.sign({ id: user.id, role: user.role, email: user.email, name: user.name }, crypto.randomUUID()).token;
}

export const bearer = (user: User) => ({ Authorization: `Bearer ${tokenFor(user)}` });

/** A classroom with a teacher and two students, the shape most access tests need. */
export async function createSchool() {
  const classroom = await createClassroom();
  const other = await createClassroom();
  const teacher = await createUser({ role: 'teacher', teaches: [classroom.id] });
  const otherTeacher = await createUser({ role: 'teacher', teaches: [other.id] });
  const student = await createUser({ role: 'student', classroomId: classroom.id });
  const classmate = await createUser({ role: 'student', classroomId: classroom.id });
  const outsider = await createUser({ role: 'student', classroomId: other.id });
  const admin = await createUser({ role: 'admin' });
  return { classroom, other, teacher, otherTeacher, student, classmate, outsider, admin };
}
