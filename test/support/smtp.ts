import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { Worker } from 'bullmq';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { emailProcessor } from '../../worker/email/processor';
import { testWorkerDeps } from './deps';

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** the body with quoted-printable soft breaks and escapes undone */
  text: string;
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  /** Resolves with the first message (already received or still to come) sent to `to`. */
  waitFor(to: string, ms?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const decodeQuotedPrintable = (s: string) =>
  s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The one-time token in a message's link. */
export function tokenIn(mail: ReceivedMail): string {
  const m = /token=([A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!m) throw new Error(`no token link in the message to ${mail.to.join(', ')}`);
  return m[1]!;
}

/** A real SMTP server on a free local port (plain, no auth), keeping every message it accepts. */
export async function startTestSmtp(extra: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const waiters: Array<{ to: string; resolve: (m: ReceivedMail) => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = { to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw, text: decodeQuotedPrintable(raw) };
        received.push(mail);
        for (const w of [...waiters]) {
          if (mail.to.includes(w.to)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(mail);
          }
        }
        callback();
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor(to, ms = 10_000) {
      const address = to.toLowerCase();
      const already = received.find((m) => m.to.includes(address));
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no email to ${address} within ${ms} ms`)), ms);
        waiters.push({
          to: address,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The real email processor on the suite's `email` queue, sending through `smtpUrl`. */
export function startEmailWorker(overrides: Record<string, string>): Worker {
  const deps = testWorkerDeps(overrides);
  return startQueueWorker(deps, 'email', emailProcessor(deps), 2) as unknown as Worker;
}

export const stopWorker = (worker: Worker) => closeWorkers([worker], 5000);

/**
 * A real SMTP server and the email worker for the enclosing `describe`, started in its `before` and
 * stopped in its `after`; the returned handle reads through to the server once it is up.
 */
export function withMailFlowing(): TestSmtp {
  let smtp: TestSmtp | undefined;
  let worker: Worker | undefined;
  before(async () => {
    smtp = await startTestSmtp();
    worker = startEmailWorker({ SMTP_URL: smtp.url });
  });
  after(async () => {
    if (worker) await stopWorker(worker);
    await smtp?.close();
  });
  const live = () => {
    if (!smtp) throw new Error('withMailFlowing: the SMTP server starts in the before hook');
    return smtp;
  };
  return {
    get url() {
      return live().url;
    },
    get received() {
      return live().received;
    },
    waitFor: (to, ms) => live().waitFor(to, ms),
    close: () => live().close(),
  };
}
