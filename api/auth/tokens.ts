import crypto, { type KeyObject } from 'node:crypto';
import jwt, { type VerifyOptions } from 'jsonwebtoken';
import type { Config } from '../../common/config';
import { ROLES, type Role } from '../../common/models';

export interface AccessClaims {
  sub: string;
  role: Role;
  /** null for a NIS-only account */
  email: string | null;
  name: string;
  /** present and true while the account must change its password before anything else */
  pwc?: true;
  /**
   * a student's classroom when the token was signed, so the Socket.IO handshake joins the classroom
   * room without a user-row query; as current as the role and name claims (at most JWT_ACCESS_TTL old)
   */
  cls?: string;
  /** this token's id, denied in Redis on logout */
  jti: string;
  /** the refresh-token family (one login) the token belongs to */
  sid: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
  expiresIn: number;
}

export interface TokenSubject {
  id: string;
  role: Role;
  email: string | null;
  name: string;
  mustChangePassword?: boolean;
  /** a student's classroom, carried as the `cls` claim */
  classroomId?: string | null;
}

/** At ~1 KB a token and its claims, a few MB at most. */
const VERIFIED_TOKENS_KEPT = 5000;

/**
 * HS256 access tokens. The key is a KeyObject made once: jsonwebtoken re-derives a key from a string
 * secret on every call, which costs ~50x more per verification on the hottest path.
 */
export class AccessTokens {
  readonly key: KeyObject;
  readonly verifyOptions: VerifyOptions & { algorithms: ['HS256'] };

  constructor(private readonly config: Pick<Config, 'auth'>) {
    this.key = crypto.createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
    this.verifyOptions = {
      algorithms: ['HS256'],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    };
  }

  sign(subject: TokenSubject, sessionId: string): SignedAccessToken {
    const jti = crypto.randomUUID();
    const ttl = this.config.auth.accessTtlSeconds;
    const token = jwt.sign(
      {
        role: subject.role,
        email: subject.email,
        name: subject.name,
        sid: sessionId,
        ...(subject.mustChangePassword ? { pwc: true } : {}),
        ...(subject.role === 'student' && subject.classroomId ? { cls: subject.classroomId } : {}),
      },
      this.key,
      {
        algorithm: 'HS256',
        expiresIn: ttl,
        subject: subject.id,
        jwtid: jti,
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
      },
    );
    return { token, jti, expiresIn: ttl, expiresAt: new Date(Date.now() + ttl * 1000) };
  }

  /** Throws (jsonwebtoken's errors) on a bad signature, algorithm, issuer, audience, expiry or claim set. */
  verify(token: string): AccessClaims {
    const known = this.verified.get(token);
    if (known) {
      // jsonwebtoken's own expiry rule: expired from the second `exp` names
      if (Date.now() / 1000 < known.exp) return known;
      this.verified.delete(token);
    }
    const claims: unknown = jwt.verify(token, this.key, this.verifyOptions);
    if (!hasAccessClaims(claims)) throw new jwt.JsonWebTokenError('token lacks required claims');
    // a token with a not-before time is checked in full each time (GEMA signs none)
    if ((claims as { nbf?: unknown }).nbf === undefined) {
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, Object.freeze(claims));
    }
    return claims;
  }

  /**
   * Tokens this process verified, by their exact text, until they expire. The same text always gets
   * the same verdict from the signature, algorithm, issuer and audience checks, so only the expiry is
   * checked again; the deny list is still read on every request (AccessRevocation). Only tokens that
   * passed every check are kept, so a caller cannot fill it with junk; the oldest goes first when
   * full. Why: HS256 verification (jsonwebtoken, jws, jwa) was ~6 % of the bytes and a larger share
   * of the CPU of every authenticated request, paid again for the same token on each one.
   */
  private readonly verified = new Map<string, AccessClaims>();
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const whole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Whether a verified payload has every claim GEMA signs. jsonwebtoken checks `exp` only when it is
 * present, so a correctly signed token without one would otherwise live forever.
 */
export function hasAccessClaims(claims: unknown): claims is AccessClaims {
  if (typeof claims !== 'object' || claims === null) return false;
  const c = claims as Record<string, unknown>;
  return (
    nonEmpty(c.sub) &&
    nonEmpty(c.jti) &&
    nonEmpty(c.sid) &&
    whole(c.iat) &&
    whole(c.exp) &&
    c.exp > c.iat &&
    (ROLES as readonly unknown[]).includes(c.role) &&
    typeof c.name === 'string' &&
    (c.email === null || typeof c.email === 'string')
  );
}
