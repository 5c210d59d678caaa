import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { TEST_ENV } from './env';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface LogLine {
  message?: string;
  port?: number;
  outcome?: string;
  [key: string]: unknown;
}

export interface EntryProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** the first log line with this message, once it is written */
  waitFor(message: string): Promise<LogLine>;
  /** the exit code, once the process has exited */
  exited: Promise<number | null>;
}

/**
 * An entry point (`api/server.ts`, `worker/main.ts`) as its own process, as the Procfile runs it, with JSON
 * logs. `ipc`: with an IPC channel, as `npm start` spawns its children: node itself with tsx's loader, since
 * the tsx command would sit between the two ends of the channel.
 */
export function startEntry(entry: string, env: Record<string, string> = {}, { ipc = false } = {}): EntryProcess {
  const file = path.join(ROOT, entry);
  const child = spawn(ipc ? process.execPath : TSX, ipc ? ['--import', 'tsx', file] : [file], {
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', LOG_FORMAT: 'json', PORT: '0', ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { message: string; resolve: (l: LogLine) => void }[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (raw) => {
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { message: raw };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.message === line.message) w.resolve(line);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (message: string) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = lines.find((l) => l.message === message);
      if (seen) return resolve(seen);
      waiters.push({ message, resolve });
      void exited.then((code) => reject(new Error(`${entry} exited (${code}) before "${message}": ${JSON.stringify(lines.slice(-10))}`)));
    });
  return { child, lines, waitFor, exited };
}

/** Ends the process if a spec left it running. */
export function killIfRunning(p: EntryProcess | undefined): void {
  if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
