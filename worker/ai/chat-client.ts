import { setTimeout as delay } from 'node:timers/promises';
import type Joi from 'joi';
import type { Logger } from '../../common/logger';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatClientOptions {
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; `/chat/completions` is appended */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** limit of one HTTP call, response body included */
  timeoutMs: number;
  /** further attempts after a 429, a 5xx or a connection failure */
  maxRetries: number;
  retryBaseMs: number;
  /** the longest the client waits between attempts; a longer Retry-After is left to the job's backoff */
  retryMaxDelayMs: number;
  maxTokens: number;
  temperature: number;
  logger?: Logger;
  /** injectable for tests, so waits are observed rather than timed */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export type AiErrorKind = 'timeout' | 'http' | 'network' | 'malformed' | 'aborted';

/**
 * A provider failure with what the caller needs to decide: `retryable` says whether trying again
 * later could help (a 429, a 5xx, a timeout), as opposed to a refused key or a reply that does not
 * fit the schema.
 */
export class AiProviderError extends Error {
  constructor(
    readonly kind: AiErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AiProviderError';
  }
}

export interface ChatJsonReply<T> {
  value: T;
  /** the model that answered, as the provider names it */
  model: string;
  attempts: number;
}

interface CompletionBody {
  model?: unknown;
  choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Models in JSON mode still sometimes wrap their object in a Markdown fence. */
function unfence(content: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content);
  return m ? m[1]! : content;
}

/**
 * A client of the OpenAI chat-completions protocol (OpenAI, Azure-style proxies, Ollama, LM Studio,
 * vLLM, llama.cpp's server) over node's fetch. It asks for a JSON object, checks the reply against a
 * joi schema, retries what is worth retrying a bounded number of times, and never lets a call run
 * past its timeout.
 */
export class ChatClient {
  // a private field: the key never shows up when the client is logged or inspected
  readonly #apiKey: string | undefined;
  private readonly opts: ChatClientOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(opts: ChatClientOptions) {
    this.#apiKey = opts.apiKey;
    this.opts = { ...opts, apiKey: undefined };
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
  }

  get endpoint(): string {
    return `${this.opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  /** Exponential backoff with jitter: half the step fixed, half random, so clients spread out. */
  backoffMs(retry: number): number {
    const step = Math.min(this.opts.retryMaxDelayMs, this.opts.retryBaseMs * 2 ** retry);
    return Math.round(step / 2 + this.random() * (step / 2));
  }

  async completeJson<T>(messages: ChatMessage[], schema: Joi.ObjectSchema<T>, signal?: AbortSignal): Promise<ChatJsonReply<T>> {
    const body = JSON.stringify({
      model: this.opts.model,
      messages,
      response_format: { type: 'json_object' },
      temperature: this.opts.temperature,
      max_tokens: this.opts.maxTokens,
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;

    for (let attempt = 1; ; attempt++) {
      const retriesLeft = this.opts.maxRetries - (attempt - 1);
      let res: Response;
      let text: string;
      const timeout = AbortSignal.timeout(this.opts.timeoutMs);
      const callSignal = signal ? AbortSignal.any([timeout, signal]) : timeout;
      try {
        res = await fetch(this.endpoint, { method: 'POST', headers, body, signal: callSignal });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw new AiProviderError('aborted', 'The AI request was cancelled', true);
        if (timeout.aborted) {
          throw new AiProviderError('timeout', `The AI provider did not answer within ${this.opts.timeoutMs} ms`, true);
        }
        const reason = this.scrub(describeFetchError(err));
        if (retriesLeft > 0) {
          await this.wait(this.backoffMs(attempt - 1), { attempt, reason }, signal);
          continue;
        }
        throw new AiProviderError('network', `Could not reach the AI provider: ${reason}`, true);
      }

      if (res.status === 429 || res.status >= 500) {
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        const detail = this.providerMessage(text);
        const message = `The AI provider answered ${res.status}${detail ? `: ${detail}` : ''}`;
        if (retriesLeft > 0 && (retryAfter === undefined || retryAfter <= this.opts.retryMaxDelayMs)) {
          await this.wait(retryAfter ?? this.backoffMs(attempt - 1), { attempt, status: res.status }, signal);
          continue;
        }
        throw new AiProviderError('http', message, true, res.status);
      }
      if (!res.ok) {
        const detail = this.providerMessage(text);
        throw new AiProviderError('http', `The AI provider refused the request (${res.status})${detail ? `: ${detail}` : ''}`, false, res.status);
      }
      return { ...this.readReply(text, schema), attempts: attempt };
    }
  }

  private async wait(ms: number, context: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    this.opts.logger?.warn('AI provider call failed, retrying', { ...context, retryInMs: ms });
    try {
      await this.sleep(ms, signal);
    } catch {
      throw new AiProviderError('aborted', 'The AI request was cancelled', true);
    }
  }

  private readReply<T>(text: string, schema: Joi.ObjectSchema<T>): { value: T; model: string } {
    let body: CompletionBody;
    try {
      body = JSON.parse(text) as CompletionBody;
    } catch {
      throw new AiProviderError('malformed', `The AI provider's response is not JSON: ${snippet(text)}`, false);
    }
    const choice = body.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      throw new AiProviderError('malformed', 'The AI provider\'s response has no choices[0].message.content', false);
    }
    if (choice?.finish_reason === 'length') {
      throw new AiProviderError('malformed', `The model's reply was cut off at AI_MAX_TOKENS (${this.opts.maxTokens})`, false);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(unfence(content));
    } catch {
      throw new AiProviderError('malformed', `The model's reply is not JSON: ${snippet(content)}`, false);
    }
    const { value, error } = schema.validate(parsed);
    if (error) {
      const problems = error.details.map((d) => d.message).slice(0, 5).join('; ');
      throw new AiProviderError('malformed', `The model's reply does not match the result schema: ${problems}`, false);
    }
    return { value: value as T, model: typeof body.model === 'string' ? body.model : this.opts.model };
  }

  /** The provider's own error message (OpenAI shape `{error: {message}}`), scrubbed and short. */
  private providerMessage(text: string): string {
    let message: string;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const e = parsed.error;
      message = typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : typeof parsed.message === 'string' ? parsed.message : '';
    } catch {
      message = text;
    }
    return this.scrub(snippet(message, 300));
  }

  /** Some providers echo the key they were given in their error; it must not reach a log or a student. */
  private scrub(text: string): string {
    const key = this.#apiKey;
    return key && key.length >= 4 ? text.split(key).join('[redacted]') : text;
  }
}

function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat || '(empty)';
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
