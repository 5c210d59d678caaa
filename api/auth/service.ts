import { UniqueConstraintError, type Sequelize } from 'sequelize';
import { AuditEntry, User, type PublicUser } from '../../common/models';
import { ClassroomJoinService } from '../classrooms/join-service';
import { consumeOneTimeToken } from '../../common/auth/one-time-tokens';
import { enqueue, type Queues } from '../../common/queues';
import type { Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import { ConflictError, ForbiddenError, UnauthenticatedError, UnprocessableError, ValidationError, BadRequestError } from '../../common/errors';
import type { AccessTokens } from './tokens';
import type { AccessRevocation } from './revocation';
import type { AuthUser } from './middleware';
import type { Passwords } from './passwords';
import type { ClientInfo, RefreshSessions } from './sessions';
import type { ChangeInput, LoginInput, RegisterInput, ResetInput } from './schemas';

/** OAuth2-shaped token response (RFC 6749 §5.1), plus the user so a client needs no second call. */
export interface TokenResponse {
  /** true when staff set the password: only POST /auth/password/change answers until it is changed */
  password_change_required: boolean;
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: PublicUser;
}

export interface AuthServiceDeps {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  queues: Queues;
  tokens: AccessTokens;
  revocation: AccessRevocation;
  passwords: Passwords;
  sessions: RefreshSessions;
}

/** A password must not be the account's own email address or NIS, the first thing anyone tries. */
export function refusePasswordEqualToIdentity(password: string, who: { email?: string | null; studentNumber?: string | null }, field: string) {
  const typed = password.trim().toLowerCase();
  if (who.email && typed === who.email.trim().toLowerCase()) {
    throw new ValidationError([{ field, message: `${field} must not be the email address`, type: 'password.email' }]);
  }
  if (who.studentNumber && typed === who.studentNumber.trim().toLowerCase()) {
    throw new ValidationError([{ field, message: `${field} must not be the student number`, type: 'password.nis' }]);
  }
}

export class AuthService {
  constructor(private readonly d: AuthServiceDeps) {}

  async register(input: RegisterInput, client: ClientInfo): Promise<PublicUser> {
    refusePasswordEqualToIdentity(input.password, input, 'password');
    // a classroom is joined only with its current code, never by naming its id
    const classroom = input.joinCode ? await ClassroomJoinService.classroomFor(input.joinCode) : null;
    if (await User.findOne({ where: { email: input.email }, attributes: ['id'] })) {
      throw new ConflictError('An account with this email already exists', 'EMAIL_TAKEN');
    }
    const passwordHash = await this.d.passwords.hash(input.password);
    let user: User;
    try {
      // self-registration always makes a student; role is never read from the request
      user = await User.create({
        email: input.email,
        name: input.name,
        passwordHash,
        role: 'student',
        emailVerifiedAt: null,
        classroomId: classroom?.id ?? null,
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new ConflictError('An account with this email already exists', 'EMAIL_TAKEN');
      throw err;
    }
    await AuditEntry.record({
      type: 'register',
      userId: user.id,
      ip: client.ip,
      details: classroom ? { classroomId: classroom.id, via: 'join_code' } : {},
    });
    try {
      await enqueue(this.d.queues, 'email', { template: 'verify-email', userId: user.id });
    } catch (err) {
      // the account exists either way; the user can ask for the email again with /verify-email/resend
      this.d.logger.warn('verification email not enqueued', { userId: user.id, error: (err as Error).message });
    }
    return user.toPublic();
  }

  async verifyEmail(token: string, client: ClientInfo): Promise<PublicUser> {
    const user = await this.d.sequelize.transaction(async (transaction) => {
      const userId = await consumeOneTimeToken(this.d.config.auth.jwtRefreshSecret, token, 'verify_email', transaction);
      const found = userId ? await User.findByPk(userId, { transaction }) : null;
      if (!found) throw new BadRequestError('INVALID_TOKEN', 'The verification link is invalid, used or expired');
      if (!found.emailVerifiedAt) await found.update({ emailVerifiedAt: new Date() }, { transaction });
      return found;
    });
    await AuditEntry.record({ type: 'email_verified', userId: user.id, ip: client.ip });
    return user.toPublic();
  }

  /** Answers the same whether or not the account exists, so it cannot be used to probe emails. */
  async resendVerification(email: string): Promise<void> {
    const user = await User.findOne({ where: { email }, attributes: ['id', 'emailVerifiedAt', 'status'] });
    if (user && !user.emailVerifiedAt && user.status === 'active') {
      await enqueue(this.d.queues, 'email', { template: 'verify-email', userId: user.id });
    }
  }

  /** By email or by NIS (student number), with the same single bcrypt compare either way. */
  async login(input: LoginInput, client: ClientInfo): Promise<TokenResponse> {
    const user = await User.findOne({ where: input.nis ? { studentNumber: input.nis } : { email: input.email! } });
    const ok = user ? await this.d.passwords.verify(input.password, user.passwordHash) : await this.d.passwords.verifyDummy(input.password);
    if (!user || !ok) {
      await AuditEntry.record({
        type: 'login_failed',
        userId: user?.id ?? null,
        ip: client.ip,
        details: input.nis
          ? { nis: input.nis, reason: user ? 'wrong_password' : 'unknown_nis' }
          : { email: input.email, reason: user ? 'wrong_password' : 'unknown_email' },
      });
      throw new UnauthenticatedError(`The ${input.nis ? 'NIS' : 'email'} or password is wrong`, 'INVALID_CREDENTIALS');
    }
    // status is told only to someone who knows the password
    if (user.status === 'suspended') throw new ForbiddenError('This account is suspended', 'ACCOUNT_SUSPENDED');
    if (!user.emailVerifiedAt) throw new ForbiddenError('Verify your email address before logging in', 'EMAIL_NOT_VERIFIED');

    const changes: Partial<{ lastLoginAt: Date; passwordHash: string }> = { lastLoginAt: new Date() };
    if (this.d.passwords.needsRehash(user.passwordHash)) changes.passwordHash = await this.d.passwords.hash(input.password);
    await user.update(changes);
    await this.purgeDeadSessions(user.id);
    const refresh = await this.d.sessions.issue(user.id, client);
    await AuditEntry.record({ type: 'login', userId: user.id, ip: client.ip, details: { sessionId: refresh.familyId } });
    return this.tokenResponse(user, refresh.token, refresh.familyId);
  }

  async refresh(token: string, client: ClientInfo): Promise<TokenResponse> {
    const result = await this.d.sessions.rotate(token, client);
    if (result.outcome === 'reused') {
      await AuditEntry.record({
        type: 'refresh_reuse',
        userId: result.userId,
        ip: client.ip,
        details: { sessionId: result.familyId },
      });
      throw new UnauthenticatedError('This refresh token was already used; the session is revoked', 'REFRESH_TOKEN_REUSED');
    }
    if (result.outcome !== 'rotated') {
      throw new UnauthenticatedError('The refresh token is invalid, expired or revoked', 'INVALID_REFRESH_TOKEN');
    }
    const user = await User.findByPk(result.userId);
    if (!user || user.status !== 'active') {
      await this.d.sessions.revokeFamily(result.refresh.familyId, 'admin');
      throw new UnauthenticatedError('The account can no longer sign in', 'INVALID_REFRESH_TOKEN');
    }
    return this.tokenResponse(user, result.refresh.token, result.refresh.familyId);
  }

  async logout(user: AuthUser, all: boolean, client: ClientInfo): Promise<void> {
    await this.d.revocation.denyToken(user.jti, user.exp);
    if (all) await this.d.sessions.revokeAllOfUser(user.id, 'logout');
    else await this.d.sessions.revokeFamily(user.sid, 'logout');
    await AuditEntry.record({ type: 'logout', userId: user.id, ip: client.ip, details: { sessionId: user.sid, all } });
  }

  /** Always accepted: whether an email has an account is nobody's business. */
  async forgotPassword(email: string): Promise<void> {
    const user = await User.findOne({ where: { email }, attributes: ['id', 'status'] });
    if (user && user.status === 'active') {
      await enqueue(this.d.queues, 'email', { template: 'password-reset', userId: user.id });
    }
  }

  async resetPassword(input: ResetInput, client: ClientInfo): Promise<void> {
    const userId = await this.d.sequelize.transaction(async (transaction) => {
      const id = await consumeOneTimeToken(this.d.config.auth.jwtRefreshSecret, input.token, 'password_reset', transaction);
      const user = id ? await User.findByPk(id, { transaction }) : null;
      if (!user) throw new BadRequestError('INVALID_TOKEN', 'The reset link is invalid, used or expired');
      // throwing here rolls the transaction back, so the token survives a refused password
      refusePasswordEqualToIdentity(input.password, user, 'password');
      await user.update(
        {
          passwordHash: await this.d.passwords.hash(input.password),
          // the link reached the mailbox, which is what verification proves
          emailVerifiedAt: user.emailVerifiedAt ?? new Date(),
          mustChangePassword: false,
        },
        { transaction },
      );
      return user.id;
    });
    const revoked = await this.d.sessions.revokeAllOfUser(userId, 'password');
    await AuditEntry.record({ type: 'password_reset', userId, ip: client.ip, details: { sessionsRevoked: revoked } });
  }

  /**
   * Changes the password and ends every other session; the caller's own stays signed in. A forced
   * change (README.md#admin-people) also answers a fresh access token without the restriction, and
   * denies the restricted one.
   */
  async changePassword(
    auth: AuthUser,
    input: ChangeInput,
    client: ClientInfo,
  ): Promise<{ sessionsRevoked: number; access_token?: string; expires_in?: number }> {
    const user = await User.findByPk(auth.id);
    if (!user) throw new UnauthenticatedError('The account no longer exists');
    if (!(await this.d.passwords.verify(input.currentPassword, user.passwordHash))) {
      throw new UnprocessableError('INVALID_CURRENT_PASSWORD', 'The current password is wrong');
    }
    refusePasswordEqualToIdentity(input.newPassword, user, 'newPassword');
    const forced = user.mustChangePassword;
    await user.update({ passwordHash: await this.d.passwords.hash(input.newPassword), mustChangePassword: false });
    const sessionsRevoked = await this.d.sessions.revokeAllOfUser(user.id, 'password', auth.sid);
    await AuditEntry.record({ type: 'password_change', userId: user.id, ip: client.ip, details: { sessionsRevoked, forced } });
    if (!forced) return { sessionsRevoked };
    await this.d.revocation.denyToken(auth.jti, auth.exp);
    const access = this.d.tokens.sign(user, auth.sid);
    return { sessionsRevoked, access_token: access.token, expires_in: access.expiresIn };
  }

  /** Housekeeping on the way: a failure is logged, never a reason to refuse the login. */
  private async purgeDeadSessions(userId: string): Promise<void> {
    try {
      await this.d.sessions.purgeDead(userId);
    } catch (err) {
      this.d.logger.warn('dead refresh tokens not purged', { userId, error: (err as Error).message });
    }
  }

  private tokenResponse(user: User, refreshToken: string, sessionId: string): TokenResponse {
    const access = this.d.tokens.sign(user, sessionId);
    return {
      password_change_required: user.mustChangePassword,
      access_token: access.token,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      user: user.toPublic(),
    };
  }
}
