import { PassThrough } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../common/logger';

export interface CapturedLog {
  logger: Logger;
  lines: { level: string; message: string; [key: string]: unknown }[];
  /** how many lines carry exactly this message */
  count(message: string): number;
}

/** A real logger (JSON, `info` and up) whose lines the test reads instead of the console. */
export function captureLog(service = 'test'): CapturedLog {
  const logger = createLogger({ log: { level: 'info', format: 'json' } }, service);
  logger.clear();
  const stream = new PassThrough();
  const lines: CapturedLog['lines'] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as CapturedLog['lines'][number]);
  });
  logger.add(new winston.transports.Stream({ stream }));
  return { logger, lines, count: (message) => lines.filter((l) => l.message === message).length };
}
