import type { Limits, RunResult } from './types';

export const DEFAULT_OUTPUT_KEEP_BYTES = 64 * 1024;
// above the 10 MB a chatty but finished program may print: that is truncated, not failed (issue 5)
export const DEFAULT_OUTPUT_HARD_BYTES = 16 * 1024 * 1024;
/** what the compiler is allowed, whatever the task's limits: compilers need more than programs */
export const COMPILE_LIMITS: Limits = { timeMs: 20_000, memoryMb: 1024 };
/** the compiler's message shown to a student is cut here */
export const COMPILE_OUTPUT_KEEP_BYTES = 16 * 1024;

export interface OutputCaps {
  keep: number;
  hard: number;
}

export function outputCaps(limits: Limits): OutputCaps {
  return {
    keep: limits.outputKeepBytes ?? DEFAULT_OUTPUT_KEEP_BYTES,
    hard: limits.outputHardBytes ?? DEFAULT_OUTPUT_HARD_BYTES,
  };
}

/**
 * One output stream: keeps the first `keep` bytes and counts the rest, so a chatty program is
 * truncated rather than killed; the caller stops the run only when the total passes the hard cap.
 */
export class StreamCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly keep: number) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.total += buf.length;
    if (this.kept >= this.keep) return;
    const room = this.keep - this.kept;
    const part = buf.length > room ? buf.subarray(0, room) : buf;
    // copy: a pipe may reuse its buffer, and a slice would pin the whole chunk
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** stdout and stderr of one run against the shared hard cap */
export class OutputCapture {
  readonly stdout: StreamCapture;
  readonly stderr: StreamCapture;

  constructor(readonly caps: OutputCaps) {
    this.stdout = new StreamCapture(caps.keep);
    this.stderr = new StreamCapture(caps.keep);
  }

  get overHardCap(): boolean {
    return this.stdout.total + this.stderr.total > this.caps.hard;
  }

  fields(): Pick<RunResult, 'stdout' | 'stderr' | 'stdoutTruncated' | 'stderrTruncated'> {
    return {
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      stdoutTruncated: this.stdout.truncated,
      stderrTruncated: this.stderr.truncated,
    };
  }
}

export function internalError(message: string, timeMs = 0): RunResult {
  return {
    verdict: 'internal_error',
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    exitCode: null,
    signal: null,
    timeMs,
    memoryKb: 0,
    message,
  };
}

/** Keeps at most `max` bytes of a text, marking the cut. */
export function clip(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  return `${buf.subarray(0, max).toString('utf8')}\n… (truncated, ${buf.length} bytes in all)`;
}
