// What every routes file gets: the control plane, the store, the clock, metrics, and small helpers
// (the principal of a request, role checks, the id parameter, OpenAPI documentation of a route).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { IdParam } from '../../contract/requests.js';
import { hasRole, isOperator, type Authenticator } from '../auth.js';
import { ForbiddenError, type ControlPlane } from '../control-plane.js';
import type { Principal, Role } from '../domain.js';
import type { LeaderElector } from '../leader.js';
import type { Store } from '../store/types.js';
import { parse } from '../schemas.js';
import { jsonSchema } from './openapi.js';
import type { ServerMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface ApiContext {
  app: FastifyInstance;
  cp: ControlPlane;
  store: Store;
  leader: LeaderElector;
  metrics: ServerMetrics;
  auth: Authenticator;
  /** The injected clock (ms). */
  now: () => number;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
}

/** The authenticated caller (the /v1 auth hook sets it before any /v1 handler runs). */
export function principal(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p) throw new Error('route reached without a principal: the /v1 auth hook did not run');
  return p;
}

export function need(req: FastifyRequest, role: Role): Principal {
  const p = principal(req);
  if (!hasRole(p, role)) throw new ForbiddenError(`needs the ${role} role`);
  return p;
}

/** A platform operator (an admin of the system tenant): sites, tenants, quotas. */
export function needOperator(req: FastifyRequest): Principal {
  const p = principal(req);
  if (!isOperator(p)) throw new ForbiddenError('needs a platform operator token (an admin token of the system tenant)');
  return p;
}

export const idOf = (req: FastifyRequest): string => parse(IdParam, req.params).id;

/** Route options documenting it in /openapi.json (zod validates; these schemas only document). */
export const doc = (summary: string, tags: string[], extra: Record<string, unknown> = {}) => ({
  schema: { summary, tags, ...extra },
});
export const jsonBody = (schema: z.ZodType) => ({ body: jsonSchema(schema, 'input') });
