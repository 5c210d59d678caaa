/** `%text%` for LIKE / ILIKE, with the user's own `%`, `_` and `\` matched literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
