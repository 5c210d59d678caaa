/**
 * Polls until `check` holds. Gives up (throws) before a spec's mocha timeout would, so a spec's
 * `finally` still runs and closes what it started (a worker left running grades other specs' jobs).
 */
export async function until(check: () => boolean | Promise<boolean>, giveUpAfterMs = 45_000): Promise<void> {
  await untilDefined(async () => ((await check()) ? true : undefined), giveUpAfterMs);
}

/** Polls `probe` until it answers something, and returns that; throws after `giveUpAfterMs`. */
export async function untilDefined<T>(probe: () => Promise<T | undefined>, giveUpAfterMs = 45_000): Promise<T> {
  const deadline = Date.now() + giveUpAfterMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`the awaited state never came within ${giveUpAfterMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
