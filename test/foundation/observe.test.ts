import { PassThrough } from 'node:stream';
import express from 'express';
import request from 'supertest';
import winston from 'winston';
import { expect } from 'chai';
import { observeRequests } from '../../api/middleware/observe';
import { createLogger } from '../../common/logger';

/** A logger at `level` whose JSON lines the test reads. */
function logAt(level: 'http' | 'info') {
  const logger = createLogger({ log: { level, format: 'json' } }, 'test');
  logger.clear();
  const stream = new PassThrough();
  const lines: { message: string; status?: number; route?: string }[] = [];
  stream.on('data', (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => lines.push(JSON.parse(l))),
  );
  logger.add(new winston.transports.Stream({ stream }));
  return { logger, lines };
}

function observed(level: 'http' | 'info') {
  const log = logAt(level);
  const tiny = express();
  tiny.use(observeRequests({ logger: log.logger }));
  tiny.get('/things/:id', (_req, res) => {
    res.status(204).end();
  });
  return { tiny, lines: log.lines };
}

describe('Access log of requests', () => {
  it('writes one line per request, by route pattern and status, when the log level lets http lines through', async () => {
    const { tiny, lines } = observed('http');
    await request(tiny).get('/things/42').expect(204);
    await new Promise((r) => setImmediate(r));
    expect(lines.filter((l) => l.message === 'request')).to.have.length(1);
    expect(lines[0]).to.include({ status: 204 });
  });

  it('writes nothing, and measures nothing, without a histogram at a quieter level', async () => {
    const { tiny, lines } = observed('info');
    await request(tiny).get('/things/42').expect(204);
    await new Promise((r) => setImmediate(r));
    expect(lines).to.deep.equal([]);
  });
});
