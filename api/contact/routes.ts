import type { RequestHandler } from 'express';
import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { createRateLimiter } from '../middleware/rate-limit';
import { anonymousLimit } from '../middleware/public-guards';
import { contactController } from './controller';
import { contactBody, idParams, inboxQuery, replyBody, statusBody } from './schemas';
import { ContactService } from './service';

const HOUR_MS = 3600_000;

/** CONTACT_RATE_LIMIT_MAX per hour per client IP, and separately per sender address. */
function contactLimits(deps: ApiDeps): RequestHandler[] {
  const { config } = deps;
  if (!config.rateLimit.enabled) return [];
  const common = { windowMs: HOUR_MS, max: config.site.contactPerHour, redis: deps.redis, prefix: config.redis.prefix };
  const message = 'Too many messages; try again later';
  return [
    createRateLimiter({ ...common, name: 'contact-ip', message }),
    // runs after validation, so the address is already trimmed and lower-cased
    createRateLimiter({ ...common, name: 'contact-email', message, key: (req) => `email:${String((req.valid.body as { email: string }).email)}` }),
  ];
}

/** `POST /contact` for anyone; the inbox for admins (README.md#contact-inbox). */
export function contactRoutes(deps: ApiDeps, service = new ContactService(deps)): ApiRouter[] {
  const { requireAuth, requireRole } = deps.auth;
  const c = contactController(service);
  const form = new ApiRouter('/api/v2/contact').post(
    '/',
    anonymousLimit(deps),
    validate({ body: contactBody }),
    c.honeypot,
    ...contactLimits(deps),
    c.submit,
  );
  const admin = [requireAuth, requireRole('admin')];
  const inbox = new ApiRouter('/api/v2/admin/contacts')
    .get('/', ...admin, validate({ query: inboxQuery }), c.inbox)
    .patch('/:id', ...admin, validate({ params: idParams, body: statusBody }), c.setStatus)
    .post('/:id/reply', ...admin, validate({ params: idParams, body: replyBody }), c.reply);
  return [form, inbox];
}
