import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import type { OutgoingMail } from './templates';

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string; file?: string }>;
  close(): void;
}

/**
 * SMTP when SMTP_URL is set; otherwise every message becomes an .eml file under MAIL_DIR and its
 * link is logged (outside production), so registration and password reset work with no mail server.
 */
export function createMailer(config: Pick<Config, 'mail' | 'isProduction'>, logger: Logger): Mailer {
  const { smtpUrl, from, dir } = config.mail;
  if (smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(smtpUrl, { from });
    return {
      async send(mail) {
        const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, replyTo: mail.replyTo });
        return { messageId: String(info.messageId) };
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, replyTo: mail.replyTo });
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(4).toString('hex')}.eml`);
      await fs.writeFile(file, info.message as Buffer);
      // the link is a live credential: handy on a laptop, not something to leave in production logs
      const link = config.isProduction ? undefined : mail.link;
      logger.info('email written to file (no SMTP_URL)', { to: mail.to, subject: mail.subject, file, link });
      return { messageId: String(info.messageId), file };
    },
    close: () => transport.close(),
  };
}
