import bcrypt from 'bcrypt';
import type { Transaction } from 'sequelize';
import { Classroom, ClassroomTeacher, User } from '../../common/models';
import { DEMO_PASSWORD } from './demo-logins';

export { DEMO_PASSWORD };

/** Fixed, so the README can name them; a real school's classrooms get random ones (README.md#classroom-join-codes). */
export const DEMO_JOIN_CODES = [
  { classroom: 'XI RPL 1', joinCode: 'GEMAXRPA' },
  { classroom: 'XI RPL 2', joinCode: 'GEMAXRPB' },
] as const;

export interface DemoAccounts {
  admin: User;
  teachers: User[];
  classrooms: Classroom[];
  students: User[];
}

const STUDENT_NAMES = [
  ['Ayu Lestari', 'Budi Santoso', 'Citra Dewi', 'Dimas Pratama', 'Eka Putri', 'Fajar Nugroho'],
  ['Gilang Ramadhan', 'Hana Safitri', 'Indra Wijaya', 'Joko Susilo', 'Kartika Sari', 'Lukman Hakim'],
];

/** DEMO_PASSWORD hashed once for every demo account (bcrypt at `cost`, as a sign-up would). */
export const hashDemoPassword = (cost: number) => bcrypt.hash(DEMO_PASSWORD, cost);

/**
 * An admin, two teachers, two classrooms of six students each. All verified, one password:
 * `passwordHash` when the caller started hashing it earlier (npm start does, while it migrates).
 */
export async function seedAccounts(cost: number, transaction: Transaction, hashing?: Promise<string>): Promise<DemoAccounts> {
  const passwordHash = await (hashing ?? hashDemoPassword(cost));
  const verified = new Date();
  const admin = await User.create(
    {
      email: 'admin@gema.local',
      name: 'Admin GEMA',
      role: 'admin',
      passwordHash,
      emailVerifiedAt: verified,
    },
    { transaction },
  );
  const classrooms = await Classroom.bulkCreate(
    [
      { name: DEMO_JOIN_CODES[0].classroom, academicYear: '2025/2026', joinCode: DEMO_JOIN_CODES[0].joinCode },
      { name: DEMO_JOIN_CODES[1].classroom, academicYear: '2025/2026', joinCode: DEMO_JOIN_CODES[1].joinCode },
    ],
    { transaction },
  );
  const teachers = await User.bulkCreate(
    [
      { email: 'guru.rina@gema.local', name: 'Rina Kusuma', role: 'teacher', passwordHash, emailVerifiedAt: verified },
      { email: 'guru.agus@gema.local', name: 'Agus Salim', role: 'teacher', passwordHash, emailVerifiedAt: verified },
    ],
    { transaction },
  );
  await ClassroomTeacher.bulkCreate(
    classrooms.map((c, i) => ({ classroomId: c.id, teacherId: teachers[i]!.id })),
    { transaction },
  );
  const students: User[] = [];
  for (const [ci, names] of STUDENT_NAMES.entries()) {
    const rows = await User.bulkCreate(
      names.map((name, si) => ({
        email: `${name.split(' ')[0]!.toLowerCase()}@gema.local`,
        name,
        role: 'student' as const,
        passwordHash,
        emailVerifiedAt: verified,
        classroomId: classrooms[ci]!.id,
        studentNumber: `2025${ci + 1}${String(si + 1).padStart(3, '0')}`,
      })),
      { transaction },
    );
    students.push(...rows);
  }
  return { admin, teachers, classrooms, students };
}
