import crypto from 'node:crypto';

/** 256 random bits, URL-safe: what a refresh or one-time token looks like on the wire. */
export function newOpaqueToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * The stored form of an opaque token: HMAC-SHA256 under the refresh secret. Tokens carry 256 bits of
 * entropy, so a fast hash is enough; the key means a leaked table alone cannot confirm a guess.
 */
export function hashOpaqueToken(secret: string, token: string): string {
  return crypto.createHmac('sha256', secret).update(token, 'utf8').digest('hex');
}

/** A shape check before touching the database: base64url, 43 characters for 32 bytes. */
export function looksLikeOpaqueToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
