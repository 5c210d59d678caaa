import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

interface DevSecrets {
  jwtSecret: string;
  jwtRefreshSecret: string;
}

/**
 * Outside production the JWT secrets are generated once and kept in a git-ignored file, so a
 * restart of `npm start` keeps everyone's sessions valid without anyone having to configure them.
 */
export function devSecrets(rootDir: string): DevSecrets {
  const file = path.join(rootDir, 'var', 'dev-secrets.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (parsed.jwtSecret && parsed.jwtRefreshSecret) return parsed as DevSecrets;
  } catch {
    // missing or unreadable: make a new pair below
  }
  const secrets: DevSecrets = {
    jwtSecret: crypto.randomBytes(48).toString('base64url'),
    jwtRefreshSecret: crypto.randomBytes(48).toString('base64url'),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx' so two processes starting together agree on the first pair written
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
    return secrets;
  } catch {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DevSecrets;
  }
}
