/**
 * A package loaded on first use instead of at start-up. For optional backends (Cloudinary, the
 * Swagger UI, bull-board) that most processes never touch: each costs megabytes of heap and code
 * space once required, and an idle API should not pay for them (README.md#memory-and-start-up).
 * Only `import type` of the package may stay at the top of the file that uses this.
 */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
