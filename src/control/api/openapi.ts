// The API document (/openapi.json, OpenAPI 3.1): every operation's responses with their real status
// codes and the contract's response schemas (src/contract/response-schemas.ts), its path parameters
// and query. Filled in by an onRoute hook from the table below, so routes files stay about behaviour;
// a route missing here is marked `x-undocumented` and fails test/control/openapi.test.ts.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { EventsQuery, ListJobsQuery, LogsQuery } from '../../contract/requests.js';
import * as S from '../../contract/response-schemas.js';
import { UsageQuery, UsageResponseSchema } from '../../contract/usage.js';
import * as SV from '../../contract/services.js';
import { InferencePlanResponseSchema } from '../../contract/inference.js';

type Code = 200 | 201 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503;
interface OperationDoc {
  ok: Partial<Record<200 | 201, z.ZodType | 'text' | 'yaml' | 'sse' | 'ndjson'>>;
  /** Error statuses besides the ones every /v1 operation may answer (400, 401, 429). */
  errors?: Code[];
  query?: z.ZodType;
  public?: boolean;
  /** A JSON form of the 200 answer besides the text one (the logs route's format=json). */
  json200?: z.ZodType;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'malformed request: the issues name each field and the fix',
  401: 'missing or unknown bearer token',
  403: 'the token’s role or tenant may not do this',
  404: 'no such object',
  409: 'conflict: the object changed or the transition is illegal now',
  413: 'request body too large',
  422: 'well-formed but unacceptable: the issues name each field and the fix',
  429: 'rate limit or stream cap reached (Retry-After)',
  503: 'the store, planner or computation is unavailable: retry later',
};

const J = 'application/json';
export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /livez': { ok: { 200: S.LiveSchema }, public: true },
  'GET /healthz': { ok: { 200: S.HealthSchema }, errors: [503], public: true },
  'GET /readyz': { ok: { 200: S.HealthSchema }, errors: [503], public: true },
  'GET /metrics': { ok: { 200: 'text' }, public: true },
  'GET /v1/fabric': { ok: { 200: S.FabricViewSchema } },
  'GET /v1/sites': { ok: { 200: S.SitesSchema } },
  'POST /v1/sites/:id/drain': { ok: { 200: S.SiteResponseSchema }, errors: [403, 404] },
  'POST /v1/sites/:id/undrain': { ok: { 200: S.SiteResponseSchema }, errors: [403, 404] },
  'POST /v1/sites/:id/heartbeat': { ok: { 200: S.SiteResponseSchema }, errors: [403, 404, 422] },
  'POST /v1/jobs': { ok: { 200: S.JobResponseSchema, 201: S.JobResponseSchema }, errors: [403, 413, 422, 503] },
  'GET /v1/jobs': { ok: { 200: S.JobPageSchema }, errors: [403], query: ListJobsQuery },
  'GET /v1/jobs/:id': { ok: { 200: S.JobResponseSchema }, errors: [403, 404] },
  'DELETE /v1/jobs/:id': { ok: { 200: S.JobResponseSchema }, errors: [403, 404, 409, 422] },
  'POST /v1/jobs/:id/suspend': { ok: { 200: S.JobResponseSchema }, errors: [403, 404, 409, 422] },
  'POST /v1/jobs/:id/resume': { ok: { 200: S.JobResponseSchema }, errors: [403, 404, 409, 422] },
  'GET /v1/jobs/:id/events': { ok: { 200: S.JobEventsSchema }, errors: [403, 404] },
  'GET /v1/jobs/:id/logs': {
    ok: { 200: 'text' },
    errors: [403, 404],
    query: LogsQuery,
    json200: S.JobLogPageSchema,
  },
  'POST /v1/plans': { ok: { 200: S.PlanResultSchema }, errors: [413, 422, 503] },
  'POST /v1/inference/plans': { ok: { 200: InferencePlanResponseSchema }, errors: [413, 422] },
  'GET /v1/events': { ok: { 200: S.EventsSchema }, query: EventsQuery },
  'GET /v1/audit': { ok: { 200: S.EventsSchema }, errors: [403], query: EventsQuery },
  'GET /v1/events/stream': { ok: { 200: 'sse' }, query: EventsQuery },
  'GET /v1/tenants': { ok: { 200: S.TenantsSchema }, errors: [403] },
  'POST /v1/tenants': { ok: { 201: S.TenantResponseSchema }, errors: [403, 409] },
  'PATCH /v1/tenants/:id': { ok: { 200: S.TenantResponseSchema }, errors: [403, 404] },
  'POST /v1/tenants/:id/tokens': { ok: { 201: S.TokenIssuedSchema }, errors: [403, 404] },
  'GET /v1/tenants/:id/tokens': { ok: { 200: S.TokensSchema }, errors: [403, 404] },
  'DELETE /v1/tenants/:id/tokens/:tokenId': { ok: { 200: S.TokenResponseSchema }, errors: [403, 404] },
  'GET /v1/whoami': { ok: { 200: S.MeSchema } },
  'GET /v1/catalog': { ok: { 200: S.CatalogSchema } },
  'GET /v1/explore/fabrics/:id': { ok: { 200: 'yaml' }, errors: [422] },
  'GET /v1/telemetry': { ok: { 200: S.TelemetrySchema } },
  'POST /v1/explore/plans': { ok: { 200: S.ExplorePlansResultSchema }, errors: [413, 422] },
  'POST /v1/explore/sweep': { ok: { 200: S.SweepViewSchema }, errors: [413, 422, 503] },
  'POST /v1/whatif': { ok: { 200: S.WhatIfResultSchema }, errors: [413, 422, 503] },
  'GET /v1/history': { ok: { 200: S.HistorySchema } },
  'GET /v1/usage': { ok: { 200: UsageResponseSchema }, errors: [403, 404], query: UsageQuery },
  'POST /v1/services': { ok: { 201: SV.ServiceResponseSchema }, errors: [403, 409, 413, 422] },
  'GET /v1/services': { ok: { 200: SV.ServiceListResponseSchema }, errors: [403] },
  'GET /v1/services/:id': { ok: { 200: SV.ServiceResponseSchema }, errors: [403, 404] },
  'PATCH /v1/services/:id': { ok: { 200: SV.ServiceResponseSchema }, errors: [403, 404, 422] },
  'DELETE /v1/services/:id': { ok: { 200: SV.ServiceResponseSchema }, errors: [403, 404] },
  'GET /v1/services/:id/metrics': { ok: { 200: SV.ServiceMetricsResponseSchema }, errors: [403, 404] },
  'GET /v1/services/:id/requests': {
    ok: { 200: SV.ServiceRequestsResponseSchema },
    errors: [403, 404],
    query: SV.ServiceRequestsQuery,
  },
  'POST /v1/services/:id/generate': { ok: { 200: 'ndjson' }, errors: [403, 404, 503] },
};

/** A zod schema as an OpenAPI 3.1 schema object (JSON Schema 2020-12, the dialect 3.1 uses). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any', io }) as Record<string, unknown>;
  return rest;
}

function content(kind: z.ZodType | 'text' | 'yaml' | 'sse' | 'ndjson'): Record<string, unknown> {
  if (kind === 'ndjson') return { 'application/x-ndjson': { schema: { type: 'string' } } };
  if (kind === 'text') return { 'text/plain': { schema: { type: 'string' } } };
  if (kind === 'yaml') return { 'text/yaml': { schema: { type: 'string' } } };
  if (kind === 'sse') return { 'text/event-stream': { schema: { type: 'string' } } };
  return { [J]: { schema: jsonSchema(kind) } };
}

function responses(d: OperationDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [code, kind] of Object.entries(d.ok)) {
    const extra = code === '200' && d.json200 ? content(d.json200) : {};
    out[code] = { description: code === '201' ? 'created' : 'OK', content: { ...content(kind), ...extra } };
  }
  const errorCodes = new Set<Code>([...(d.public ? [] : ([400, 401, 429] as Code[])), ...(d.errors ?? [])]);
  for (const code of [...errorCodes].sort()) {
    out[String(code)] = { description: ERROR_TEXT[code], content: { [J]: { schema: jsonSchema(S.ErrorBodySchema) } } };
  }
  return out;
}

/** Path parameters of a fastify URL (`/v1/jobs/:id` -> id). */
const paramsOf = (url: string) => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);

/** Registers the hook that documents each route from OPERATIONS. */
export function documentRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.hide) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      const key = `${m} ${route.url}`;
      const d = OPERATIONS[key];
      if (!d) {
        // marked, not refused, so that a route being added still serves; test/control/openapi.test.ts fails on it
        if (route.url.startsWith('/v1/'))
          route.schema = {
            ...schema,
            // an OpenAPI extension field: fastify's schema type does not list it
            ['x-undocumented' as string]: `${key}: add it to OPERATIONS in src/control/api/openapi.ts`,
            response: { 200: { description: 'undocumented' } },
          };
        return;
      }
      // the routes' schemas only document (zod validates, JSON.stringify serializes): see app.ts
      const params = paramsOf(route.url);
      route.schema = {
        ...schema,
        ...(params.length
          ? {
              params: {
                type: 'object',
                properties: Object.fromEntries(
                  params.map((p) => [p, { type: 'string', minLength: 1, maxLength: 100 }]),
                ),
                required: params,
              },
            }
          : {}),
        ...(d.query ? { querystring: jsonSchema(d.query, 'input') } : {}),
        response: responses(d),
      };
    }
  });
}
