import { UnrecoverableError, type Job } from 'bullmq';
import type { EmailJob } from '../../common/queues';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { templates } from './templates';
import { createMailer } from './transport';

export interface EmailResult {
  sent: boolean;
  messageId?: string;
  reason?: string;
}

/** SMTP replies 5xx for problems a retry will not fix (no such mailbox, refused sender). */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * The `email` queue: renders the template (minting its one-time token), then sends over SMTP or to
 * a file. Transient failures (connection refused, 4xx) are retried with the queue's backoff; a
 * permanent refusal or an unknown template fails at once. Either way the job ends in the failed set.
 */
export function emailProcessor(deps: WorkerDeps): ProcessorDefinition<EmailJob, EmailResult> {
  const mailer = createMailer(deps.config, deps.logger);
  return {
    async process(job: Job<EmailJob, EmailResult>) {
      const template = templates[job.data.template];
      if (!template) throw new UnrecoverableError(`unknown email template "${job.data.template}"`);
      const mail = await template(job.data, deps.config);
      if (!mail) return { sent: false, reason: 'nothing to send' };
      try {
        const { messageId } = await mailer.send(mail);
        deps.logger.info('email sent', { template: job.data.template, userId: job.data.userId, messageId });
        return { sent: true, messageId };
      } catch (err) {
        if (isPermanent(err)) throw new UnrecoverableError(`mail refused: ${(err as Error).message}`);
        throw err;
      }
    },
    async onFinalFailure(job, error) {
      deps.logger.error('email not delivered', { template: job.data.template, userId: job.data.userId, error: error.message });
    },
  };
}
