/**
 * `npm start` runs the API before it knows whether the database is ready for it: the API's own start
 * (loading its code, building the app, ~0.5 s of CPU) then overlaps the supervisor's checks and, on a
 * new database, the migrations. The API holds before it touches PostgreSQL until the supervisor says
 * the schema is current, and says when it listens, so `npm start` needs no polling to notice.
 *
 * Both ends use the IPC channel of the API child. A process started any other way (Procfile, Docker,
 * Kubernetes, tests) has no such channel or no START_GATE_ENV, and these calls return at once.
 */
import type { Logger } from '../logger';

export const START_GATE_ENV = 'GEMA_START_GATE';

/** The supervisor to the API. */
export type SupervisorMessage = { step: 'schema-current' };
/** The API to the supervisor. */
export type ApiMessage = { step: 'listening'; port: number };

/** The IPC channel to `npm start`, when this process was started by it to wait at the gate. */
function supervisor(proc: NodeJS.Process): NodeJS.Process | undefined {
  return proc.env[START_GATE_ENV] === '1' && typeof proc.send === 'function' ? proc : undefined;
}

/**
 * Resolves once the supervisor says the schema is current (at once without a supervisor); rejects
 * when the supervisor goes away first, since nothing would ever open the gate then.
 */
export function schemaCurrent(logger?: Pick<Logger, 'debug'>, proc: NodeJS.Process = process): Promise<void> {
  const parent = supervisor(proc);
  if (!parent) return Promise.resolve();
  logger?.debug('waiting for npm start: the schema may not be current yet');
  return new Promise((resolve, reject) => {
    const onMessage = (message: SupervisorMessage) => {
      if (message?.step !== 'schema-current') return;
      parent.off('disconnect', onGone);
      parent.off('message', onMessage);
      resolve();
    };
    const onGone = () => {
      parent.off('message', onMessage);
      reject(new Error('npm start went away before the database was ready'));
    };
    parent.on('message', onMessage);
    parent.once('disconnect', onGone);
  });
}

/**
 * Tells the supervisor the port listens, then closes the channel: an open IPC channel would keep
 * this process's event loop alive, and the supervisor has nothing more to say.
 */
export async function tellListening(port: number, proc: NodeJS.Process = process): Promise<void> {
  const parent = supervisor(proc);
  if (!parent || !parent.connected) return;
  const message: ApiMessage = { step: 'listening', port };
  await new Promise<void>((resolve) => parent.send!(message, () => resolve()));
  if (parent.connected) parent.disconnect();
}
