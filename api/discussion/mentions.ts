import { QueryTypes, type Sequelize } from 'sequelize';
import type { Role } from '../../common/models';

/** At most this many people are notified from one body, so a pasted roster cannot spam a classroom. */
export const MAX_MENTIONS = 10;

/**
 * `@handle` in a body, where the handle is the part of a school address before `@`
 * (`@ayu` for ayu@gema.local). Code spans and blocks are skipped: `@Override` in Java is not a person.
 */
export function mentionedHandles(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`]*`/g, ' ');
  const handles = new Set<string>();
  for (const m of prose.matchAll(/(^|[^\w@])@([a-z0-9][a-z0-9._-]{1,63})/gi)) {
    handles.add(m[2]!.toLowerCase().replace(/[._-]+$/, ''));
    if (handles.size >= MAX_MENTIONS) break;
  }
  return [...handles];
}

export async function usersByHandle(sequelize: Sequelize, handles: string[]): Promise<Array<{ id: string; role: Role }>> {
  if (handles.length === 0) return [];
  return sequelize.query<{ id: string; role: Role }>(
    `SELECT id, role FROM users
      WHERE deleted_at IS NULL AND status = 'active' AND lower(split_part(email, '@', 1)) = ANY(CAST(ARRAY[:handles] AS text[]))`,
    { replacements: { handles }, type: QueryTypes.SELECT },
  );
}
