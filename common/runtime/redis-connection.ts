import net from 'node:net';
import tls from 'node:tls';

/** A RESP reply: simple and bulk strings, integers, nil, arrays of those. */
export type RedisReply = string | number | null | RedisReply[];

type Parsed = { value: RedisReply | Error; next: number } | undefined;

/** One reply from `buf` at `at`, or undefined while it is incomplete. */
function parseReply(buf: Buffer, at: number): Parsed {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new Error(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RedisReply[] = [];
      let failed: Error | undefined;
      let pos = next;
      // read every item even after an error one (EXEC's failed command): the rest belong to this reply
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, pos);
        if (!item) return undefined;
        if (item.value instanceof Error) failed ??= item.value;
        else items.push(item.value);
        pos = item.next;
      }
      return { value: failed ?? items, next: pos };
    }
    default:
      return { value: new Error(`unexpected reply from Redis: ${JSON.stringify(buf.toString('utf8', at, eol))}`), next: buf.length };
  }
}

const encode = (args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/**
 * A bare Redis connection for `npm start`'s supervisor: PING at start, and HGETALL/HDEL for the
 * worker's sandbox report (common/grading/sandbox-reports.ts). ioredis would be ~60 modules, ~0.2 s of
 * CPU and ~20 MB that a process manager holds for hours; the processes that do work use ioredis.
 * Commands are sent in order and answered in order; no reconnect, no pipelining beyond that.
 */
export class RedisConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: Array<{ resolve: (r: RedisReply) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects, authenticates and selects the URL's database; rejects with the socket's or Redis's error. */
  static async open(redisUrl: string, timeoutMs = 3000): Promise<RedisConnection> {
    const url = new URL(redisUrl);
    const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    const port = Number(url.port || 6379);
    const secure = url.protocol === 'rediss:';
    const socket = secure ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }) }) : net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const connection = new RedisConnection(socket);
    try {
      const password = decodeURIComponent(url.password);
      const username = decodeURIComponent(url.username);
      if (password) await connection.call('AUTH', ...(username ? [username] : []), password);
      const db = Number(url.pathname.slice(1) || 0);
      if (db) await connection.call('SELECT', String(db));
      await connection.call('PING');
    } catch (err) {
      connection.close();
      throw err;
    }
    socket.setTimeout(0);
    return connection;
  }

  call(...args: string[]): Promise<RedisReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encode(args));
    });
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    const flat = (await this.call('HGETALL', key)) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
    return out;
  }

  hdel(key: string, ...fields: string[]): Promise<RedisReply> {
    return this.call('HDEL', key, ...fields);
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let at = 0;
    for (let parsed = parseReply(this.buffer, at); parsed; parsed = parseReply(this.buffer, at)) {
      at = parsed.next;
      const waiter = this.waiting.shift();
      if (parsed.value instanceof Error) waiter?.reject(parsed.value);
      else waiter?.resolve(parsed.value);
      if (at >= this.buffer.length) break;
    }
    this.buffer = this.buffer.subarray(at);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }
}
