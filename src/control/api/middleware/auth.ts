// Bearer-token authentication of /v1: sets `req.principal`, or answers 401 in the common error form.
// Public paths (health, metrics, the API document, docs, the dashboard) need no token.
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../../auth.js';
import type { TokenUsage } from '../token-usage.js';
import type { RateLimiter } from './rate-limit.js';

const PUBLIC = [/^\/healthz$/, /^\/livez$/, /^\/readyz$/, /^\/metrics$/, /^\/openapi\.json$/, /^\/docs(\/|$)/];

export function registerAuth(
  app: FastifyInstance,
  auth: Authenticator,
  limiter: RateLimiter,
  usage: TokenUsage | null = null,
): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!path.startsWith('/v1/') || PUBLIC.some((r) => r.test(path))) return;
    // a token not in the cache costs a store lookup: an address whose lookups keep failing is held back
    let p = auth.cached(req.headers.authorization) ?? null;
    if (!p) {
      if (!limiter.admitAddress(req.ip, reply)) return reply;
      p = await auth.authenticate(req.headers.authorization);
      if (!p) limiter.failedLookup(req.ip);
    }
    if (!p) {
      reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer')
        .send({
          errors: [
            {
              path: 'authorization',
              message: 'missing or unknown bearer token',
              hint: 'send Authorization: Bearer <token> (printed at start as "admin token: ...")',
            },
          ],
        });
      return reply;
    }
    if (!limiter.admit(p.tenantId, p.tokenId, reply)) return reply;
    req.principal = p;
    void usage?.used(p.tokenId); // throttled, off the request's path (errors are logged there)
  });
}
