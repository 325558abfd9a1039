// Wire contract of live services (issue 15, "Live"): request schemas for POST/PATCH /v1/services and the router's
// generate call, and the views the API answers with. Server, CLI and dashboard share them.
import { z } from 'zod';
import { zodIssues, type InputIssue } from '../core/issues.js';
import { ID, JURISDICTIONS } from './requests.js';

/** Replicas one service may run at most (a bound on what one request can start). */
export const SERVICE_MAX_REPLICAS = 32;
/** The model examples/serve/serve.py serves: the reference GPT of examples/train. */
export const REFERENCE_MODEL = 'reference';

export const SERVICE_HINTS: Readonly<Record<string, string>> = {
  name: 'lower-case letters, digits and dashes, 1-63 characters, starting with a letter or digit',
  model: `"${REFERENCE_MODEL}" (examples/serve) or a model zoo id such as llama3-8b`,
  slo: 'an object {"ttftP99Ms": 500, "tpotP99Ms": 50}: p99 time to first token and per output token, in ms',
  allowedSites: 'a list of site ids of the fabric (GET /v1/sites)',
  allowedJurisdictions: 'a list of jurisdiction codes such as ["US-GA", "US-WI"] or ["US"]',
  minReplicas: `an integer from 0 to ${SERVICE_MAX_REPLICAS}, at most maxReplicas`,
  maxReplicas: `an integer from 1 to ${SERVICE_MAX_REPLICAS}, at least minReplicas`,
  command: 'argv of one replica as a list of strings (it must serve GET /healthz and POST /v1/generate)',
  env: 'an object of string environment variables',
  gpusPerReplica: 'an integer from 1 to 8',
  prompt: 'a non-empty string of at most 4096 characters',
  maxTokens: 'an integer from 1 to 1024',
  origin: 'the site id of the fabric nearest the caller (the router adds its network latency)',
  limit: 'an integer from 1 to 1000',
};

export const ServiceSloSchema = z
  .object({
    ttftP99Ms: z.number().positive().max(600_000),
    tpotP99Ms: z.number().positive().max(60_000),
  })
  .strict();

const replicas = z.number().int().min(0).max(SERVICE_MAX_REPLICAS);

export const CreateServiceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'not a service name'),
    model: z.string().min(1).max(200),
    slo: ServiceSloSchema,
    allowedSites: z.array(ID).min(1).max(64).optional(),
    allowedJurisdictions: JURISDICTIONS.optional(),
    minReplicas: replicas.optional(),
    maxReplicas: replicas.min(1).optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'), z.string().max(4096))
      .optional(),
    gpusPerReplica: z.number().int().min(1).max(8).optional(),
  })
  .strict()
  .refine((b) => (b.minReplicas ?? 1) <= (b.maxReplicas ?? Math.max(1, b.minReplicas ?? 1)), {
    message: 'minReplicas is larger than maxReplicas',
    path: ['minReplicas'],
  });
export type CreateServiceBody = z.infer<typeof CreateServiceSchema>;

/** PATCH /v1/services/:id: new bounds (the autoscaler keeps the replica count inside them). */
export const ScaleServiceSchema = z
  .object({ minReplicas: replicas.optional(), maxReplicas: replicas.min(1).optional() })
  .strict()
  .refine((b) => b.minReplicas !== undefined || b.maxReplicas !== undefined, {
    message: 'give minReplicas or maxReplicas (or both)',
    path: ['minReplicas'],
  });
export type ScaleServiceBody = z.infer<typeof ScaleServiceSchema>;

export const GenerateSchema = z
  .object({
    prompt: z.string().min(1).max(4096),
    maxTokens: z.number().int().min(1).max(1024).optional(),
    origin: ID.optional(),
  })
  .strict();
export type GenerateBody = z.infer<typeof GenerateSchema>;

export const ServiceRequestsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }).strict();

/** zod issues -> {path, message, hint} with the services' hints. */
export function serviceIssues(error: z.ZodError): InputIssue[] {
  return zodIssues(error, {
    root: '(body)',
    hints: (path) => SERVICE_HINTS[String(path[0] ?? '')],
    defaultHint: 'see /docs for the request schema',
  });
}

export type ReplicaState = 'starting' | 'healthy' | 'unhealthy' | 'stopping';

export interface ReplicaView {
  id: string;
  site: string;
  state: ReplicaState;
  /** host:port the router sends requests to. */
  endpoint: string;
  runKey: string;
  inflight: number;
  /** EWMA of the TTFT the router measured through this replica (null before its first request). */
  ttftEwmaMs: number | null;
  tpotEwmaMs: number | null;
  startedAt: number;
  healthyAt: number | null;
  reason: string | null;
}

export interface ServiceMetricsView {
  windowS: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
  tpotP50Ms: number | null;
  tpotP99Ms: number | null;
  /** Share of requests in the window that met both SLO bounds (errors count as misses); null with none. */
  sloAttainment: number | null;
  inflight: number;
  healthyReplicas: number;
}

export interface ServiceView {
  id: string;
  tenantId: string;
  name: string;
  model: string;
  slo: { ttftP99Ms: number; tpotP99Ms: number };
  allowedSites: string[] | null;
  allowedJurisdictions: string[] | null;
  minReplicas: number;
  maxReplicas: number;
  /** What the autoscaler wants now (within min..max). */
  desiredReplicas: number;
  command: string[];
  gpusPerReplica: number;
  createdAt: string;
  updatedAt: string;
  replicas: ReplicaView[];
  metrics: ServiceMetricsView;
  /** The autoscaler's last decision, in words. */
  scaling: string | null;
}

export interface ServiceRequestView {
  id: string;
  at: string;
  site: string | null;
  replica: string | null;
  promptTokens: number;
  outputTokens: number;
  /** Router-measured: request received -> first token line from the replica (ms). */
  ttftMs: number | null;
  /** Router-measured: (last token - first token) / (output tokens - 1), ms. */
  tpotMs: number | null;
  /** Network round trip from the origin to the replica's site added by the router's choice (fiber model), ms. */
  networkRttMs: number;
  withinSlo: boolean;
  error: string | null;
}

export interface ServiceResponse {
  service: ServiceView;
}
export interface ServiceListResponse {
  services: ServiceView[];
}
export interface ServiceRequestsResponse {
  requests: ServiceRequestView[];
}

// ---- response schemas (zod) for /openapi.json, each checked against its type above at compile time ----
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(_: T) => _;
const nullableNumber = z.number().nullable();

export const ReplicaViewSchema = z.object({
  id: z.string(),
  site: z.string(),
  state: z.enum(['starting', 'healthy', 'unhealthy', 'stopping']),
  endpoint: z.string(),
  runKey: z.string(),
  inflight: z.number(),
  ttftEwmaMs: nullableNumber,
  tpotEwmaMs: nullableNumber,
  startedAt: z.number(),
  healthyAt: nullableNumber,
  reason: z.string().nullable(),
});
same<Same<z.infer<typeof ReplicaViewSchema>, ReplicaView>>(true);

export const ServiceMetricsViewSchema = z.object({
  windowS: z.number(),
  requests: z.number(),
  errors: z.number(),
  requestsPerSecond: z.number(),
  ttftP50Ms: nullableNumber,
  ttftP99Ms: nullableNumber,
  tpotP50Ms: nullableNumber,
  tpotP99Ms: nullableNumber,
  sloAttainment: nullableNumber,
  inflight: z.number(),
  healthyReplicas: z.number(),
});
same<Same<z.infer<typeof ServiceMetricsViewSchema>, ServiceMetricsView>>(true);

export const ServiceViewSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  model: z.string(),
  slo: z.object({ ttftP99Ms: z.number(), tpotP99Ms: z.number() }),
  allowedSites: z.array(z.string()).nullable(),
  allowedJurisdictions: z.array(z.string()).nullable(),
  minReplicas: z.number(),
  maxReplicas: z.number(),
  desiredReplicas: z.number(),
  command: z.array(z.string()),
  gpusPerReplica: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  replicas: z.array(ReplicaViewSchema),
  metrics: ServiceMetricsViewSchema,
  scaling: z.string().nullable(),
});
same<Same<z.infer<typeof ServiceViewSchema>, ServiceView>>(true);

export const ServiceRequestViewSchema = z.object({
  id: z.string(),
  at: z.string(),
  site: z.string().nullable(),
  replica: z.string().nullable(),
  promptTokens: z.number(),
  outputTokens: z.number(),
  ttftMs: nullableNumber,
  tpotMs: nullableNumber,
  networkRttMs: z.number(),
  withinSlo: z.boolean(),
  error: z.string().nullable(),
});
same<Same<z.infer<typeof ServiceRequestViewSchema>, ServiceRequestView>>(true);

export const ServiceResponseSchema = z.object({ service: ServiceViewSchema });
export const ServiceListResponseSchema = z.object({ services: z.array(ServiceViewSchema) });
export const ServiceMetricsResponseSchema = z.object({ metrics: ServiceMetricsViewSchema });
export const ServiceRequestsResponseSchema = z.object({ requests: z.array(ServiceRequestViewSchema) });
