// Rate limits (token buckets): per API token, with per-tenant overrides, and per client address for
// requests with a missing or bad token (each costs a store lookup: an address may fail only so often).
// 429 with Retry-After and the common error body when exceeded.
import type { FastifyReply } from 'fastify';
import { TokenBuckets, type RateLimit } from '../../auth.js';

export interface RateLimits extends RateLimit {
  /** Per-tenant overrides of the per-token limit (every token of that tenant gets this bucket size and rate). */
  tenants?: Record<string, RateLimit>;
  /** Per client address, failed token lookups (missing or bad token; default 20/s, burst 40). */
  unauthenticated?: RateLimit;
}

/**
 * Defaults. ASSUMPTION (docs/benchmarks.md: one replica accepts a few thousand submissions/s): 1,000
 * requests/s per token with a burst of 2,000 lets a pipeline submit a sweep of thousands of jobs at once
 * while one runaway client still cannot take a replica alone. Unauthenticated: 20/s per address.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 1000, burst: 2000 };
export const DEFAULT_UNAUTHENTICATED_LIMIT: RateLimit = { perSecond: 20, burst: 40 };

export class RateLimiter {
  private readonly perToken: TokenBuckets;
  private readonly perTenant = new Map<string, TokenBuckets>();
  private readonly perAddress: TokenBuckets;

  constructor(limits: RateLimits, now: () => number) {
    this.perToken = new TokenBuckets({ perSecond: limits.perSecond, burst: limits.burst }, now);
    for (const [tenant, l] of Object.entries(limits.tenants ?? {}))
      this.perTenant.set(tenant, new TokenBuckets(l, now));
    this.perAddress = new TokenBuckets(limits.unauthenticated ?? DEFAULT_UNAUTHENTICATED_LIMIT, now);
  }

  /** True when a request of this token may go on; otherwise the 429 has been sent. */
  admit(tenantId: string, tokenId: string, reply: FastifyReply): boolean {
    const buckets = this.perTenant.get(tenantId) ?? this.perToken;
    return this.answer(buckets.take(tokenId), reply, 'rate limit exceeded for this token');
  }

  /** True when this address may look a token up (it has not used up its failed lookups); otherwise 429 sent. */
  admitAddress(address: string, reply: FastifyReply): boolean {
    return this.answer(this.perAddress.peek(address), reply, 'too many failed token lookups from this address');
  }

  /** A lookup from this address found no token: it counts against the address. */
  failedLookup(address: string): void {
    this.perAddress.take(address);
  }

  private answer(wait: number, reply: FastifyReply, message: string): boolean {
    if (wait <= 0) return true;
    const s = Math.ceil(wait);
    void reply
      .code(429)
      .header('Retry-After', String(s))
      .send({ errors: [{ path: 'authorization', message, hint: `retry after ${s} s` }] });
    return false;
  }
}
