import type { Request, RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData } from '../http/respond';
import type { AuthService } from './service';
import type { ClientInfo } from './sessions';
import type { ChangeInput, LoginInput, RegisterInput, ResetInput } from './schemas';

function clientOf(req: Request): ClientInfo {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
}

/** Token responses must not be cached by anything between us and the client (RFC 6749 §5.1). */
function noStore(res: Parameters<RequestHandler>[1]) {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

export function authController(service: AuthService) {
  const register: RequestHandler = async (req, res) => {
    const user = await service.register(input<RegisterInput>(req, 'body'), clientOf(req));
    sendData(res, { user }, 201);
  };

  const verifyEmail: RequestHandler = async (req, res) => {
    const user = await service.verifyEmail(input<{ token: string }>(req, 'body').token, clientOf(req));
    sendData(res, { user });
  };

  const resendVerification: RequestHandler = async (req, res) => {
    await service.resendVerification(input<{ email: string }>(req, 'body').email);
    sendData(res, { message: 'If the account exists and is unverified, a new verification email is on its way' }, 202);
  };

  const login: RequestHandler = async (req, res) => {
    const tokens = await service.login(input<LoginInput>(req, 'body'), clientOf(req));
    noStore(res);
    res.status(200).json(tokens);
  };

  const refresh: RequestHandler = async (req, res) => {
    const tokens = await service.refresh(input<{ refresh_token: string }>(req, 'body').refresh_token, clientOf(req));
    noStore(res);
    res.status(200).json(tokens);
  };

  const logout: RequestHandler = async (req, res) => {
    await service.logout(req.user!, input<{ all: boolean }>(req, 'query').all, clientOf(req));
    res.status(204).end();
  };

  /** The hot path: everything comes from the verified token; no database. */
  const session: RequestHandler = (req, res) => {
    const u = req.user!;
    sendData(res, {
      user: { id: u.id, email: u.email, name: u.name, role: u.role },
      expiresAt: new Date(u.exp * 1000).toISOString(),
    });
  };

  const forgotPassword: RequestHandler = async (req, res) => {
    await service.forgotPassword(input<{ email: string }>(req, 'body').email);
    sendData(res, { message: 'If the account exists, a password reset email is on its way' }, 202);
  };

  const resetPassword: RequestHandler = async (req, res) => {
    await service.resetPassword(input<ResetInput>(req, 'body'), clientOf(req));
    sendData(res, { message: 'Password reset; every session was signed out' });
  };

  const changePassword: RequestHandler = async (req, res) => {
    const result = await service.changePassword(req.user!, input<ChangeInput>(req, 'body'), clientOf(req));
    sendData(res, { message: 'Password changed; other sessions were signed out', ...result });
  };

  return { register, verifyEmail, resendVerification, login, refresh, logout, session, forgotPassword, resetPassword, changePassword };
}
