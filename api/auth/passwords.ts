import crypto from 'node:crypto';
import bcrypt from 'bcrypt';

/** bcrypt reads at most 72 bytes; longer passwords would be silently truncated, so they are refused. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_MIN_LENGTH = 8;

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/**
 * Native bcrypt (libuv thread pool, so the event loop stays free). Hashes from other
 * implementations are accepted: `$2y$` (PHP) is the same algorithm as `$2b$` but the native
 * library does not know the prefix, so it is rewritten before comparing.
 */
export class Passwords {
  private dummy?: Promise<string>;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  async verify(password: string, hash: string): Promise<boolean> {
    // an unusable stored hash (a locked or half-migrated account) must cost what a real one does
    if (!BCRYPT_HASH.test(hash)) return this.verifyDummy(password);
    const normalised = hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
    return bcrypt.compare(password, normalised);
  }

  /**
   * Burns the same bcrypt work as a real comparison, for logins with an unknown email, so the
   * response time does not tell which emails have accounts.
   */
  async verifyDummy(password: string): Promise<false> {
    await bcrypt.compare(password, await this.dummyHash());
    return false;
  }

  /** Made ahead of the first login, so even the first unknown-email attempt costs one compare. */
  dummyHash(): Promise<string> {
    this.dummy ??= bcrypt.hash(crypto.randomBytes(16).toString('hex'), this.cost);
    return this.dummy;
  }

  /** Hashes made at a lower cost (older system, older setting) are upgraded at the next login. */
  needsRehash(hash: string): boolean {
    const m = BCRYPT_HASH.exec(hash);
    return !m || Number(m[1]) < this.cost;
  }
}
