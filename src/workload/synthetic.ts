// Synthetic workloads: Poisson or bursty (two-state Markov-modulated Poisson) arrivals,
// heavy-tailed sizes (Pareto, rounded to powers of two) and durations (log-normal), a kind mix.
import { z } from 'zod';
import { zodIssues } from '../core/issues.js';
import type { InputIssue } from '../fabric/types.js';
import { parameterCounts, type ModelLookup } from '../perf/index.js';
import { Rng } from '../core/rng.js';
import { checkpointsByRule, SMALL_MODEL } from './assign.js';
import type { JobKind } from '../sched/types.js';
import type { JobSpec } from './types.js';

// Strict: an unknown key is a typo, not a default; refuse it rather than run a different workload.
export const syntheticSpecSchema = z.strictObject({
  jobs: z.number().int().positive().max(5_000_000).default(1000),
  arrival: z.enum(['poisson', 'bursty']).default('poisson'),
  /** Mean arrivals per hour. */
  ratePerHour: z.number().positive().default(20),
  /** Bursty: rate multiplier while bursting, and mean burst / calm lengths (hours). */
  burstFactor: z.number().positive().default(8),
  burstHours: z.number().positive().default(1),
  calmHours: z.number().positive().default(6),
  /** Pareto shape of GPU counts (smaller = heavier tail). */
  sizeAlpha: z.number().positive().default(1.1),
  maxGpus: z.number().int().positive().default(4096),
  /** Median duration (hours) and log-normal sigma. */
  medianHours: z.number().positive().default(2),
  durationSigma: z.number().positive().default(1.5),
  maxHours: z
    .number()
    .positive()
    .default(24 * 14),
  tenants: z.number().int().positive().default(8),
  kinds: z
    .strictObject({
      pretraining: z.number().nonnegative(),
      finetune: z.number().nonnegative(),
      inference: z.number().nonnegative(),
    })
    .default({ pretraining: 0.1, finetune: 0.6, inference: 0.3 }),
  /** Fraction of jobs restricted to one of `jurisdictions`. */
  sovereignFraction: z.number().min(0).max(1).default(0),
  jurisdictions: z.array(z.string()).default(['US']),
  checkpointableFraction: z.number().min(0).max(1).default(0.9),
  highPriorityFraction: z.number().min(0).max(1).default(0.1),
  deadlineFactor: z.number().nonnegative().default(3),
  seed: z.number().int().default(1),
});

export type SyntheticSpec = z.infer<typeof syntheticSpecSchema>;

/**
 * Read "jobs=5000,arrival=bursty,ratePerHour=30,kinds=pretraining:0.2/finetune:0.5/inference:0.3"
 * (or a JSON object). Returns issues naming the field.
 */
export function parseSyntheticSpec(spec: string | Record<string, unknown>): {
  spec?: SyntheticSpec;
  issues: InputIssue[];
} {
  let obj: Record<string, unknown> = {};
  const issues: InputIssue[] = [];
  if (typeof spec === 'string') {
    const t = spec.trim();
    if (t.startsWith('{')) {
      try {
        obj = JSON.parse(t) as Record<string, unknown>;
      } catch (e) {
        issues.push({
          path: '--synthetic',
          message: `not valid JSON: ${(e as Error).message}`,
          hint: 'use key=value,key=value or a JSON object',
        });
      }
    } else if (t !== '') {
      for (const part of t.split(',')) {
        const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(part);
        if (!m) {
          issues.push({
            path: '--synthetic',
            message: `cannot read "${part}"`,
            hint: 'use key=value pairs separated by commas, e.g. jobs=1000,arrival=bursty',
          });
          continue;
        }
        const [, k, v] = m;
        if (k === 'kinds') {
          const kinds: Record<string, number> = { pretraining: 0, finetune: 0, inference: 0 };
          for (const kv of v.split('/')) {
            const [kk, vv] = kv.split(':');
            kinds[kk] = Number(vv);
          }
          obj.kinds = kinds;
        } else if (k === 'jurisdictions') obj.jurisdictions = v.split('/');
        else if (k === 'arrival') obj.arrival = v;
        else obj[k] = v === '' ? v : Number.isNaN(Number(v)) ? v : Number(v);
      }
    }
  } else obj = spec;
  if (issues.length) return { issues };
  const r = syntheticSpecSchema.safeParse(obj);
  if (!r.success) {
    // unknown keys: name the keys allowed at that level (the spec's, or the three kinds)
    const keyHints = (zi: (typeof r.error.issues)[number]): string | undefined =>
      zi.code === 'unrecognized_keys'
        ? `use ${zi.path.length ? 'pretraining, finetune, inference' : Object.keys(syntheticSpecSchema.shape).join(', ')}`
        : undefined;
    const converted = zodIssues(r.error, {
      pathPrefix: '--synthetic ',
      root: '',
      defaultHint: 'see src/workload/README.md for the synthetic spec keys and their defaults',
    });
    return {
      issues: converted.map((issue, k) => ({
        ...issue,
        path: issue.path.trimEnd(),
        hint: keyHints(r.error.issues[k]) ?? issue.hint,
      })),
    };
  }
  return { spec: r.data, issues: [] };
}

const MODELS_BY_KIND: Record<JobKind, string[]> = {
  pretraining: ['llama3-70b', 'llama3-405b', 'deepseek-v3', 'gpt3-175b'],
  finetune: ['llama3-8b', 'llama3-70b', 'mixtral-8x7b'],
  inference: ['llama3-8b', 'llama3-70b', 'mixtral-8x7b'],
};

/**
 * ASSUMPTION: a gang trains a model only if its weights, gradients and Adam states (16 B/param,
 * ZeRO paper section 3.1) fit in 48 GiB per GPU, 60% of an 80 GB-class GPU (the rest is left for
 * activations and the runtime). A drawn model that does not is replaced by the largest model of
 * the kind's list that does, else by the 1.7B GPT; so synthetic jobs are plannable on any catalog GPU.
 */
export const SYNTHETIC_STATE_GIB_PER_GPU = 48;
/** Parameter counts by model id, looked up once per id through the caller's model lookup. */
function paramsOf(lookup: ModelLookup): (id: string) => number {
  const cache = new Map<string, number>();
  return (id) => {
    let n = cache.get(id);
    if (n === undefined) cache.set(id, (n = parameterCounts(lookup(id)).total));
    return n;
  };
}
function fittingModel(drawn: string, list: readonly string[], gpus: number, params: (id: string) => number): string {
  const fits = (id: string): boolean => (params(id) * 16) / 2 ** 30 <= gpus * SYNTHETIC_STATE_GIB_PER_GPU;
  if (fits(drawn)) return drawn;
  const ok = list.filter(fits).sort((a, b) => params(b) - params(a));
  return ok[0] ?? SMALL_MODEL;
}

/** `model` resolves the zoo ids of MODELS_BY_KIND (the edge passes perf's loadModel). */
export function generateSynthetic(spec: SyntheticSpec, model: ModelLookup): JobSpec[] {
  const params = paramsOf(model);
  const rng = new Rng(spec.seed);
  const arr = rng.fork('arrivals');
  const attr = rng.fork('attributes');
  const jobs: JobSpec[] = [];
  let t = 0;
  let bursting = false;
  let switchAt = spec.arrival === 'bursty' ? arr.exp(spec.calmHours * 3600) : Infinity;
  const kindW = [spec.kinds.pretraining, spec.kinds.finetune, spec.kinds.inference];
  const kinds: JobKind[] = ['pretraining', 'finetune', 'inference'];
  for (let i = 0; i < spec.jobs; i++) {
    // arrivals
    for (;;) {
      const rate = (spec.ratePerHour / 3600) * (bursting ? spec.burstFactor : 1);
      const dt = arr.exp(1 / rate);
      if (t + dt < switchAt) {
        t += dt;
        break;
      }
      t = switchAt;
      bursting = !bursting;
      switchAt = t + arr.exp((bursting ? spec.burstHours : spec.calmHours) * 3600);
    }
    const kind = kinds[attr.weighted(kindW)];
    const p = attr.pareto(1, spec.sizeAlpha) * (kind === 'pretraining' ? 64 : 1);
    let gpus = Math.pow(2, Math.floor(Math.log2(p)));
    gpus = Math.max(1, Math.min(spec.maxGpus, gpus));
    const hours = Math.min(
      spec.maxHours,
      attr.lognormal(spec.medianHours * (kind === 'pretraining' ? 12 : 1), spec.durationSigma),
    );
    const durationS = Math.max(60, Math.round(hours * 3600));
    const models = MODELS_BY_KIND[kind];
    const modelId = fittingModel(models[attr.int(models.length)], models, gpus, params);
    const tenant = `tenant-${attr.int(spec.tenants)}`;
    const high = attr.next() < spec.highPriorityFraction;
    const ckptDraw = attr.next(); // drawn for every job, so the other attributes do not depend on the rule
    const sov = attr.next() < spec.sovereignFraction;
    const jur = spec.jurisdictions[attr.int(spec.jurisdictions.length)];
    const submitTimeS = Math.round(t);
    const job: JobSpec = {
      id: `syn-${i}`,
      tenant,
      priority: high ? 2 : kind === 'inference' ? 1 : 0,
      gpus,
      kind,
      modelId,
      preemptible: !high && kind !== 'inference',
      checkpointable: checkpointsByRule(kind, gpus, ckptDraw, spec.checkpointableFraction),
      submitTimeS,
      durationS,
    };
    if (sov && jur) job.allowedJurisdictions = [jur];
    if (kind !== 'inference' && spec.deadlineFactor > 0) job.deadlineS = submitTimeS + durationS * spec.deadlineFactor;
    jobs.push(job);
  }
  return jobs;
}
