import { ApiRouter } from '../http/router';
import { noFields, validate } from '../http/validate';
import type { ApiDeps } from '../deps';
import { AuthService } from './service';
import { authController } from './controller';
import { Passwords } from './passwords';
import { RefreshSessions } from './sessions';
import { authLimiters } from './rate-limits';
import * as s from './schemas';

export function authRoutes(deps: ApiDeps): ApiRouter {
  const passwords = new Passwords(deps.config.auth.bcryptCost);
  void passwords.dummyHash();
  const service = new AuthService({
    ...deps,
    passwords,
    sessions: new RefreshSessions(deps.sequelize, deps.config, deps.revocation),
  });
  const c = authController(service);
  const limit = authLimiters(deps);
  const { requireAuth } = deps.auth;

  return new ApiRouter('/api/v2/auth')
    .post('/register', limit.perIp('register'), validate({ body: s.registerBody }), c.register)
    .post('/verify-email', validate({ body: s.tokenBody }), c.verifyEmail)
    .post('/verify-email/resend', limit.perIp('resend'), validate({ body: s.emailBody }), c.resendVerification)
    .post('/login', limit.loginByIp, limit.loginByEmail, validate({ body: s.loginBody }), c.login)
    .post('/refresh', validate({ body: s.refreshBody }), c.refresh)
    .post('/logout', requireAuth, validate({ query: s.logoutQuery, body: noFields }), c.logout)
    .get('/session', requireAuth, c.session)
    .post('/password/forgot', limit.perIp('forgot'), validate({ body: s.emailBody }), c.forgotPassword)
    .post('/password/reset', validate({ body: s.resetBody }), c.resetPassword)
    .post('/password/change', requireAuth, limit.changeByUser, validate({ body: s.changeBody }), c.changePassword);
}
