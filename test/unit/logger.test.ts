import { PassThrough } from 'node:stream';
import winston from 'winston';
import { expect } from 'chai';
import { createLogger } from '../../common/logger';
import { requestContext } from '../../common/context';

function capture() {
  const logger = createLogger({ log: { level: 'debug', format: 'json' } }, 'test');
  logger.clear();
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  logger.add(new winston.transports.Stream({ stream }));
  return { logger, lines };
}

describe('logger', () => {
  it('writes JSON lines carrying the request id of the request being served', () => {
    const { logger, lines } = capture();
    requestContext.run({ requestId: 'req-42' }, () => logger.info('hello'));
    expect(lines[0]).to.include({ message: 'hello', requestId: 'req-42', service: 'test', level: 'info' });
  });

  it('never writes passwords, tokens or authorization headers, however deep they sit', () => {
    const { logger, lines } = capture();
    logger.info('login attempt', {
      email: 'ayu@gema.local',
      password: 'hunter2hunter2',
      body: { refresh_token: 'rt-secret', nested: { newPassword: 'n3w-secret' } },
      headers: { authorization: 'Bearer eyJ.secret', 'user-agent': 'mocha' },
      apiKey: 'sk-live',
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2hunter2', 'rt-secret', 'n3w-secret', 'eyJ.secret', 'sk-live']) {
      expect(text).to.not.include(secret);
    }
    expect(text).to.include('ayu@gema.local');
    expect(text).to.include('mocha');
  });
});
