import http from 'node:http';
import type { AddressInfo } from 'node:net';
import util from 'node:util';
import { PassThrough } from 'node:stream';
import winston from 'winston';
import { expect } from 'chai';
import { createLogger } from '../../common/logger';
import { ChatClient, AiProviderError, parseRetryAfter, type ChatClientOptions } from '../../worker/ai/chat-client';
import { aiResultSchema } from '../../worker/ai/result-schema';
import { startFakeChatServer, completion, validResult, type FakeChatServer } from './fake-chat-server';

const API_KEY = 'sk-test-0123456789abcdef';
const messages = [
  { role: 'system' as const, content: 'You review code.' },
  { role: 'user' as const, content: 'print(sum(map(int, input().split())))' },
];

async function failure(promise: Promise<unknown>): Promise<AiProviderError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AiProviderError);
    return err as AiProviderError;
  }
  throw new Error('expected the call to fail');
}

describe('AI chat-completions client', () => {
  let server: FakeChatServer;
  let waits: number[];

  const client = (overrides: Partial<ChatClientOptions> = {}) =>
    new ChatClient({
      baseUrl: server.baseUrl,
      apiKey: API_KEY,
      model: 'fake-model',
      timeoutMs: 2000,
      maxRetries: 3,
      retryBaseMs: 100,
      retryMaxDelayMs: 5000,
      maxTokens: 800,
      temperature: 0.2,
      random: () => 0.5,
      // record each wait instead of sleeping it, so no test depends on the clock
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...overrides,
    });

  before(async () => {
    server = await startFakeChatServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    waits = [];
  });

  it('returns the validated result of a valid JSON reply, with the model the provider named', async () => {
    server.script(completion(validResult));
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.value).to.deep.equal(validResult);
    expect(reply.model).to.equal('fake-model-1');
    expect(reply.attempts).to.equal(1);
  });

  it('posts to /chat/completions asking for a JSON object, with the configured model and the messages', async () => {
    server.script(completion(validResult));
    await client().completeJson(messages, aiResultSchema);
    const [req] = server.requests;
    expect(req!.method).to.equal('POST');
    expect(req!.url).to.equal('/v1/chat/completions');
    expect(req!.body.model).to.equal('fake-model');
    expect(req!.body.response_format).to.deep.equal({ type: 'json_object' });
    expect(req!.body.messages).to.deep.equal(messages);
    expect(req!.body.max_tokens).to.equal(800);
  });

  it('carries the API key as a bearer token in the Authorization header', async () => {
    server.script(completion(validResult));
    await client().completeJson(messages, aiResultSchema);
    expect(server.requests[0]!.headers.authorization).to.equal(`Bearer ${API_KEY}`);
  });

  it('sends no Authorization header when no key is configured', async () => {
    server.script(completion(validResult));
    await client({ apiKey: undefined }).completeJson(messages, aiResultSchema);
    expect(server.requests[0]!.headers.authorization).to.equal(undefined);
  });

  it('waits the Retry-After of a 429 and then succeeds', async () => {
    server.script(
      { status: 429, headers: { 'retry-after': '2', 'content-type': 'application/json' }, body: '{"error":{"message":"slow down"}}' },
      completion(validResult),
    );
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.value.summary).to.equal(validResult.summary);
    expect(reply.attempts).to.equal(2);
    expect(server.requests).to.have.length(2);
    expect(waits).to.deep.equal([2000]);
  });

  it('retries a 500 after an exponential backoff with jitter and then succeeds', async () => {
    server.script({ status: 500, body: 'oops' }, { status: 503, body: 'busy' }, completion(validResult));
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.attempts).to.equal(3);
    // base 100 ms: steps of 100 and 200 ms, each half fixed and half random (random() = 0.5)
    expect(waits).to.deep.equal([75, 150]);
  });

  it('gives up after the configured number of retries with a retryable error naming the status', async () => {
    server.script({ status: 502, body: '{"error":{"message":"bad gateway"}}' });
    const err = await failure(client({ maxRetries: 2 }).completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('http');
    expect(err.status).to.equal(502);
    expect(err.retryable).to.equal(true);
    expect(err.message).to.contain('502').and.to.contain('bad gateway');
    expect(server.requests).to.have.length(3);
  });

  it('does not wait out a Retry-After longer than its limit, leaving the retry to the job', async () => {
    server.script({ status: 429, headers: { 'retry-after': '3600' }, body: '' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.status).to.equal(429);
    expect(err.retryable).to.equal(true);
    expect(server.requests).to.have.length(1);
    expect(waits).to.deep.equal([]);
  });

  it('fails at once, without retrying, when the provider refuses the key, and never repeats the key', async () => {
    server.script({
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}` } }),
    });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('http');
    expect(err.retryable).to.equal(false);
    expect(err.message).to.contain('401').and.to.contain('[redacted]');
    expect(err.message).not.to.contain(API_KEY);
    expect(server.requests).to.have.length(1);
  });

  it('reports a reply whose content is not JSON as malformed, once, without retrying', async () => {
    server.script(completion('Sure! Here is my review: the code looks fine.'));
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('malformed');
    expect(err.retryable).to.equal(false);
    expect(err.message).to.match(/reply is not JSON: Sure! Here is my review/);
    expect(server.requests).to.have.length(1);
  });

  it('reports JSON that fails the result schema as malformed, naming what is wrong', async () => {
    server.script(
      completion({ summary: '', strengths: [], issues: [], suggestions: [], rubric: [{ criterion: 'correctness', score: 12, max: 10 }] }),
    );
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('malformed');
    expect(err.message).to.contain('does not match the result schema');
    expect(err.message).to.contain('summary');
    expect(err.message).to.contain('rubric[0].score');
    expect(server.requests).to.have.length(1);
  });

  it('drops keys the result schema does not know, at every level', async () => {
    server.script(completion({ ...validResult, overall: 97, rubric: [{ ...validResult.rubric[0], weight: 2 }] }));
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.value).not.to.have.property('overall');
    expect(reply.value.rubric[0]).to.have.keys(['criterion', 'score', 'max', 'comment']);
  });

  it('reports a response body that is not a chat completion as malformed', async () => {
    server.script({ status: 200, body: '<html>proxy error</html>' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('malformed');
    expect(err.message).to.contain("response is not JSON");
  });

  it('accepts a JSON object the model wrapped in a Markdown fence', async () => {
    server.script(completion(`\`\`\`json\n${JSON.stringify(validResult)}\n\`\`\``));
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.value.rubric).to.have.length(2);
  });

  it('reports a reply cut off at the token limit instead of trying to read it', async () => {
    server.script(
      completion('{"summary": "The code', { choices: [{ index: 0, message: { role: 'assistant', content: '{"summary": "The code' }, finish_reason: 'length' }] }),
    );
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('malformed');
    expect(err.message).to.contain('AI_MAX_TOKENS');
  });

  it('ends a call the server never answers with a timeout error naming the limit, without retrying it', async () => {
    server.script('hang');
    const err = await failure(client({ timeoutMs: 300 }).completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('timeout');
    expect(err.retryable).to.equal(true);
    expect(err.message).to.contain('300 ms');
    expect(server.requests).to.have.length(1);
  });

  it('retries a refused connection and reports a network error when the provider stays away', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(client({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 }).completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('network');
    expect(err.message).to.contain('ECONNREFUSED');
    expect(waits).to.have.length(1);
  });

  it('logs its retries without ever writing the key, even when the provider echoes it', async () => {
    const logger = createLogger({ log: { level: 'debug', format: 'json' } }, 'test');
    logger.clear();
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    logger.add(new winston.transports.Stream({ stream }));
    server.script({ status: 500, body: JSON.stringify({ error: { message: `bad key ${API_KEY}` } }) }, completion(validResult));
    await client({ logger }).completeJson(messages, aiResultSchema);
    expect(written).to.contain('retrying');
    expect(written).not.to.contain(API_KEY);
  });

  it('keeps the API key out of the client when it is inspected or serialised', () => {
    const c = client();
    expect(JSON.stringify(c)).not.to.contain(API_KEY);
    expect(util.inspect(c, { depth: 5 })).not.to.contain(API_KEY);
  });

  it('reads Retry-After given as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).to.equal(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).to.equal(5000);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter(null, now)).to.equal(undefined);
  });
});
