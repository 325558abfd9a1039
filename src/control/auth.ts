// Bearer API tokens (stored as sha256, never in clear), roles, and a per-token token-bucket rate limiter.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SYSTEM_TENANT } from '../contract/states.js';
import type { Principal, Role } from './domain.js';
import type { Store } from './store/types.js';

export const TOKEN_PREFIX = 'sf_';

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateSecret(): string {
  return TOKEN_PREFIX + randomBytes(24).toString('base64url');
}

/** Creates a token for a tenant and returns its secret (shown once; only the hash is stored). */
export async function issueToken(
  store: Store,
  tenantId: string,
  role: Role,
  name: string,
  at: number,
  secret = generateSecret(),
): Promise<string> {
  await store.createToken({
    id: `tok_${randomBytes(6).toString('hex')}`,
    tenantId,
    role,
    name,
    secretHash: hashToken(secret),
    at,
  });
  return secret;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves bearer secrets to principals with a short-lived cache (hash -> principal) so that a busy
 * client costs one hash and one map lookup per request. Revocations take effect within `ttlMs`.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal of a valid token already in the cache, or undefined (unknown, bad, or expired from the cache). */
  cached(header: string | undefined): Principal | undefined {
    const hash = bearerHash(header);
    const hit = hash ? this.cache.get(hash) : undefined;
    return hit && hit.until > this.now() && hit.principal ? hit.principal : undefined;
  }

  async authenticate(header: string | undefined): Promise<Principal | null> {
    const hash = bearerHash(header);
    if (!hash) return null;
    const t = this.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > t) return hit.principal;
    const rec = await this.store.findTokenByHash(hash);
    const principal = rec ? { tenantId: rec.tenantId, role: rec.role, tokenId: rec.id } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: t + (principal ? this.ttlMs : 1_000) });
    return principal;
  }

  /** Drops every cached principal: a revoked token fails its next request on this replica. */
  forget(): void {
    this.cache.clear();
  }
}

function bearerHash(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? hashToken(m[1]) : null;
}

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };
export function hasRole(p: Principal, needed: Role): boolean {
  return RANK[p.role] >= RANK[needed];
}

/**
 * Roles are scoped to the token's tenant. A platform operator is an admin of the system tenant: it
 * manages sites, tenants and quotas and may act on every tenant. Any other admin is a tenant admin:
 * its own tenant's tokens and jobs only.
 */
export function isOperator(p: Principal): boolean {
  return p.role === 'admin' && p.tenantId === SYSTEM_TENANT;
}

/** Whether `p` may act as an admin of `tenantId` (an operator for every tenant, a tenant admin for its own). */
export function administers(p: Principal, tenantId: string): boolean {
  return isOperator(p) || (p.role === 'admin' && p.tenantId === tenantId);
}

/** Why `p` may not mint a `role` token for `tenantId`, or null: never another tenant's, never above its own role. */
export function mintRefusal(p: Principal, tenantId: string, role: Role): string | null {
  if (!administers(p, tenantId))
    return p.role === 'admin'
      ? `a tenant admin of ${p.tenantId} may issue tokens only for tenant ${p.tenantId}`
      : 'issuing tokens needs the admin role';
  if (RANK[role] > RANK[p.role]) return `a ${p.role} token cannot issue a ${role} token`;
  return null;
}

export interface RateLimit {
  /** Sustained requests per second per token. */
  perSecond: number;
  /** Bucket size: requests allowed in a burst. */
  burst: number;
}

/** Token bucket per key (token id). `take` returns 0 when allowed, else seconds until one token refills. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may take a token (0: now), without taking one. */
  peek(key: string): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.limit.burst, b.tokens + ((this.now() - b.at) / 1000) * this.limit.perSecond);
    return tokens >= 1 ? 0 : (1 - tokens) / this.limit.perSecond;
  }

  take(key: string): number {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: this.limit.burst, at: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.limit.perSecond;
  }
}
