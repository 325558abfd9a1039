// Per-token rate limit (token bucket): 429 with Retry-After and the common error body when exceeded.
import type { FastifyReply } from 'fastify';
import { TokenBuckets, type RateLimit } from '../../auth.js';

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };

export class RateLimiter {
  private readonly buckets: TokenBuckets;
  constructor(limit: RateLimit, now: () => number) {
    this.buckets = new TokenBuckets(limit, now);
  }

  /** True when the request may go on; otherwise the 429 has been sent. */
  admit(key: string, reply: FastifyReply): boolean {
    const wait = this.buckets.take(key);
    if (wait <= 0) return true;
    const s = Math.ceil(wait);
    void reply
      .code(429)
      .header('Retry-After', String(s))
      .send({
        errors: [{ path: 'authorization', message: 'rate limit exceeded for this token', hint: `retry after ${s} s` }],
      });
    return false;
  }
}
