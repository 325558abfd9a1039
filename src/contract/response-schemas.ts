// Response schemas (zod) of the API, for the OpenAPI document (/openapi.json). Each one is checked at
// compile time against its type in responses.ts (`Same` below), so the document cannot drift from what
// the server returns. Large planner, simulator and fabric results are documented as objects whose
// fields the types in responses.ts describe.
import { z } from 'zod';
import { EXECUTOR_KINDS, JOB_STATES, ROLES } from './states.js';
import type * as R from './responses.js';
import { JobUsageSchema } from './usage.js';

/** Compile-time: A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(_: T) => _;

export const IssueSchema = z.object({ path: z.string(), message: z.string(), hint: z.string() });
export const ErrorBodySchema = z.object({ errors: z.array(IssueSchema) });
same<Same<z.infer<typeof ErrorBodySchema>, R.ErrorBody>>(true);

const STATE = z.enum(JOB_STATES);
const PLACEMENT = z.array(z.object({ site: z.string(), gpus: z.number() }));
/** The plan's fields are the planner's (RankedPlan); documented as an object. */
const PLAN = z.object({}).catchall(z.unknown()).describe("the planner's best plan, or {error}");

export const JobViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
  state: STATE,
  model: z.union([z.string(), z.object({ name: z.string() }).catchall(z.unknown())]),
  gpus: z.number().nullable(),
  tokens: z.number().nullable(),
  priority: z.number(),
  allowedJurisdictions: z.array(z.string()).nullable(),
  allowedSites: z.array(z.string()).nullable(),
  checkpointable: z.boolean(),
  preemptible: z.boolean(),
  deadline: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  executor: z.enum(EXECUTOR_KINDS).nullable(),
  plan: PLAN.nullable(),
  placement: PLACEMENT.nullable(),
  sites: z.array(z.string()),
  attempt: z.number(),
  runId: z.string().nullable(),
  checkpoint: z
    .object({ step: z.number(), path: z.string().nullable(), at: z.number(), site: z.string().nullable() })
    .nullable(),
  reason: z.string().nullable(),
  exitCode: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
same<Same<Omit<z.infer<typeof JobViewSchema>, 'plan'>, Omit<R.JobView, 'plan'>>>(true);
// GET /v1/jobs/:id adds usage (and measured, documented as the type in responses.ts)
export const JobResponseSchema = z.object({ job: JobViewSchema.extend({ usage: JobUsageSchema.optional() }) });
export const JobLogPageSchema = z.object({
  job: z.string(),
  runId: z.string().nullable(),
  offset: z.number(),
  nextOffset: z.number(),
  size: z.number(),
  text: z.string(),
});
same<Same<z.infer<typeof JobLogPageSchema>, R.JobLogPage>>(true);
export const JobPageSchema = z.object({ jobs: z.array(JobViewSchema), nextCursor: z.string().nullable() });

export const EventViewSchema = z.object({
  seq: z.number(),
  at: z.string(),
  type: z.string(),
  job: z.string().nullable(),
  tenant: z.string().nullable(),
  site: z.string().nullable(),
  from: STATE.nullable(),
  to: STATE.nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
});
same<Same<z.infer<typeof EventViewSchema>, R.EventView>>(true);
export const EventsSchema = z.object({ events: z.array(EventViewSchema), last: z.number() });
export const JobEventsSchema = z.object({ events: z.array(EventViewSchema) });

const SITE_STATUS = z.enum(['unknown', 'up', 'down']);
export const SiteStateSchema = z.object({
  id: z.string(),
  status: SITE_STATUS,
  drained: z.boolean(),
  lastHeartbeatAt: z.number().nullable(),
  updatedAt: z.number(),
});
same<Same<z.infer<typeof SiteStateSchema>, R.SiteStateView>>(true);
export const SiteStatusSchema = SiteStateSchema.extend({
  name: z.string(),
  jurisdiction: z.string(),
  gpus: z.number(),
  usedGpus: z.number(),
  executor: z.string().nullable(),
  heartbeat: z.enum(['executor', 'agent']).nullable(),
});
same<Same<z.infer<typeof SiteStatusSchema>, R.SiteStatusView>>(true);
export const SitesSchema = z.object({ sites: z.array(SiteStatusSchema) });
export const SiteResponseSchema = z.object({ site: SiteStateSchema });

export const TenantViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  quotaGpus: z.number().nullable(),
  allowedJurisdictions: z.array(z.string()).nullable(),
  lendToServices: z.literal(false).optional(),
  createdAt: z.number(),
});
same<Same<z.infer<typeof TenantViewSchema>, R.TenantView>>(true);
export const TenantResponseSchema = z.object({ tenant: TenantViewSchema });
export const TenantsSchema = z.object({ tenants: z.array(TenantViewSchema) });

export const TokenIssuedSchema = z.object({ token: z.string(), tenant: z.string(), role: z.enum(ROLES) });
same<Same<z.infer<typeof TokenIssuedSchema>, R.TokenIssued>>(true);
export const TokenViewSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  role: z.enum(ROLES),
  name: z.string(),
  revoked: z.boolean(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
same<Same<z.infer<typeof TokenViewSchema>, R.TokenView>>(true);
export const TokensSchema = z.object({ tokens: z.array(TokenViewSchema) });
export const TokenResponseSchema = z.object({ token: TokenViewSchema });

export const MeSchema = z.object({
  tenant: z.string(),
  role: z.enum(ROLES),
  tokenId: z.string(),
  operator: z.boolean(),
});
same<Same<z.infer<typeof MeSchema>, R.Me>>(true);

export const HealthSchema = z.object({
  ok: z.boolean(),
  store: z.string(),
  leader: z.boolean(),
  replica: z.string(),
  planner: z.boolean(),
  errors: z.array(IssueSchema).optional(),
});
same<Same<z.infer<typeof HealthSchema>, R.Health>>(true);
export const LiveSchema = z.object({ ok: z.boolean() });

export const CatalogSchema = z.object({
  models: z.array(z.object({ id: z.string(), name: z.string() })),
  fabrics: z.array(z.string()),
  serverFabric: z.string(),
  policies: z.array(z.string()).readonly(),
  strategies: z.array(z.string()).readonly(),
});
same<Same<z.infer<typeof CatalogSchema>, R.Catalog>>(true);

export const TelemetrySchema = z.object({
  at: z.string(),
  carbonNote: z.string(),
  sites: z.array(
    z.object({
      id: z.string(),
      gridZone: z.string(),
      gpus: z.number(),
      usedGpus: z.number(),
      freeGpus: z.number(),
      powerCapMW: z.number(),
      powerDrawMW: z.number(),
      carbonGPerKWh: z.number().nullable(),
      priceUsdPerMWh: z.number().nullable(),
      carbonSource: z.string().nullable(),
    }),
  ),
  wanLinks: z.array(
    z.object({
      id: z.string(),
      a: z.string(),
      b: z.string(),
      capacityGbps: z.number(),
      latencyMs: z.number(),
      usedGbps: z.number(),
      utilization: z.number(),
      jobs: z.number(),
      measuredGbps: z.number().nullable(),
    }),
  ),
});
same<Same<z.infer<typeof TelemetrySchema>, R.Telemetry>>(true);

const opaque = (what: string) => z.object({}).catchall(z.unknown()).describe(what);
export const PlanResultSchema = opaque('the planner result: model, fabric, tokens, ranked plans (PlanResult)');
export const ExplorePlansResultSchema = opaque('the planner result and the fabric sites (ExplorePlansResponse)');
export const SweepViewSchema = opaque('the WAN sweep: cells and thresholds by bisection (SweepView)');
export const WhatIfResultSchema = opaque('twin runs compacted for charts (WhatIfResult)');
export const FabricViewSchema = opaque('the resolved fabric: sites, pods, WAN links (Fabric)');
export const HistorySchema = opaque('fleet time series: samples per site and WAN link, oldest first');
