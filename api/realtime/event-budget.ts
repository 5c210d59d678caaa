const monotonicNow = () => performance.now();

/**
 * A token bucket for one socket's incoming events: `burst` at once, then `perSecond` on average.
 * Kept in the socket's own closure, so it costs no Redis round trip and dies with the socket; a
 * library limiter (rate-limiter-flexible) would key a shared store by socket id for the same effect.
 */
export class EventBudget {
  private tokens: number;
  private last: number;
  /** refusals since the last accepted event */
  refusedInARow = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    // one function for every socket's budget, not a closure each
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow++;
    return false;
  }
}
