// The audit log: every operator and tenant-admin action (tokens, tenants and quotas, drains, cancels
// of another tenant's jobs) is an event `audit.<action>` with who (token, its tenant and role), what
// and when, in the same events table; operators read it at GET /v1/audit.
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain.js';
import type { ApiContext } from './context.js';

export const AUDIT_PREFIX = 'audit.';

export interface AuditTarget {
  tenant?: string | null;
  site?: string | null;
  job?: string | null;
}

export async function audit(
  c: ApiContext,
  req: FastifyRequest,
  p: Principal,
  action: string,
  target: AuditTarget,
  data: Record<string, unknown> = {},
): Promise<void> {
  await c.store.appendEvent({
    at: c.now(),
    type: AUDIT_PREFIX + action,
    tenantId: target.tenant ?? null,
    siteId: target.site ?? null,
    jobId: target.job ?? null,
    data: { actor: { token: p.tokenId, tenant: p.tenantId, role: p.role }, requestId: req.id, ...data },
  });
}
