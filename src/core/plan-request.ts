// The one schema and limits of a plan request (and of a WAN sweep), shared by the CLI, the API, the what-if routes
// and the planner. Field names are the planner's; an edge that names a field differently (the API's
// allowedJurisdictions) maps it, and an edge reading strings (CLI flags) turns them into numbers first.
import { z } from 'zod';
import { JURISDICTION_PATTERN } from './jurisdiction.js';
import { zodIssues, type InputIssue } from './issues.js';
import { STRATEGIES } from './strategies.js';

/**
 * Input limits. These are sanity bounds on requests (not hardware figures): large enough for any real fabric
 * (the largest preset has ~10^5 GPUs), small enough that a typo cannot ask the planner for a 10^18-GPU search.
 */
export const PLAN_LIMITS = {
  gpusMax: 10_000_000,
  tokensMax: 1e18,
  gbsMax: 100_000_000,
  tokensPerStepMax: 1e12,
  sitesMax: 100,
  siteIdMaxChars: 100,
  modelIdMaxChars: 100,
  jurisdictionsMax: 50,
  topMax: 50,
  wanCapacityGbpsMax: 1e8,
  wanLatencyMsMax: 1000,
  dilocoInnerStepsMax: 1_000_000,
  dilocoOuterBits: [4, 8, 16, 32] as const,
  /** WAN sweep grid: capacities x latencies (each cell is a full plan search). */
  sweepCapacitiesMax: 10,
  sweepLatenciesMax: 8,
} as const;

const L = PLAN_LIMITS;

/** What to write instead, per field (the hint of an issue). */
export const PLAN_HINTS: Readonly<Record<string, string>> = {
  model: 'a model zoo id such as llama3-8b (data/models), or an inline model object',
  gpus: `a whole number of GPUs from 1 to ${L.gpusMax.toLocaleString('en-US')}, e.g. 4096`,
  sites: `a list of 1 to ${L.sitesMax} distinct site ids of the fabric, e.g. atl,wi`,
  allow: `a list of 1 to ${L.jurisdictionsMax} jurisdiction codes such as US-GA,US-WI or US`,
  tokens: 'tokens to train, a number > 0 and at most 1e18, e.g. 1e12',
  gbs: `a target global batch in sequences, a whole number from 1 to ${L.gbsMax.toLocaleString('en-US')}, e.g. 1024`,
  tokensPerStep: 'target tokens per step, a number > 0 and at most 1e12, e.g. 16e6',
  top: `how many plans to list, a whole number from 1 to ${L.topMax}, e.g. 5`,
  wanCapacityGbps: `WAN capacity in Gb/s, > 0 and at most ${L.wanCapacityGbpsMax.toExponential()}, e.g. 1000`,
  wanLatencyMs: `one-way WAN latency in ms, > 0 and at most ${L.wanLatencyMsMax} (light in fiber: 4.9 us/km)`,
  strategies: `one or more of ${STRATEGIES.join(', ')}`,
  dilocoInnerSteps: `DiLoCo inner steps between outer synchronizations, 1 to ${L.dilocoInnerStepsMax}, e.g. 100`,
  dilocoOuterBits: `bits per outer-gradient element: ${L.dilocoOuterBits.join(', ')}`,
  dilocoStreaming: 'true or false',
  precision: 'bf16, fp8 (Hopper/Blackwell GPUs only) or auto (the planner tries both where the GPU has FP8)',
  dilocoTokenEfficiency: 'a fraction > 0 and at most 1 of synchronous training token efficiency, e.g. 0.95',
  wanGbpsList: `1 to ${L.sweepCapacitiesMax} WAN capacities in Gb/s, each > 0, e.g. 100,1000,10000`,
  wanLatencyMsList: `1 to ${L.sweepLatenciesMax} one-way WAN latencies in ms, each > 0, e.g. 5,10,20`,
};

const positiveInt = (max: number) => z.number().int().positive().max(max);
const modelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'not a model id')
  .max(L.modelIdMaxChars);
const siteId = z.string().min(1).max(L.siteIdMaxChars);
const jurisdiction = z.string().regex(JURISDICTION_PATTERN, 'not a jurisdiction code');
const wanGbps = z.number().positive().max(L.wanCapacityGbpsMax);
const wanLatencyMs = z.number().positive().max(L.wanLatencyMsMax);

/** Each field's schema, for an edge composing its own body (e.g. with its own field names). */
export const planFields = {
  /** A zoo id, or an inline model object (checked by perf's parseModel). */
  model: z.union([modelId, z.record(z.string(), z.unknown())]),
  gpus: positiveInt(L.gpusMax),
  sites: z.array(siteId).min(1).max(L.sitesMax),
  allow: z.array(jurisdiction).min(1).max(L.jurisdictionsMax),
  tokens: z.number().positive().max(L.tokensMax),
  gbs: positiveInt(L.gbsMax),
  tokensPerStep: z.number().positive().max(L.tokensPerStepMax),
  top: positiveInt(L.topMax),
  wanCapacityGbps: wanGbps,
  wanLatencyMs,
  strategies: z.array(z.enum(STRATEGIES)).min(1),
  dilocoInnerSteps: positiveInt(L.dilocoInnerStepsMax),
  dilocoOuterBits: z.literal(L.dilocoOuterBits),
  dilocoStreaming: z.boolean(),
  dilocoTokenEfficiency: z.number().positive().max(1),
  precision: z.enum(['bf16', 'fp8', 'auto']),
  wanGbpsList: z.array(wanGbps).min(1).max(L.sweepCapacitiesMax),
  wanLatencyMsList: z.array(wanLatencyMs).min(1).max(L.sweepLatenciesMax),
} as const;

const F = planFields;

/** A site listed twice is a typo, not a bigger budget. */
function noRepeatedSites(value: { sites?: string[] }, ctx: z.RefinementCtx): void {
  const sites = value.sites;
  if (!sites) return;
  const repeated = [...new Set(sites.filter((id, i) => sites.indexOf(id) !== i))];
  if (repeated.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['sites'],
      message: `site ${repeated.join(', ')} is listed more than once`,
    });
}

const planOptionsShape = {
  gpus: F.gpus.optional(),
  sites: F.sites.optional(),
  allow: F.allow.optional(),
  tokens: F.tokens.optional(),
  gbs: F.gbs.optional(),
  tokensPerStep: F.tokensPerStep.optional(),
  top: F.top.optional(),
  wanCapacityGbps: F.wanCapacityGbps.optional(),
  wanLatencyMs: F.wanLatencyMs.optional(),
  strategies: F.strategies.optional(),
  dilocoInnerSteps: F.dilocoInnerSteps.optional(),
  dilocoOuterBits: F.dilocoOuterBits.optional(),
  dilocoStreaming: F.dilocoStreaming.optional(),
  dilocoTokenEfficiency: F.dilocoTokenEfficiency.optional(),
  precision: F.precision.optional(),
};

/** The fields of PlanOptions (a library caller picks them from a wider object). */
export const PLAN_OPTION_KEYS = Object.keys(planOptionsShape) as (keyof typeof planOptionsShape)[];

/** The PlanOptions fields of `input` that are defined, nothing else (e.g. a request that also carries a callback). */
export function pickPlanOptions(input: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PLAN_OPTION_KEYS) {
    const v = (input as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** What the planner is asked, beyond the model and fabric. */
export const PlanOptionsSchema = z.object(planOptionsShape).strict().superRefine(noRepeatedSites);
export type PlanOptions = z.infer<typeof PlanOptionsSchema>;

/** A plan request over the wire: the model by id (or inline) and the options. */
export const PlanRequestSchema = z
  .object({ model: F.model, ...planOptionsShape })
  .strict()
  .superRefine(noRepeatedSites);
export type PlanRequestBody = z.infer<typeof PlanRequestSchema>;

/** A WAN sweep: two or more sites, a capacity list and a latency list (what-if overrides are the grid). */
export const SweepOptionsSchema = z
  .object({
    gpus: F.gpus.optional(),
    sites: F.sites.min(2).optional(),
    gbs: F.gbs.optional(),
    tokensPerStep: F.tokensPerStep.optional(),
    wanGbpsList: F.wanGbpsList,
    wanLatencyMsList: F.wanLatencyMsList,
    precision: F.precision.optional(),
  })
  .strict()
  .superRefine(noRepeatedSites);
export type SweepOptions = z.infer<typeof SweepOptionsSchema>;

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

const SWEEP_HINTS: Readonly<Record<string, string>> = {
  ...PLAN_HINTS,
  sites: `a list of 2 to ${L.sitesMax} distinct site ids of the fabric (a sweep joins two or more), e.g. atl,wi`,
};

function check<T>(
  schema: z.ZodType<T>,
  input: unknown,
  pathPrefix?: string,
  hints: Readonly<Record<string, string>> = PLAN_HINTS,
): Checked<T> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, issues: zodIssues(r.error, { pathPrefix, hints, friendly: true }) };
}

/** Checks plan options (undefined fields are left out first, so `{gpus: undefined}` means "no budget"). */
export function checkPlanOptions(input: Record<string, unknown>, pathPrefix?: string): Checked<PlanOptions> {
  return check(PlanOptionsSchema, definedOnly(input), pathPrefix);
}

export function checkPlanRequest(input: unknown, pathPrefix?: string): Checked<PlanRequestBody> {
  return check(PlanRequestSchema, input, pathPrefix);
}

export function checkSweepOptions(input: Record<string, unknown>, pathPrefix?: string): Checked<SweepOptions> {
  return check(SweepOptionsSchema, definedOnly(input), pathPrefix, SWEEP_HINTS);
}

function definedOnly(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v;
  return out;
}
