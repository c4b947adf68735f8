/**
 * Per-client token buckets: locally this plays the part of the WAF rate-based rule that guards public routes in the
 * cloud (HTTP APIs throttle per stage, not per client).
 */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export class ClientRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(client: string): number {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.limit.burst, updatedAt: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.ratePerSecond);
    bucket.updatedAt = now;
    this.buckets.set(client, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.ratePerSecond));
  }

  private prune(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (now - bucket.updatedAt > (this.limit.burst / this.limit.ratePerSecond) * 1000) this.buckets.delete(client);
    }
  }
}
