/** A source file name a sandbox accepts: a plain name, no directories, no dot files. */
export function validFileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(name) && !name.includes('..');
}
