// Tenants and tokens. Operators (admins of the system tenant) create tenants and change quotas; a
// tenant admin sees its own tenant and issues its tokens; no token mints one above its own role or
// for another tenant. One named handler per route; the registrar only wires them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TenantBody, TenantPatch, TokenBody, TokenParams } from '../../../contract/requests.js';
import type { TenantView, TokenIssued, TokenView } from '../../../contract/responses.js';
import { administers, isOperator, issueToken, mintRefusal } from '../../auth.js';
import type { TokenInfo } from '../../store/types.js';
import { ForbiddenError } from '../../control-plane.js';
import { NotFoundError, type Principal } from '../../domain.js';
import { parse } from '../../schemas.js';
import { audit } from '../audit.js';
import { doc, idOf, jsonBody, need, needOperator, principal, type ApiContext } from '../context.js';

export function tokenView(t: TokenInfo): TokenView {
  return {
    id: t.id,
    tenant: t.tenantId,
    role: t.role,
    name: t.name,
    revoked: t.revoked,
    createdAt: new Date(t.createdAt).toISOString(),
    lastUsedAt: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
  };
}

/** An operator, or an admin of `tenantId`. */
function mayAdminister(req: FastifyRequest, tenantId: string): Principal {
  const p = principal(req);
  if (!administers(p, tenantId))
    throw new ForbiddenError(`needs an admin token of tenant ${tenantId} (or a platform operator token)`);
  return p;
}

async function listTenants(c: ApiContext, req: FastifyRequest): Promise<{ tenants: TenantView[] }> {
  const p = need(req, 'admin');
  const all = await c.store.listTenants();
  return { tenants: isOperator(p) ? all : all.filter((t) => t.id === p.tenantId) };
}

async function createTenant(c: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<{ tenant: TenantView }> {
  const p = needOperator(req);
  const b = parse(TenantBody, req.body ?? {});
  const t = await c.store.createTenant({
    id: b.id,
    name: b.name ?? b.id,
    quotaGpus: b.quotaGpus ?? null,
    allowedJurisdictions: b.allowedJurisdictions ?? null,
    ...(b.lendToServices === false ? { lendToServices: false as const } : {}),
    at: c.now(),
  });
  const change = { quotaGpus: t.quotaGpus, allowedJurisdictions: t.allowedJurisdictions };
  await audit(c, req, p, 'tenant.create', { tenant: t.id }, change);
  reply.code(201);
  return { tenant: t };
}

async function updateTenant(c: ApiContext, req: FastifyRequest): Promise<{ tenant: TenantView }> {
  const p = needOperator(req);
  const b = parse(TenantPatch, req.body ?? {});
  const t = await c.store.updateTenant(idOf(req), {
    ...(b.name !== undefined ? { name: b.name } : {}),
    ...(b.quotaGpus !== undefined ? { quotaGpus: b.quotaGpus } : {}),
    ...(b.allowedJurisdictions !== undefined ? { allowedJurisdictions: b.allowedJurisdictions } : {}),
    ...(b.lendToServices !== undefined ? { lendToServices: b.lendToServices } : {}),
  });
  c.cp.forgetTenant(t.id);
  await audit(c, req, p, 'tenant.update', { tenant: t.id }, { change: b });
  return { tenant: t };
}

async function createToken(c: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<TokenIssued> {
  const p = principal(req);
  const b = parse(TokenBody, req.body ?? {});
  const tenantId = idOf(req);
  const refusal = mintRefusal(p, tenantId, b.role);
  if (refusal) throw new ForbiddenError(refusal);
  if (!(await c.store.getTenant(tenantId))) throw new NotFoundError('tenant', tenantId);
  const token = await issueToken(c.store, tenantId, b.role, b.name ?? `${b.role} token`, c.now());
  await audit(c, req, p, 'token.create', { tenant: tenantId }, { role: b.role, name: b.name ?? null });
  reply.code(201);
  return { token, tenant: tenantId, role: b.role };
}

async function listTokens(c: ApiContext, req: FastifyRequest): Promise<{ tokens: TokenView[] }> {
  const tenantId = idOf(req);
  mayAdminister(req, tenantId);
  if (!(await c.store.getTenant(tenantId))) throw new NotFoundError('tenant', tenantId);
  return { tokens: (await c.store.listTokens(tenantId)).map(tokenView) };
}

async function revokeToken(c: ApiContext, req: FastifyRequest): Promise<{ token: TokenView }> {
  const { id: tenantId, tokenId } = parse(TokenParams, req.params);
  const p = mayAdminister(req, tenantId);
  const tok = await c.store.getToken(tokenId);
  if (!tok || tok.tenantId !== tenantId) throw new NotFoundError('token', tokenId);
  await c.store.revokeToken(tokenId);
  c.auth.forget(); // this replica: at once; others within the auth cache's 1 s
  await audit(c, req, p, 'token.revoke', { tenant: tenantId }, { token: tokenId, role: tok.role, name: tok.name });
  return { token: tokenView({ ...tok, revoked: true }) };
}

export function registerTenantRoutes(c: ApiContext): void {
  const { app } = c;
  app.get('/v1/tenants', doc('Tenants (operators: all; a tenant admin: its own)', ['tenants']), (req) =>
    listTenants(c, req),
  );
  app.post(
    '/v1/tenants',
    doc('Create a tenant with its quota and allowed jurisdictions (operators)', ['tenants'], jsonBody(TenantBody)),
    (req, reply) => createTenant(c, req, reply),
  );
  app.patch(
    '/v1/tenants/:id',
    doc('Change a tenant’s quota or jurisdictions (operators)', ['tenants'], jsonBody(TenantPatch)),
    (req) => updateTenant(c, req),
  );
  app.post(
    '/v1/tenants/:id/tokens',
    doc(
      'Issue an API token for a tenant; the secret is shown once (operators; a tenant admin for its own tenant)',
      ['tenants'],
      jsonBody(TokenBody),
    ),
    (req, reply) => createToken(c, req, reply),
  );
  app.get(
    '/v1/tenants/:id/tokens',
    doc('A tenant’s tokens, revoked ones included; never their secrets (operators; its tenant admins)', ['tenants']),
    (req) => listTokens(c, req),
  );
  app.delete(
    '/v1/tenants/:id/tokens/:tokenId',
    doc('Revoke a token: it fails from its next request (operators; its tenant admins)', ['tenants']),
    (req) => revokeToken(c, req),
  );
}
