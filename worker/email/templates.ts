import { User } from '../../common/models';
import { mintOneTimeToken } from '../../common/auth/one-time-tokens';
import type { EmailJob } from '../../common/queues';
import type { Config } from '../../common/config';
import { contactTemplates } from './contact-templates';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** the action link, logged when mail goes to files so the quick start works offline */
  link?: string;
  replyTo?: string;
}

/** Builds the message, or null when there is nothing to send any more (user gone, already verified). */
export type EmailTemplate = (job: EmailJob, config: Config) => Promise<OutgoingMail | null>;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function actionMail(name: string, subject: string, intro: string, link: string, validity: string, to: string): OutgoingMail {
  const text = `Hi ${name},\n\n${intro}\n\n${link}\n\nThe link works once and expires in ${validity}. If you did not ask for this, ignore this email.\n\nGEMA`;
  const html =
    `<p>Hi ${escapeHtml(name)},</p><p>${escapeHtml(intro)}</p>` +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` +
    `<p>The link works once and expires in ${validity}. If you did not ask for this, ignore this email.</p><p>GEMA</p>`;
  return { to, subject, text, html, link };
}

const INVITATION_TTL_SECONDS = 3 * 24 * 3600;

const userFor = (job: EmailJob) => (job.userId ? User.findByPk(job.userId) : Promise.resolve(null));

/**
 * Email templates by name. Templates that carry a one-time link mint the token here, in the
 * worker, right before sending: the job payload holds only the user id.
 */
export const templates: Record<string, EmailTemplate> = {
  'verify-email': async (job, config) => {
    const user = await userFor(job);
    if (!user?.email || user.emailVerifiedAt || user.status !== 'active') return null;
    const { token } = await mintOneTimeToken(config.auth.jwtRefreshSecret, user.id, 'verify_email');
    const link = `${config.http.appUrl}/verify-email?token=${token}`;
    return actionMail(user.name, 'Verify your GEMA email address', 'Confirm your email address to start using GEMA:', link, '24 hours', user.email);
  },
  'password-reset': async (job, config) => {
    const user = await userFor(job);
    if (!user?.email || user.status !== 'active') return null;
    const { token } = await mintOneTimeToken(config.auth.jwtRefreshSecret, user.id, 'password_reset');
    const link = `${config.http.appUrl}/reset-password?token=${token}`;
    return actionMail(
      user.name,
      'Reset your GEMA password',
      'Someone asked to reset your GEMA password. To choose a new one, open:',
      link,
      '1 hour',
      user.email,
    );
  },
  ...contactTemplates,
  /** An account made by staff (README.md#admin-people): the link sets the first password. */
  invitation: async (job, config) => {
    const user = await userFor(job);
    if (!user?.email || user.status !== 'active') return null;
    const { token } = await mintOneTimeToken(config.auth.jwtRefreshSecret, user.id, 'password_reset', undefined, INVITATION_TTL_SECONDS);
    const link = `${config.http.appUrl}/reset-password?token=${token}`;
    return actionMail(
      user.name,
      'Your GEMA account',
      'Your school made you a GEMA account. To choose your password, open:',
      link,
      '3 days',
      user.email,
    );
  },
};
