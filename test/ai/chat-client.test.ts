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

  const client = (overrides: Partial<ChatClientOptions> = {}) =>
    new ChatClient({
      baseUrl: server.baseUrl,
      apiKey: API_KEY,
      model: 'fake-model',
      timeoutMs: 2000,
      maxTokens: 800,
      temperature: 0.2,
      ...overrides,
    });

  before(async () => {
    server = await startFakeChatServer();
  });
  after(async () => {
    await server.close();
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

  // the job is the one layer that retries (worker/ai/processor.ts): the client makes exactly one call

  it('hands a 429 back at once as retryable, with the Retry-After the provider asked for', async () => {
    server.script(
      { status: 429, headers: { 'retry-after': '2', 'content-type': 'application/json' }, body: '{"error":{"message":"slow down"}}' },
      completion(validResult),
    );
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.status).to.equal(429);
    expect(err.retryable).to.equal(true);
    expect(err.retryAfterMs).to.equal(2000);
    expect(err.message).to.contain('slow down');
    expect(server.requests).to.have.length(1);
  });

  it('hands a 5xx back at once as retryable, without a Retry-After when the provider gave none', async () => {
    server.script({ status: 500, body: 'oops' }, completion(validResult));
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('http');
    expect(err.status).to.equal(500);
    expect(err.retryable).to.equal(true);
    expect(err.retryAfterMs).to.equal(undefined);
    expect(server.requests).to.have.length(1);
  });

  it("names the status and the provider's own message of a retryable error", async () => {
    server.script({ status: 502, body: '{"error":{"message":"bad gateway"}}' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('http');
    expect(err.status).to.equal(502);
    expect(err.retryable).to.equal(true);
    expect(err.message).to.contain('502').and.to.contain('bad gateway');
    expect(server.requests).to.have.length(1);
  });

  it('never waits out a Retry-After in the call, however long: the job decides', async () => {
    server.script({ status: 429, headers: { 'retry-after': '3600' }, body: '' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.status).to.equal(429);
    expect(err.retryable).to.equal(true);
    expect(err.retryAfterMs).to.equal(3_600_000);
    expect(server.requests).to.have.length(1);
  });

  it('reads retry-after-ms, which some providers send in place of Retry-After', async () => {
    server.script({ status: 503, headers: { 'retry-after-ms': '1500', 'content-type': 'application/json' }, body: '{}' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.retryAfterMs).to.equal(1500);
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
    expect(err.message).to.contain('response is not JSON');
  });

  it('accepts a JSON object the model wrapped in a Markdown fence', async () => {
    server.script(completion(`\`\`\`json\n${JSON.stringify(validResult)}\n\`\`\``));
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.value.rubric).to.have.length(2);
  });

  it('reports a reply cut off at the token limit instead of trying to read it', async () => {
    server.script(
      completion('{"summary": "The code', {
        choices: [{ index: 0, message: { role: 'assistant', content: '{"summary": "The code' }, finish_reason: 'length' }],
      }),
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

  it('reports a refused connection as a retryable network error naming the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(client({ baseUrl: `http://127.0.0.1:${port}/v1` }).completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('network');
    expect(err.retryable).to.equal(true);
    expect(err.message).to.contain('ECONNREFUSED');
  });

  it('logs a failed call without ever writing the key, even when the provider echoes it', async () => {
    const logger = createLogger({ log: { level: 'debug', format: 'json' } }, 'test');
    logger.clear();
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    logger.add(new winston.transports.Stream({ stream }));
    server.script({ status: 500, body: JSON.stringify({ error: { message: `bad key ${API_KEY}` } }) });
    const err = await failure(client({ logger }).completeJson(messages, aiResultSchema));
    expect(err.message).to.contain('[redacted]');
    expect(written).to.contain('AI provider call failed');
    expect(written).not.to.contain(API_KEY);
  });

  it('keeps the API key out of the client when it is inspected or serialised', () => {
    const c = client();
    expect(JSON.stringify(c)).not.to.contain(API_KEY);
    expect(util.inspect(c, { depth: 5 })).not.to.contain(API_KEY);
  });

  it('reports a call cancelled by its signal as aborted and retryable', async () => {
    server.script('hang');
    const controller = new AbortController();
    const pending = failure(client().completeJson(messages, aiResultSchema, controller.signal));
    setTimeout(() => controller.abort(), 50);
    const err = await pending;
    expect(err.kind).to.equal('aborted');
    expect(err.retryable).to.equal(true);
  });

  it('names only the status of a refusal whose body is empty', async () => {
    server.script({ status: 400, headers: {}, body: '' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.retryable).to.equal(false);
    expect(err.message).to.equal('The AI provider refused the request (400)');
  });

  it('quotes a top-level message of an error body', async () => {
    server.script({ status: 422, body: '{"message":"model not loaded"}' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.message).to.equal('The AI provider refused the request (422): model not loaded');
  });

  it('quotes an error body whose error is a plain string', async () => {
    server.script({ status: 404, body: '{"error":"no such model"}' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.message).to.equal('The AI provider refused the request (404): no such model');
  });

  it('quotes an error body with no message as its JSON', async () => {
    server.script({ status: 503, body: '{"detail":{"code":7}}' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.retryable).to.equal(true);
    expect(err.message).to.contain('503').and.to.contain('"code":7');
  });

  it('quotes a plain-text error body', async () => {
    server.script({ status: 403, headers: { 'content-type': 'text/plain' }, body: 'forbidden   here' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.message).to.equal('The AI provider refused the request (403): forbidden here');
  });

  it('reports an empty 200 response as malformed, saying it was empty', async () => {
    server.script({ status: 200, body: '' });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('malformed');
    expect(err.message).to.contain('(empty)');
  });

  it('reports a completion with no choices as malformed', async () => {
    server.script({ status: 200, body: JSON.stringify({ model: 'm', choices: [] }) });
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('malformed');
    expect(err.message).to.contain('no choices[0].message.content');
  });

  it('cuts a long non-JSON reply short when quoting it', async () => {
    server.script(completion('x'.repeat(500)));
    const err = await failure(client().completeJson(messages, aiResultSchema));
    expect(err.message).to.contain(`${'x'.repeat(200)}…`);
    expect(err.message).not.to.contain('x'.repeat(201));
  });

  it('names the configured model when the provider names none', async () => {
    server.script({ status: 200, body: JSON.stringify({ choices: [{ message: { content: JSON.stringify(validResult) }, finish_reason: 'stop' }] }) });
    const reply = await client().completeJson(messages, aiResultSchema);
    expect(reply.model).to.equal('fake-model');
  });

  it('leaves a key shorter than four characters unscrubbed rather than redact every letter', async () => {
    server.script({ status: 401, body: '{"error":{"message":"key abc refused"}}' });
    const err = await failure(client({ apiKey: 'abc' }).completeJson(messages, aiResultSchema));
    expect(err.message).to.contain('key abc refused');
  });

  it('reports a host that cannot be resolved as a retryable network error', async () => {
    const err = await failure(client({ baseUrl: 'http://no-such-host.invalid/v1' }).completeJson(messages, aiResultSchema));
    expect(err.kind).to.equal('network');
    expect(err.retryable).to.equal(true);
    expect(err.message).to.match(/ENOTFOUND|EAI_AGAIN/);
  });

  it('reports a connection the server drops mid-answer as a retryable error', async () => {
    const rude = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    const { port } = rude.address() as AddressInfo;
    try {
      const err = await failure(client({ baseUrl: `http://127.0.0.1:${port}/v1` }).completeJson(messages, aiResultSchema));
      expect(err.kind).to.equal('network');
      expect(err.retryable).to.equal(true);
    } finally {
      await new Promise<void>((resolve) => rude.close(() => resolve()));
    }
  });

  it('reports a body cut off mid-stream as a retryable network error', async () => {
    const cut = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"choices":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    const { port } = cut.address() as AddressInfo;
    try {
      const err = await failure(client({ baseUrl: `http://127.0.0.1:${port}/v1` }).completeJson(messages, aiResultSchema));
      expect(err.kind).to.equal('network');
      expect(err.retryable).to.equal(true);
    } finally {
      cut.closeAllConnections();
      await new Promise<void>((resolve) => cut.close(() => resolve()));
    }
  });

  it('reads Retry-After given as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).to.equal(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).to.equal(5000);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter(null, now)).to.equal(undefined);
  });
});
