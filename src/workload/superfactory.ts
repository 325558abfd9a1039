// The superfactory workload generator: a mix's fixed runs (frontier pre-training) plus open classes arriving as a
// Poisson process whose rate makes the offered GPU-hours a stated fraction of the fleet's (targetLoad).
// Pure: the mix and a model lookup in, jobs out; seeded streams of its own, apart from the twin's failure stream.
import type { InputIssue } from '../fabric/types.js';
import type { ModelLookup } from '../perf/index.js';
import { Rng } from '../core/rng.js';
import { checkpointsByRule } from './assign.js';
import { fittingModels, type WorkloadClass, type WorkloadMix } from './superfactory-spec.js';
import type { JobSpec } from './types.js';

export * from './superfactory-spec.js';

/** What a caller may change without editing the mix file. */
export interface WorkloadOverrides {
  seed?: number;
  /** The fleet the load is relative to (the fabric's GPUs); default the mix's sizedForGpus. */
  fleetGpus?: number;
  days?: number;
  targetLoad?: number;
  /** Open-class arrivals per hour instead of the rate targetLoad gives. */
  ratePerHour?: number;
  /** Stop after this many open-class jobs instead of at the end of the window. */
  jobs?: number;
  /** Leave out GPU counts above this (default: the fleet); a class with none left is left out (a note says so). */
  maxGpus?: number;
}

export interface GeneratedWorkload {
  jobs: JobSpec[];
  /** Open-class arrivals per hour used. */
  ratePerHour: number;
  /** Mean GPUs the fixed runs hold over the window, and the mean GPUs the open classes offer. */
  fixedGpus: number;
  openGpus: number;
  windowHours: number;
  fleetGpus: number;
  notes: string[];
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** E[clamp(X, min, max)] for log-normal X with the given median and sigma (hours). */
export function clampedLognormalMean(h: WorkloadClass['hours']): number {
  if (h.sigma === 0) return Math.min(h.max, Math.max(h.min, h.median));
  const mu = Math.log(h.median);
  const s = h.sigma;
  const a = (Math.log(h.min) - mu) / s;
  const b = (Math.log(h.max) - mu) / s;
  const mid = Math.exp(mu + (s * s) / 2) * (phi(b - s) - phi(a - s));
  return h.min * phi(a) + mid + h.max * (1 - phi(b));
}

function meanOf(values: readonly number[], weights: readonly number[]): number {
  const w = weights.reduce((s, x) => s + x, 0);
  return values.reduce((s, v, i) => s + v * weights[i], 0) / w;
}

/** The class with GPU counts above maxGpus removed (weights and fitting models kept aligned), or null. */
function capped(
  c: WorkloadClass,
  models: string[][],
  maxGpus: number,
): { c: WorkloadClass; models: string[][] } | null {
  const keep = c.gpus.values.map((g, i) => (g <= maxGpus ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0) return null;
  const gpus = { values: keep.map((i) => c.gpus.values[i]), weights: keep.map((i) => c.gpus.weights[i]) };
  return { c: { ...c, gpus }, models: keep.map((i) => models[i]) };
}

interface Drawn {
  gpus: number;
  durationS: number;
  modelId: string;
  tenant: string;
  ckptDraw: number;
}

/** One job's attributes: always five draws in the same order, so a job's draws do not depend on its class. */
function draw(c: WorkloadClass, models: string[][], attr: Rng): Drawn {
  const k = attr.weighted(c.gpus.weights);
  const hours = Math.min(c.hours.max, Math.max(c.hours.min, attr.lognormal(c.hours.median, c.hours.sigma)));
  const list = models[k];
  return {
    gpus: c.gpus.values[k],
    durationS: Math.round(hours * 3600),
    modelId: list[attr.int(list.length)],
    tenant: c.tenants[attr.int(c.tenants.length)],
    ckptDraw: attr.next(),
  };
}

function jobOf(id: string, c: WorkloadClass, d: Drawn, submitTimeS: number): JobSpec {
  const job: JobSpec = {
    id,
    tenant: d.tenant,
    priority: c.priority,
    gpus: d.gpus,
    kind: c.kind,
    modelId: d.modelId,
    preemptible: c.preemptible,
    checkpointable:
      typeof c.checkpointable === 'boolean'
        ? c.checkpointable
        : checkpointsByRule(c.kind, d.gpus, d.ckptDraw, c.checkpointable),
    submitTimeS,
    durationS: d.durationS,
  };
  if (c.deadlineFactor) job.deadlineS = submitTimeS + d.durationS * c.deadlineFactor;
  return job;
}

/** The mean GPUs a job of class c offers per hour of arrivals at rate 1/h: E[gpus] x E[hours]. */
export function gpuHoursPerJob(c: WorkloadClass): number {
  return meanOf(c.gpus.values, c.gpus.weights) * clampedLognormalMean(c.hours);
}

function fixedRuns(
  classes: { c: WorkloadClass; models: string[][] }[],
  rng: Rng,
  windowS: number,
): { jobs: JobSpec[]; meanGpus: number } {
  const jobs: JobSpec[] = [];
  let gpuSeconds = 0;
  for (const { c, models } of classes) {
    const s = rng.fork(`fixed/${c.id}`); // each fixed class its own stream: editing one leaves the others
    for (let k = 0; k < (c.runs ?? 0); k++) {
      const submit = Math.round(s.next() * (c.submitWithinHours ?? 0) * 3600);
      const d = draw(c, models, s);
      gpuSeconds += d.gpus * Math.max(0, Math.min(submit + d.durationS, windowS) - submit);
      jobs.push(jobOf(`${c.id}-${k}`, c, d, submit));
    }
  }
  return { jobs, meanGpus: gpuSeconds / windowS };
}

/** Issues, or the open rate: explicit, or what the load left after the fixed runs asks for. */
function openRate(
  o: WorkloadOverrides,
  load: number,
  fleet: number,
  fixed: number,
  perJob: number,
): number | InputIssue {
  if (o.ratePerHour !== undefined) return o.ratePerHour;
  const openGpus = load * fleet - fixed;
  if (perJob === 0) return 0;
  if (openGpus <= 0)
    return {
      path: 'targetLoad',
      message: `the fixed runs alone hold ${Math.round(fixed)} GPUs on average, ${((fixed / fleet) * 100).toFixed(1)}% of ${fleet}: no load is left for the open classes at ${load}`,
      hint: 'raise targetLoad, give ratePerHour, or make the fixed runs smaller (maxGpus)',
    };
  return openGpus / perJob;
}

/** Overrides must be positive numbers (jobs, maxGpus, fleetGpus whole; seed a whole number >= 0). */
function overrideIssues(o: WorkloadOverrides): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const [k, v] of Object.entries(o) as [keyof WorkloadOverrides, number | undefined][]) {
    if (v === undefined) continue;
    const whole = k === 'seed' || k === 'jobs' || k === 'maxGpus' || k === 'fleetGpus';
    if (!Number.isFinite(v) || (whole && !Number.isInteger(v)) || (k === 'seed' ? v < 0 : v <= 0))
      issues.push({
        path: k,
        message: `${v} is not ${whole ? 'a whole number' : 'a number'} ${k === 'seed' ? '>= 0' : 'above 0'}`,
        hint: `give ${k} a ${whole ? 'whole ' : ''}number ${k === 'seed' ? '>= 0' : 'above 0'}`,
      });
  }
  return issues;
}

/**
 * Generate the mix's jobs, sorted by submit time. `model` resolves the mix's model ids (the edge passes perf's
 * loadModel). Throws nothing on bad input: returns issues naming the field.
 */
export function generateSuperfactory(
  mix: WorkloadMix,
  model: ModelLookup,
  o: WorkloadOverrides = {},
): { workload?: GeneratedWorkload; issues: InputIssue[] } {
  const bad = overrideIssues(o);
  if (bad.length) return { issues: bad };
  const f = fittingModels(mix, model);
  if (!f.fits) return { issues: f.issues };
  const fleet = o.fleetGpus ?? mix.sizedForGpus;
  const maxGpus = o.maxGpus ?? fleet;
  const windowS = (o.days ?? mix.days) * 86_400;
  const notes: string[] = [];
  const usable: { c: WorkloadClass; models: string[][] }[] = [];
  for (const c of mix.classes) {
    const k = capped(c, f.fits.get(c.id)!, maxGpus);
    if (k) usable.push(k);
    else notes.push(`class ${c.id} left out: every GPU count of it is above ${maxGpus}`);
  }
  const rng = new Rng(o.seed ?? 1);
  const fixed = fixedRuns(
    usable.filter((u) => u.c.runs !== undefined),
    rng,
    windowS,
  );
  const open = usable.filter((u) => u.c.share !== undefined);
  const shares = open.map((u) => u.c.share!);
  const shareSum = shares.reduce((s, x) => s + x, 0);
  const perJob = open.reduce((s, u) => s + (u.c.share! / shareSum) * gpuHoursPerJob(u.c), 0);
  const rate = openRate(o, o.targetLoad ?? mix.targetLoad, fleet, fixed.meanGpus, perJob);
  if (typeof rate !== 'number') return { issues: [rate] };
  const jobs = [...fixed.jobs, ...openArrivals(open, rate, windowS, o.jobs, rng)];
  jobs.sort((a, b) => a.submitTimeS - b.submitTimeS || (a.id < b.id ? -1 : 1));
  return {
    workload: {
      jobs,
      ratePerHour: rate,
      fixedGpus: fixed.meanGpus,
      openGpus: rate * perJob,
      windowHours: windowS / 3600,
      fleetGpus: fleet,
      notes,
    },
    issues: [],
  };
}

/** Poisson arrivals of the open classes at `rate` per hour until the window ends (or `count` jobs). */
function openArrivals(
  open: { c: WorkloadClass; models: string[][] }[],
  rate: number,
  windowS: number,
  count: number | undefined,
  rng: Rng,
): JobSpec[] {
  if (open.length === 0 || rate <= 0) return [];
  const arr = rng.fork('open/arrivals');
  const attr = rng.fork('open/attributes'); // apart from arrivals: a rate change keeps each job's attributes
  const weights = open.map((u) => u.c.share!);
  const jobs: JobSpec[] = [];
  let t = 0;
  for (let i = 0; count === undefined || i < count; i++) {
    t += arr.exp(3600 / rate);
    if (count === undefined && t >= windowS) break;
    const u = open[attr.weighted(weights)];
    jobs.push(jobOf(`${u.c.id}-${i}`, u.c, draw(u.c, u.models, attr), Math.round(t)));
  }
  return jobs;
}

/** The class of a generated job id (`eval-12` -> `eval`). */
export function classOfJobId(id: string): string {
  const i = id.lastIndexOf('-');
  return i > 0 ? id.slice(0, i) : id;
}
