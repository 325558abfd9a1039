// Inference placement on the wire (issue 15): the demand file / request body schemas (zod) shared by
// `superfactory inference plan`, POST /v1/inference/plans and the dashboard, and the response type.
import { z } from 'zod';
import { zodIssues, type InputIssue } from '../core/issues.js';
import { JURISDICTION, ModelChoice, ID } from './requests.js';
import type { InferencePlacement } from '../planner/inference/types.js';

export type {
  InferencePlacement,
  InferenceDemand,
  DemandRegion,
  SiteReplicas,
  RegionLatency,
  RoutingShare,
  FailoverCase,
  RegionSiteLatency,
} from '../planner/inference/types.js';

/** Bounds that keep one placement request small enough to answer in seconds (50 regions x 8 sites: ~3 s; a choice). */
export const INFERENCE_LIMITS = { regions: 50, requestsPerSecond: 1e7, tokens: 1e7, sloMs: 1e6 } as const;

const TokenDistribution = z
  .object({
    mean: z.number().min(1).max(INFERENCE_LIMITS.tokens),
    p99: z.number().min(1).max(INFERENCE_LIMITS.tokens),
  })
  .strict()
  .refine((t) => t.p99 >= t.mean, { message: 'p99 is below the mean', path: ['p99'] });

export const DemandRegionSchema = z
  .object({
    id: ID,
    name: z.string().max(200).optional(),
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    measuredRegion: z.string().min(1).max(100).optional(),
    requestsPerSecond: z.number().positive().max(INFERENCE_LIMITS.requestsPerSecond),
    promptTokens: TokenDistribution,
    outputTokens: TokenDistribution,
    allowedJurisdictions: z.array(JURISDICTION).max(50).optional(),
  })
  .strict();

export const InferenceDemandSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    source: z.string().max(2000).optional(),
    regions: z
      .array(DemandRegionSchema)
      .min(1)
      .max(INFERENCE_LIMITS.regions)
      .refine((rs) => new Set(rs.map((r) => r.id)).size === rs.length, 'a region id is listed more than once'),
  })
  .strict();

const SloMs = z.number().positive().max(INFERENCE_LIMITS.sloMs);

export const InferencePlanSchema = z
  .object({
    model: ModelChoice,
    /** A demand object, or the id of a preset in data/inference. */
    demand: z.union([z.string().min(1).max(200), InferenceDemandSchema]),
    ttftP99Ms: SloMs,
    tpotP99Ms: SloMs,
    objective: z.enum(['cost', 'carbon']).optional(),
    /** Keep the SLOs with any one site lost (default true). */
    nPlusOne: z.boolean().optional(),
    sites: z.array(ID).min(1).max(1000).optional(),
    /** Rental price per GPU-hour by system id, USD, added to the energy cost (default: energy only). */
    gpuHourUsd: z.record(ID, z.number().min(0).max(1000)).optional(),
    /** GPUs free for serving by site id (default on the API: the control plane's free GPUs per site). */
    gpusAvailable: z.record(ID, z.number().int().min(0).max(1e7)).optional(),
  })
  .strict();
export type InferencePlanBody = z.infer<typeof InferencePlanSchema>;

/** What POST /v1/inference/plans answers: the placement, with the fabric it was made on. */
export interface InferencePlanResponse {
  fabric: string;
  demand: string;
  placement: InferencePlacement;
}

/** Hints by field for the schema's issues. */
export const INFERENCE_HINTS: Readonly<Record<string, string>> = {
  model: 'a model zoo id such as llama3-70b, or an inline model object',
  demand: 'a preset id such as azure-conv-americas, or {name, regions: [{id, lat, lon, requestsPerSecond, ...}]}',
  ttftP99Ms: 'p99 time to first token in ms, e.g. 500',
  tpotP99Ms: 'p99 time per output token in ms, e.g. 50',
  objective: 'cost or carbon',
  nPlusOne: 'true (default) or false',
  sites: 'site ids of the fabric, e.g. ["atl", "wi"]',
  gpusAvailable: 'free GPUs by site id, e.g. {"atl": 64}',
  gpuHourUsd: 'an object of USD per GPU-hour by system id, e.g. {"hgx-h100": 2.5}',
};

/** zod issues of an inference request or demand file -> {path, message, hint} (friendly messages, hints by field). */
export function inferenceIssues(error: z.ZodError, pathPrefix?: string): InputIssue[] {
  return zodIssues(error, {
    ...(pathPrefix ? { pathPrefix } : { root: '(body)' }),
    friendly: true,
    hints: (path) => INFERENCE_HINTS[String(path[0] ?? '')],
    defaultHint: 'see data/inference/README.md for the demand format',
  });
}

const Plan = z.object({ tp: z.number(), pp: z.number(), ep: z.number(), precision: z.string(), maxBatch: z.number() });
const Latency = z.object({
  regionId: z.string(),
  ttftP99Ms: z.number(),
  tpotP99Ms: z.number(),
  rttMs: z.number(),
  meetsSlo: z.boolean(),
});
const Share = z.object({ regionId: z.string(), siteId: z.string(), share: z.number(), requestsPerSecond: z.number() });

/** The response's shape for /openapi.json and the API test (the type above is the source of truth). */
export const InferencePlanResponseSchema = z.object({
  fabric: z.string(),
  demand: z.string(),
  placement: z
    .object({
      modelId: z.string(),
      objective: z.enum(['cost', 'carbon']),
      slo: z.object({ ttftP99Ms: z.number(), tpotP99Ms: z.number() }),
      regions: z.array(
        z.object({ id: z.string(), lat: z.number(), lon: z.number(), requestsPerSecond: z.number() }).passthrough(),
      ),
      replicas: z.array(
        z
          .object({
            siteId: z.string(),
            lat: z.number(),
            lon: z.number(),
            systemId: z.string(),
            gpusPerReplica: z.number(),
            count: z.number(),
            plan: Plan.passthrough(),
          })
          .passthrough(),
      ),
      routing: z.array(Share),
      latency: z.array(Latency),
      latencies: z.array(
        z
          .object({ regionId: z.string(), siteId: z.string(), rttMs: z.number(), basis: z.enum(['measured', 'fiber']) })
          .passthrough(),
      ),
      failover: z.array(
        z
          .object({ lostSiteId: z.string(), routing: z.array(Share), latency: z.array(Latency), meetsSlo: z.boolean() })
          .passthrough(),
      ),
      nPlusOne: z.boolean(),
      totals: z.object({ replicas: z.number(), gpus: z.number(), costUsdPerHour: z.number() }).passthrough(),
      explanation: z.array(z.string()),
      candidatesEvaluated: z.number(),
      assumptions: z.array(z.string()),
    })
    .passthrough(),
});
