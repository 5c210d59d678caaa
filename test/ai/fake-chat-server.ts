import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: {
    model?: string;
    messages?: Array<{ role: string; content: string }>;
    response_format?: { type: string };
    [key: string]: unknown;
  };
}

/** One scripted answer: a status, headers and a raw body; `hang` never answers at all. */
export type Reply = { status?: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A local server speaking the chat-completions protocol: each request takes the next scripted
 * reply (the last one repeats), and every request is recorded for the test to inspect.
 */
export interface FakeChatServer {
  baseUrl: string;
  requests: RecordedRequest[];
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

/** A completion whose message content is `content` (a string is sent as is, anything else as JSON). */
export function completion(content: unknown, extra: Record<string, unknown> = {}): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      model: 'fake-model-1',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: typeof content === 'string' ? content : JSON.stringify(content) },
          finish_reason: 'stop',
        },
      ],
      ...extra,
    }),
  };
}

export const validResult = {
  summary: 'The solution reads the numbers and prints their sum; it passes every test.',
  strengths: ['Clear variable names'],
  issues: ['No handling of empty input'],
  suggestions: ['Guard against an empty line before parsing'],
  rubric: [
    { criterion: 'correctness', score: 9, max: 10, comment: 'All tests pass' },
    { criterion: 'readability', score: 7, max: 10, comment: 'Short and clear' },
  ],
};

export async function startFakeChatServer(): Promise<FakeChatServer> {
  let replies: Reply[] = [completion(validResult)];
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: RecordedRequest['body'];
      try {
        body = JSON.parse(raw) as RecordedRequest['body'];
      } catch {
        body = { raw };
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status ?? 200, reply.headers ?? { 'content-type': 'application/json' });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...next: Reply[]) {
      replies = next;
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
