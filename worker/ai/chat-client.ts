import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
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
  maxTokens: number;
  temperature: number;
  logger?: Logger;
}

export type AiErrorKind = 'timeout' | 'http' | 'network' | 'malformed' | 'aborted';

/**
 * A provider failure with what the caller needs to decide: `retryable` says whether trying again
 * later could help (a 429, a 5xx, a timeout), as opposed to a refused key or a reply that does not
 * fit the schema; `retryAfterMs` is how long the provider asked to be left alone, when it said.
 */
export class AiProviderError extends Error {
  constructor(
    readonly kind: AiErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AiProviderError';
  }
}

export interface ChatJsonReply<T> {
  value: T;
  /** the model that answered, as the provider names it */
  model: string;
  /** calls made: always 1, the job is the one layer that retries */
  attempts: number;
}

interface CompletionBody {
  model?: unknown;
  choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>;
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110), or `retry-after-ms`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfter(headers?.get('retry-after') ?? null);
}

/** Models in JSON mode still sometimes wrap their object in a Markdown fence. */
function unfence(content: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content);
  return m ? m[1]! : content;
}

/**
 * A client of the OpenAI chat-completions protocol (OpenAI, Azure-style proxies, Ollama, LM Studio,
 * vLLM, llama.cpp's server) through the official `openai` package with `baseURL`. It asks for a JSON
 * object, checks the reply against a joi schema, and never lets a call run past its timeout.
 *
 * It makes exactly one call per use (`maxRetries: 0`): the BullMQ job is the one layer that retries
 * (worker/ai/processor.ts), so a waiting retry holds no worker slot, survives a restart and shows in
 * the queue, and a provider's `Retry-After` becomes a delayed job rather than a sleeping worker.
 */
export class ChatClient {
  // private fields: the key never shows up when the client is logged, inspected or serialised
  readonly #apiKey: string | undefined;
  readonly #openai: OpenAI;
  readonly #logger: Logger | undefined;
  private readonly opts: Omit<ChatClientOptions, 'apiKey' | 'logger'>;

  constructor(opts: ChatClientOptions) {
    this.#apiKey = opts.apiKey;
    this.#logger = opts.logger;
    this.opts = { baseUrl: opts.baseUrl, model: opts.model, timeoutMs: opts.timeoutMs, maxTokens: opts.maxTokens, temperature: opts.temperature };
    this.#openai = new OpenAI({
      // a local server (Ollama, llama.cpp) takes no key: the SDK insists on one, so the header is dropped instead
      apiKey: opts.apiKey ?? 'no-key',
      ...(opts.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      baseURL: opts.baseUrl,
      timeout: opts.timeoutMs,
      maxRetries: 0,
      organization: null,
      project: null,
      webhookSecret: null,
    });
  }

  get endpoint(): string {
    return `${this.opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async completeJson<T>(messages: ChatMessage[], schema: Joi.ObjectSchema<T>, signal?: AbortSignal): Promise<ChatJsonReply<T>> {
    let text: string;
    try {
      const response = await this.#openai.chat.completions
        .create(
          {
            model: this.opts.model,
            messages,
            response_format: { type: 'json_object' },
            temperature: this.opts.temperature,
            max_tokens: this.opts.maxTokens,
          },
          { signal },
        )
        .asResponse();
      text = await response.text();
    } catch (err) {
      const failure = this.describe(err, signal);
      this.#logger?.warn('AI provider call failed', {
        kind: failure.kind,
        status: failure.status,
        retryable: failure.retryable,
        retryAfterMs: failure.retryAfterMs,
        error: failure.message,
      });
      throw failure;
    }
    return { ...this.readReply(text, schema), attempts: 1 };
  }

  /** The SDK's error as an AiProviderError: what happened, whether a later attempt could help, and when. */
  private describe(err: unknown, signal?: AbortSignal): AiProviderError {
    if (err instanceof APIUserAbortError || signal?.aborted) return new AiProviderError('aborted', 'The AI request was cancelled', true);
    if (err instanceof APIConnectionTimeoutError) {
      return new AiProviderError('timeout', `The AI provider did not answer within ${this.opts.timeoutMs} ms`, true);
    }
    if (err instanceof APIConnectionError) {
      return new AiProviderError('network', `Could not reach the AI provider: ${this.scrub(describeCause(err))}`, true);
    }
    if (err instanceof APIError && err.status !== undefined) {
      const detail = this.providerMessage(err.error ?? plainTextBody(err));
      if (err.status === 429 || err.status >= 500) {
        const message = `The AI provider answered ${err.status}${detail ? `: ${detail}` : ''}`;
        return new AiProviderError('http', message, true, err.status, retryAfterOf(err.headers));
      }
      const message = `The AI provider refused the request (${err.status})${detail ? `: ${detail}` : ''}`;
      return new AiProviderError('http', message, false, err.status);
    }
    return new AiProviderError('network', `The AI call failed: ${this.scrub((err as Error)?.message ?? String(err))}`, true);
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
      throw new AiProviderError('malformed', "The AI provider's response has no choices[0].message.content", false);
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
      const problems = error.details
        .map((d) => d.message)
        .slice(0, 5)
        .join('; ');
      throw new AiProviderError('malformed', `The model's reply does not match the result schema: ${problems}`, false);
    }
    return { value: value as T, model: typeof body.model === 'string' ? body.model : this.opts.model };
  }

  /** The provider's own error message (OpenAI shape `{error: {message}}`, or any body), scrubbed and short. */
  private providerMessage(body: unknown): string {
    let message = '';
    if (typeof body === 'string') message = body;
    else if (body && typeof body === 'object') {
      const b = body as { message?: unknown; error?: unknown };
      const inner = b.error as { message?: unknown } | string | undefined;
      message =
        typeof b.message === 'string'
          ? b.message
          : typeof inner === 'string'
            ? inner
            : typeof inner?.message === 'string'
              ? inner.message
              : JSON.stringify(body);
    }
    return message ? this.scrub(snippet(message, 300)) : '';
  }

  /** Some providers echo the key they were given in their error; it must not reach a log or a student. */
  private scrub(text: string): string {
    const key = this.#apiKey;
    return key && key.length >= 4 ? text.split(key).join('[redacted]') : text;
  }
}

/**
 * A body that is not JSON (a proxy's error page, a plain-text refusal) leaves the SDK's `error`
 * empty and only shows in its message as `<status> <text>`: the text is the provider's own words.
 */
function plainTextBody(err: APIError): string {
  const prefix = `${err.status} `;
  const rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : '';
  return rest === 'status code (no body)' ? '' : rest;
}

function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat || '(empty)';
}

/** The socket-level reason under the SDK's "Connection error." (ECONNREFUSED, ENOTFOUND…). */
function describeCause(err: Error): string {
  let cause: unknown = err.cause;
  for (let depth = 0; cause && depth < 4; depth++) {
    const c = cause as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (!c.cause && typeof c.message === 'string') return c.message;
    cause = c.cause;
  }
  return err.message;
}
