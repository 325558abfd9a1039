// Request schemas of the control-plane API (zod): the server parses with them, the CLI builds bodies
// against their types, and /openapi.json documents them. Input problems become {path, message, hint}.
import { z } from 'zod';
import { zodIssues, type InputIssue } from '../core/issues.js';
import { JURISDICTION_PATTERN } from '../core/jurisdiction.js';
import { PLAN_HINTS, PLAN_LIMITS, planFields } from '../core/plan-request.js';
import { EXECUTOR_KINDS, JOB_STATES, ROLES } from './states.js';
import { DatasetsField } from './datasets.js';

/** Hints by top-level field: what a good value looks like (plan fields: the planner's own hints). */
export const REQUEST_HINTS: Readonly<Record<string, string>> = {
  ...PLAN_HINTS,
  name: 'a short label, 1-200 characters',
  model: 'a model zoo id such as llama3-8b, or an inline model object with name, layers, hiddenSize, ...',
  priority: 'an integer from -1000 to 1000; larger runs first under the priority policy',
  allowedJurisdictions: 'a list of jurisdiction codes such as ["US-GA", "US-WI"] or ["US"]',
  deadline: 'an ISO-8601 date-time such as 2026-12-01T00:00:00Z',
  command: 'argv as a list of strings, e.g. ["python", "train.py"]',
  executor: `one of ${EXECUTOR_KINDS.join(', ')}`,
  lendable: 'true or false: whether a service may borrow the job’s GPUs (it suspends at its next checkpoint)',
  lendToServices: 'true or false: whether services may borrow this tenant’s jobs’ GPUs',
  env: 'an object of string environment variables',
  state: `one of ${JOB_STATES.join(', ')}`,
  limit: 'an integer from 1 to 1000 (GET /v1/jobs/:id/logs: bytes, 1 to 4194304)',
  offset: 'a byte offset from 0: the nextOffset of the previous page',
  download: '1 for the whole log as a file',
  format: 'text (default) or json',
  cursor: 'the nextCursor of the previous page, unchanged',
  role: `one of ${ROLES.join(', ')}`,
};

/** zod issues -> the API's issues (paths like `command[0]`, `(body)` for the whole body, hints by field). */
export function requestIssues(error: z.ZodError): InputIssue[] {
  return zodIssues(error, {
    root: '(body)',
    hints: (path) => REQUEST_HINTS[String(path[0] ?? '')],
    defaultHint: 'see /docs for the request schema',
  });
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; issues: InputIssue[] };

/** Parses a request part; every issue is reported, none thrown. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): Parsed<z.infer<T>> {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, data: r.data } : { ok: false, issues: requestIssues(r.error) };
}

// Plan fields (model, gpus, tokens, sites, jurisdictions, top) take the one plan request's limits (src/core/plan-request.ts).
export const JURISDICTION = z.string().regex(JURISDICTION_PATTERN, 'not a jurisdiction code');
export const JURISDICTIONS = planFields.allow;
export const ID = z.string().min(1).max(PLAN_LIMITS.siteIdMaxChars);
export const IdParam = z.object({ id: ID });

export const InlineModelSchema = z
  .object({
    name: z.string().min(1).max(200),
    layers: z.number().int().positive(),
    hiddenSize: z.number().int().positive(),
    ffnHiddenSize: z.number().int().positive(),
    attentionHeads: z.number().int().positive(),
    kvHeads: z.number().int().positive(),
    vocabSize: z.number().int().positive(),
    seqLength: z.number().int().positive(),
    gatedMlp: z.boolean(),
  })
  .passthrough();
export type InlineModelBody = z.infer<typeof InlineModelSchema>;

export const ModelChoice = z.union([z.string().min(1).max(PLAN_LIMITS.modelIdMaxChars), InlineModelSchema]);

export const SubmitJobSchema = z
  .object({
    name: z.string().min(1).max(200),
    model: ModelChoice,
    gpus: planFields.gpus.optional(),
    tokens: planFields.tokens.optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    allowedJurisdictions: JURISDICTIONS.optional(),
    checkpointable: z.boolean().optional(),
    preemptible: z.boolean().optional(),
    /** false: never suspended (at a checkpoint) to lend its GPUs to a service replica; default: when checkpointable. */
    lendable: z.boolean().optional(),
    deadline: z.iso.datetime({ offset: true }).optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    executor: z.enum(EXECUTOR_KINDS).optional(),
    /** Only these sites may run the job (each must be a site of the server's fabric). */
    sites: planFields.sites
      .refine((ids) => new Set(ids).size === ids.length, 'a site is listed more than once')
      .optional(),
    /** Strategies the planner may choose from (e.g. ["diloco"] to train across sites with local SGD). */
    strategies: planFields.strategies.optional(),
    dilocoInnerSteps: planFields.dilocoInnerSteps.optional(),
    dilocoOuterBits: planFields.dilocoOuterBits.optional(),
    dilocoStreaming: planFields.dilocoStreaming.optional(),
    /** Dataset folder per site ({site: absolute path}); missing replicas are copied before the job starts. */
    datasets: DatasetsField.optional(),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'), z.string().max(4096))
      .optional(),
  })
  .strict()
  .refine((b) => b.gpus !== undefined || b.tokens !== undefined, {
    message: 'give gpus or tokens (or both)',
    path: ['gpus'],
  });
export type SubmitJobBody = z.infer<typeof SubmitJobSchema>;

export const PlanSchema = z
  .object({
    model: ModelChoice,
    gpus: planFields.gpus.optional(),
    tokens: planFields.tokens.optional(),
    sites: planFields.sites.optional(),
    allowedJurisdictions: JURISDICTIONS.optional(),
    top: planFields.top.optional(),
    /** bf16 (default), fp8 (Hopper/Blackwell), or auto: the planner tries both where the GPU has FP8. */
    precision: planFields.precision.optional(),
  })
  .strict();
export type PlanBody = z.infer<typeof PlanSchema>;

export const ListJobsQuery = z
  .object({
    tenant: ID.optional(),
    state: z
      .string()
      .transform((s) => s.split(','))
      .pipe(z.array(z.enum(JOB_STATES)))
      .optional(),
    site: ID.optional(),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type ListJobsParams = z.infer<typeof ListJobsQuery>;

export const EventsQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    job: ID.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type EventsParams = z.infer<typeof EventsQuery>;

/** Largest page of GET /v1/jobs/:id/logs (bytes); a whole log: download=1. */
export const LOG_PAGE_MAX_BYTES = 4 * 1024 * 1024;

export const LogsQuery = z
  .object({
    /** First byte of the page; absent: the last `limit` bytes (a tail). */
    offset: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(LOG_PAGE_MAX_BYTES).optional(),
    /** 1: the whole log as an attachment (offset and limit ignored). */
    download: z.enum(['0', '1', 'true', 'false']).optional(),
    /** json: the page with its offsets as JSON (JobLogPage); text (default): the bytes, offsets in headers. */
    format: z.enum(['text', 'json']).optional(),
  })
  .strict();
export type LogsParams = z.infer<typeof LogsQuery>;

export const HeartbeatSchema = z.object({ at: z.number().optional() }).strict().optional();

export const TenantBody = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1).max(200).optional(),
    quotaGpus: z.number().int().positive().nullable().optional(),
    allowedJurisdictions: JURISDICTIONS.nullable().optional(),
    /** false: none of the tenant's jobs lends its GPUs to a service (true: they may again). */
    lendToServices: z.boolean().optional(),
  })
  .strict();
export type TenantCreateBody = z.infer<typeof TenantBody>;
export const TenantPatch = TenantBody.omit({ id: true });
export type TenantPatchBody = z.infer<typeof TenantPatch>;

export const TokenParams = z.object({ id: ID, tokenId: ID });

/** Longest Idempotency-Key accepted (a longer one is refused, never cut: two keys must not collide). */
export const IDEMPOTENCY_KEY_MAX_CHARS = 200;

export const TokenBody = z.object({ role: z.enum(ROLES), name: z.string().min(1).max(100).optional() }).strict();
export type TokenCreateBody = z.infer<typeof TokenBody>;
