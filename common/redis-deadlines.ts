import { Command } from 'ioredis';

/**
 * `REDIS_COMMAND_TIMEOUT_MS` for the commands of one hot call site (the global limiter's count, issued
 * on every request) without a timer per command: the commands wait in issue order with their
 * deadlines, and one timer, armed for the oldest pending deadline, rejects each that is still
 * unanswered then with ioredis's own `Command timed out` error.
 *
 * Why: ioredis starts a `setTimeout` per command when `commandTimeout` is set, with a closure, and
 * on the reply clears it and `delete`s the property that held it, which leaves each command an
 * object in dictionary mode. On `GET /api/v2/auth/session` that was a measurable part of what the
 * app paid beyond the bare ceiling (bench/README.md).
 *
 * The deadlines only grow (one timeout for the client, a monotonic clock), so the oldest pending
 * command is the first to expire, and answered commands leave the front of the queue as new ones
 * come in: it holds about as many commands as are in flight.
 */
export class CommandDeadlines {
  private readonly queue: TimedCommand[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Makes `new Command(name, args, options)` whose timeout (when ioredis sets one) is kept here. */
  command(name: string, args: (string | number)[], options: ConstructorParameters<typeof Command>[2]): Command {
    return new TimedCommand(this, name, args, options);
  }

  /** @internal ioredis's `Command#setTimeout`, for a TimedCommand */
  enroll(command: TimedCommand, ms: number): void {
    command.deadline = performance.now() + ms;
    this.dropAnswered();
    this.queue.push(command);
    if (this.timer === undefined) this.arm(ms);
  }

  /** How many commands it holds (answered ones included until they reach the front): for specs. */
  get size(): number {
    return this.queue.length - this.head;
  }

  private dropAnswered(): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.isSettled) q[this.head++] = undefined as unknown as TimedCommand;
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }

  private arm(ms: number): void {
    // a pending command keeps the process alive through its socket; this timer need not
    this.timer = setTimeout(() => this.sweep(), Math.max(0, Math.ceil(ms))).unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    const q = this.queue;
    for (; this.head < q.length; this.head++) {
      const command = q[this.head]!;
      if (!command.isSettled) {
        if (command.deadline > now) break;
        command.reject(new Error('Command timed out'));
      }
      q[this.head] = undefined as unknown as TimedCommand;
    }
    this.dropAnswered();
    if (this.head < q.length) this.arm(q[this.head]!.deadline - now);
  }
}

/** A command whose `commandTimeout` is kept by a CommandDeadlines instead of a timer of its own. */
class TimedCommand extends Command {
  deadline = 0;

  constructor(
    private readonly deadlines: CommandDeadlines,
    name: string,
    args: (string | number)[],
    options: ConstructorParameters<typeof Command>[2],
  ) {
    super(name, args, options);
  }

  // ioredis calls it once per sendCommand when `commandTimeout` is set; a command sent again (a
  // reconnect resends unanswered ones) keeps its first deadline, as ioredis keeps its first timer
  override setTimeout(ms: number): void {
    if (this.deadline === 0) this.deadlines.enroll(this, ms);
  }
}
