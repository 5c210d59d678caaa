import { Classroom, User, type PublicUser } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import type { ProfilePatch } from './schemas';

export interface StudentProfile extends PublicUser {
  classroom: { id: string; name: string; academicYear: string } | null;
}

async function load(userId: string): Promise<User> {
  const user = await User.findByPk(userId, {
    include: [{ model: Classroom, as: 'classroom', attributes: ['id', 'name', 'academicYear'] }],
  });
  if (!user) throw new NotFoundError('Profile');
  return user;
}

function present(user: User): StudentProfile {
  const classroom = (user as User & { classroom?: Classroom | null }).classroom;
  return {
    ...user.toPublic(),
    classroom: classroom ? { id: classroom.id, name: classroom.name, academicYear: classroom.academicYear } : null,
  };
}

/** The student's own profile: the id always comes from the access token, never from the request. */
export async function getProfile(userId: string): Promise<StudentProfile> {
  return present(await load(userId));
}

export async function updateProfile(userId: string, patch: ProfilePatch): Promise<StudentProfile> {
  const user = await load(userId);
  await user.update({
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.phone !== undefined ? { phone: patch.phone } : {}),
    ...(patch.bio !== undefined ? { bio: patch.bio === '' ? null : patch.bio } : {}),
    ...(patch.avatarUrl !== undefined ? { avatarUrl: patch.avatarUrl } : {}),
  });
  return present(user);
}
