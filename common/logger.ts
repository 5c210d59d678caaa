import winston from 'winston';
import type { Config } from './config';
import { requestContext } from './context';

export type Logger = winston.Logger;

const REDACTED = '[redacted]';
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|hash/i;

/** Walks a log entry and blanks anything whose key looks like a credential, however deep it sits. */
function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && typeof v !== 'boolean' ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = SECRET_KEY.test(key) && typeof info[key] !== 'boolean' ? REDACTED : redact(info[key]);
  }
  return info;
});

const contextFormat = winston.format((info) => {
  const ctx = requestContext.getStore();
  if (ctx) {
    info.requestId ??= ctx.requestId;
    if (ctx.userId) info.userId ??= ctx.userId;
  }
  return info;
});

export function createLogger(config: Pick<Config, 'log'>, service: string): Logger {
  const { level, format } = config.log;
  const base = [contextFormat(), redactFormat(), winston.format.timestamp(), winston.format.errors({ stack: true })];
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    defaultMeta: { service },
    format:
      format === 'json'
        ? winston.format.combine(...base, winston.format.json())
        : winston.format.combine(
            ...base,
            winston.format.colorize(),
            winston.format.printf(({ timestamp, level: lvl, message, service: svc, stack, ...rest }) => {
              const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
              return `${String(timestamp)} ${String(svc)} ${lvl}: ${String(message)}${extra}${stack ? `\n${String(stack)}` : ''}`;
            }),
          ),
    transports: [new winston.transports.Console({ stderrLevels: ['error'] })],
  });
}
