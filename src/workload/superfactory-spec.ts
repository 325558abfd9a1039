// The superfactory workload mix (data/workloads/*.yaml): job classes with published or stated size and duration
// distributions, checked here. Bad input is an issue naming the field; nothing is defaulted silently.
import { z } from 'zod';
import { zodIssues } from '../core/issues.js';
import type { InputIssue } from '../fabric/types.js';
import { parameterCounts, type ModelLookup } from '../perf/index.js';
import { JOB_KINDS } from './types.js';
import { SYNTHETIC_STATE_GIB_PER_GPU } from './synthetic.js';

const positiveInt = z.number().int().positive();

const classSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, 'lower-case letters, digits and inner dashes'),
    kind: z.enum(JOB_KINDS),
    /** Share of the open (Poisson) classes' jobs; or `runs`, a fixed number submitted in `submitWithinHours`. */
    share: z.number().positive().max(1).optional(),
    runs: positiveInt.max(1000).optional(),
    submitWithinHours: z.number().nonnegative().optional(),
    gpus: z.strictObject({
      values: z.array(positiveInt).min(1),
      weights: z.array(z.number().positive()).min(1),
    }),
    /** Log-normal run time at full speed (hours), clamped to [min, max]. */
    hours: z.strictObject({
      median: z.number().positive(),
      sigma: z.number().nonnegative().max(5),
      min: z.number().min(1 / 60, 'at least one minute (1/60 h)'),
      max: z.number().positive(),
    }),
    models: z.array(z.string().min(1)).min(1),
    tenants: z.array(z.string().min(1)).min(1),
    priority: z.number().finite(),
    preemptible: z.boolean(),
    /** true/false, or a fraction under the checkpoint rule (assign.ts: 256+ GPUs always). */
    checkpointable: z.union([z.boolean(), z.number().min(0).max(1)]),
    /** deadline = submit + factor x duration; 0 or absent: no deadline. */
    deadlineFactor: z.number().nonnegative().optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.share === undefined) === (c.runs === undefined))
      ctx.addIssue({ code: 'custom', path: ['share'], message: 'give exactly one of share (open class) or runs' });
    if (c.gpus.values.length !== c.gpus.weights.length)
      ctx.addIssue({ code: 'custom', path: ['gpus', 'weights'], message: 'one weight per value in gpus.values' });
    if (!(c.hours.min <= c.hours.median && c.hours.median <= c.hours.max))
      ctx.addIssue({ code: 'custom', path: ['hours'], message: 'needs min <= median <= max' });
  });

export const workloadMixSchema = z.strictObject({
  name: z.string().min(1),
  sizedForGpus: positiveInt,
  days: z.number().positive().max(3650),
  targetLoad: z.number().positive().max(10),
  classes: z.array(classSchema).min(1),
  sources: z.record(z.string(), z.string()).optional(),
});

export type WorkloadMix = z.infer<typeof workloadMixSchema>;
export type WorkloadClass = WorkloadMix['classes'][number];

const HINTS: Record<string, string> = {
  share: 'an open class has share (0-1, the open shares summing to 1); a fixed class has runs',
  weights: 'give one positive weight per GPU count',
  hours: 'hours: { median, sigma, min, max } with min <= median <= max, in hours',
  checkpointable: 'true, false, or a fraction 0-1',
  kind: `use one of ${JOB_KINDS.join(', ')}`,
};

/** A mix's classes must each have a unique id and the open shares must sum to 1 (within 1e-6). */
function mixIssues(mix: WorkloadMix, where: string): InputIssue[] {
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  mix.classes.forEach((c, i) => {
    if (seen.has(c.id))
      issues.push({
        path: `${where}classes[${i}].id`,
        message: `"${c.id}" repeats`,
        hint: 'give each class its own id',
      });
    seen.add(c.id);
  });
  const open = mix.classes.filter((c) => c.share !== undefined);
  const sum = open.reduce((s, c) => s + (c.share ?? 0), 0);
  if (open.length > 0 && Math.abs(sum - 1) > 1e-6)
    issues.push({
      path: `${where}classes[].share`,
      message: `the open classes' shares sum to ${sum.toFixed(4)}, not 1`,
      hint: `scale them: ${open.map((c) => `${c.id} ${((c.share ?? 0) / sum).toFixed(4)}`).join(', ')}`,
    });
  return issues;
}

/** Check a parsed YAML/JSON object as a workload mix; `where` prefixes issue paths (e.g. the file name). */
export function parseWorkloadMix(input: unknown, where = ''): { mix?: WorkloadMix; issues: InputIssue[] } {
  const r = workloadMixSchema.safeParse(input, { reportInput: true });
  if (!r.success)
    return {
      issues: zodIssues(r.error, {
        pathPrefix: where || undefined,
        hints: HINTS,
        friendly: true,
        defaultHint: 'see src/workload/README.md ("Superfactory workload") for the format',
      }),
    };
  const issues = mixIssues(r.data, where);
  return issues.length ? { issues } : { mix: r.data, issues: [] };
}

/**
 * Model states (16 B/param: weights, gradients, Adam; ZeRO paper Sec. 3.1) must fit SYNTHETIC_STATE_GIB_PER_GPU
 * per GPU (the synthetic generator's ASSUMPTION), so every generated job is plannable.
 */
export function modelFits(params: number, gpus: number): boolean {
  return (params * 16) / 2 ** 30 <= gpus * SYNTHETIC_STATE_GIB_PER_GPU;
}

/**
 * For each class, the models that fit each GPU count (index-aligned with gpus.values). An unknown model or a
 * GPU count no listed model fits is an issue naming the class's field.
 */
export function fittingModels(
  mix: WorkloadMix,
  model: ModelLookup,
  where = '',
): { fits?: Map<string, string[][]>; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const params = new Map<string, number>();
  mix.classes.forEach((c, i) =>
    c.models.forEach((id, k) => {
      if (params.has(id)) return;
      try {
        params.set(id, parameterCounts(model(id)).total);
      } catch (e) {
        issues.push({
          path: `${where}classes[${i}].models[${k}]`,
          message: `unknown model "${id}": ${(e as Error).message.split('\n')[0]}`,
          hint: 'use a model id of data/models (the file name without .json)',
        });
      }
    }),
  );
  if (issues.length) return { issues };
  const fits = new Map<string, string[][]>();
  mix.classes.forEach((c, i) => {
    const perValue = c.gpus.values.map((g) => c.models.filter((id) => modelFits(params.get(id)!, g)));
    perValue.forEach((ok, k) => {
      if (ok.length === 0)
        issues.push({
          path: `${where}classes[${i}].gpus.values[${k}]`,
          message: `no model of ${c.id} fits ${c.gpus.values[k]} GPUs (16 B/param in ${SYNTHETIC_STATE_GIB_PER_GPU} GiB per GPU)`,
          hint: 'add a smaller model to the class, or raise the GPU count',
        });
    });
    fits.set(c.id, perValue);
  });
  return issues.length ? { issues } : { fits, issues: [] };
}
