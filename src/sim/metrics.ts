// Per-job results, the run summary and time series. Numbers are rounded so that summaries are
// stable text (byte-identical for the same inputs and seed).
import type { Fabric } from '../fabric/types.js';
import type { JobKind } from '../sched/types.js';
import { meanOf, type JobStatsAccumulator } from './summary-stats.js';

export interface JobResult {
  id: string;
  tenant: string;
  kind: JobKind;
  modelId: string;
  gpus: number;
  priority: number;
  submitS: number;
  firstStartS: number | null;
  endS: number | null;
  status: 'finished' | 'unfinished' | 'rejected';
  reason: string;
  /** Work at full speed (s). */
  durationS: number;
  /** Job completion time: end - submit (s). */
  jctS: number | null;
  /** Queueing delay before the first start (s). */
  queueS: number | null;
  /** JCT / duration. */
  slowdown: number | null;
  gpuSeconds: number;
  /** Useful GPU-seconds (duration x GPUs) / GPU-seconds held. */
  goodput: number;
  /** Effective training time ratio: duration / (end - first start). */
  ettr: number | null;
  /** GPU-seconds held by work that was later lost (redone after a failure or preemption). */
  lostGpuSeconds: number;
  /** GPU-seconds held while restarting (detection, rescheduling, start, checkpoint read, warm-up; restart.ts). */
  restartGpuSeconds: number;
  interruptions: number;
  preemptions: number;
  sites: string[];
  energyKWh: number;
  emissionsKg: number;
  costUsd: number;
  waterL: number;
  /**
   * The planner's plan for the job's last placement (on its best allowed site before it starts):
   * strategy (single-site, hierarchical-dp, pipeline-across-sites, diloco), GPUs it uses, degrees,
   * recompute and ZeRO stage, and predicted effective tokens/s on the plan's ideal placement.
   * Empty for models outside the zoo and for rejected jobs.
   */
  planStrategy: string;
  planGpus: number | null;
  planTp: number | null;
  planPp: number | null;
  planDp: number | null;
  planCp: number | null;
  planEp: number | null;
  planRecompute: string;
  planZero: number | null;
  planTokensPerS: number | null;
  /** Speed factor of the last placement (perf model: ideal step time / actual step time). */
  speedFactor: number | null;
  /** planTokensPerS x speedFactor: predicted tokens/s on the actual placement. */
  predictedTokensPerS: number | null;
  /** Seconds the job's starts waited for dataset copies (a part of its start delay); only for a job with a dataset. */
  stagingS?: number;
}

export interface TimeSeries {
  tS: number[];
  busyGpus: number[];
  powerMW: number[];
  carbonTPerH: number[];
  queued: number[];
  running: number[];
  sites: { id: string; busyGpus: number[]; powerMW: number[]; carbonGPerKWh: number[] }[];
}

export interface SiteSummary {
  id: string;
  gridZone: string;
  gpus: number;
  energyMWh: number;
  emissionsTCO2e: number;
  costUsd: number;
  waterM3: number;
  gpuUtilization: number;
}

export interface TenantSummary {
  id: string;
  quotaGpus: number;
  quotaShare: number;
  gpuHours: number;
  usedShare: number;
  jobsFinished: number;
  meanJctHours: number;
}

export interface SimSummary {
  fabric: string;
  policy: string;
  scenario: string;
  seed: number;
  jobsTotal: number;
  jobsFinished: number;
  jobsUnfinished: number;
  jobsRejected: number;
  meanJctHours: number;
  p50JctHours: number;
  p99JctHours: number;
  meanQueueHours: number;
  p99QueueHours: number;
  meanSlowdown: number;
  gpuUtilization: number;
  goodput: number;
  meanEttr: number;
  lostGpuHours: number;
  restartGpuHours: number;
  interruptions: number;
  preemptions: number;
  failures: number;
  failuresByKind: Record<string, number>;
  energyMWh: number;
  emissionsTCO2e: number;
  waterM3: number;
  costUsd: number;
  /** Energy, emissions and cost attributed to jobs (busy GPUs only; the rest is idle fleet power). */
  jobEnergyMWh: number;
  jobEmissionsTCO2e: number;
  jobCostUsd: number;
  makespanHours: number;
  events: number;
  schedulingRounds: number;
  speedFallbacks: number;
  /** Distinct planner queries (model, planned GPUs, sites, strategy class, WAN capacity) = planner calls. */
  planKeys: number;
  sites: SiteSummary[];
  tenants: TenantSummary[];
  gridSources: Record<string, { carbon: string; price: string }>;
  /** Per WAN link, the checkpoint copies it carried (src/sim/engine/replication.ts); only when there were any. */
  wanLinks?: import('./engine/replication.js').WanLinkUse[];
  /** The scenario's straggler windows and the jobs each slowed (src/sim/engine/stragglers.ts); only when any. */
  stragglers?: import('./engine/stragglers.js').StragglerReport[];
}

const r = (x: number, d = 4): number => {
  if (!Number.isFinite(x)) return 0;
  const f = 10 ** d;
  return Math.round(x * f) / f;
};

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx];
}

/** What the engine hands buildSummary at the end of a run. */
export interface SummaryInputs {
  fabric: Fabric;
  policy: string;
  seed: number;
  scenario: string;
  /** The job results, summed in job order (summary-stats.ts). */
  jobs: JobStatsAccumulator;
  endS: number;
  events: number;
  rounds: number;
  busyGpuSeconds: number;
  availGpuSeconds: number;
  sites: SiteSummary[];
  tenants: { id: string; quotaGpus: number }[];
  failures: number;
  failuresByKind: Record<string, number>;
  gridSources: Record<string, { carbon: string; price: string }>;
  speedFallbacks: number;
  planKeys: number;
}

/** Per tenant: quota, GPU-hours and share used, finished jobs and their mean JCT. */
function tenantSummaries(a: SummaryInputs, totalGpuS: number): TenantSummary[] {
  const tenantIds = [...new Set([...a.tenants.map((t) => t.id), ...a.jobs.tenants.keys()])].sort();
  const quotaTotal = a.tenants.reduce((s, t) => s + t.quotaGpus, 0);
  return tenantIds.map((id) => {
    const t = a.jobs.tenants.get(id) ?? { gpuS: 0, finished: 0, jctHSum: 0 };
    const q = a.tenants.find((x) => x.id === id)?.quotaGpus ?? 0;
    return {
      id,
      quotaGpus: q,
      quotaShare: r(quotaTotal > 0 ? q / quotaTotal : 0),
      gpuHours: r(t.gpuS / 3600, 2),
      usedShare: r(totalGpuS > 0 ? t.gpuS / totalGpuS : 0),
      jobsFinished: t.finished,
      meanJctHours: r(t.finished ? t.jctHSum / t.finished : 0),
    };
  });
}

type JobStats = Pick<
  SimSummary,
  | 'jobsTotal'
  | 'jobsFinished'
  | 'jobsUnfinished'
  | 'jobsRejected'
  | 'meanJctHours'
  | 'p50JctHours'
  | 'p99JctHours'
  | 'meanQueueHours'
  | 'p99QueueHours'
  | 'meanSlowdown'
  | 'gpuUtilization'
  | 'goodput'
  | 'meanEttr'
  | 'lostGpuHours'
  | 'restartGpuHours'
  | 'interruptions'
  | 'preemptions'
>;

/** Job counts, JCT and queueing quantiles, utilization and goodput (key order is the summary's). */
function jobStats(a: SummaryInputs): JobStats {
  const js = a.jobs;
  const jct = js.sortedJctH();
  const queue = js.sortedQueueH();
  return {
    jobsTotal: js.jobs,
    jobsFinished: js.finished,
    jobsUnfinished: js.jobs - js.finished,
    jobsRejected: js.rejected,
    meanJctHours: r(meanOf(jct)),
    p50JctHours: r(quantile(jct, 0.5)),
    p99JctHours: r(quantile(jct, 0.99)),
    meanQueueHours: r(meanOf(queue)),
    p99QueueHours: r(quantile(queue, 0.99)),
    meanSlowdown: r(js.finished ? js.slowdownSum / js.finished : 0),
    gpuUtilization: r(a.availGpuSeconds > 0 ? a.busyGpuSeconds / a.availGpuSeconds : 0),
    goodput: r(js.heldGpuS > 0 ? js.usefulGpuS / js.heldGpuS : 0),
    meanEttr: r(js.ettrCount ? js.ettrSum / js.ettrCount : 0),
    lostGpuHours: r(js.lostGpuS / 3600, 2),
    restartGpuHours: r(js.restartGpuS / 3600, 2),
    interruptions: js.interruptions,
    preemptions: js.preemptions,
  };
}

export function buildSummary(a: SummaryInputs): SimSummary {
  const held = a.jobs.heldGpuS;
  const sum = (k: keyof SiteSummary): number => a.sites.reduce((s, x) => s + (x[k] as number), 0);
  return {
    fabric: a.fabric.name,
    policy: a.policy,
    scenario: a.scenario,
    seed: a.seed,
    ...jobStats(a),
    failures: a.failures,
    failuresByKind: a.failuresByKind,
    energyMWh: r(sum('energyMWh'), 3),
    emissionsTCO2e: r(sum('emissionsTCO2e'), 3),
    waterM3: r(sum('waterM3'), 3),
    costUsd: r(sum('costUsd'), 2),
    jobEnergyMWh: r(a.jobs.energyKWh / 1000, 3),
    jobEmissionsTCO2e: r(a.jobs.emissionsKg / 1000, 3),
    jobCostUsd: r(a.jobs.costUsd, 2),
    makespanHours: r(a.endS / 3600, 3),
    events: a.events,
    schedulingRounds: a.rounds,
    speedFallbacks: a.speedFallbacks,
    planKeys: a.planKeys,
    sites: a.sites.map((s) => ({
      ...s,
      energyMWh: r(s.energyMWh, 3),
      emissionsTCO2e: r(s.emissionsTCO2e, 3),
      costUsd: r(s.costUsd, 2),
      waterM3: r(s.waterM3, 3),
      gpuUtilization: r(s.gpuUtilization),
    })),
    tenants: tenantSummaries(a, held),
    gridSources: a.gridSources,
  };
}

const CSV_COLUMNS: (keyof JobResult)[] = [
  'id',
  'tenant',
  'kind',
  'modelId',
  'gpus',
  'priority',
  'status',
  'reason',
  'submitS',
  'firstStartS',
  'endS',
  'durationS',
  'jctS',
  'queueS',
  'slowdown',
  'gpuSeconds',
  'goodput',
  'ettr',
  'lostGpuSeconds',
  'restartGpuSeconds',
  'interruptions',
  'preemptions',
  'sites',
  'energyKWh',
  'emissionsKg',
  'costUsd',
  'waterL',
  'planStrategy',
  'planGpus',
  'planTp',
  'planPp',
  'planDp',
  'planCp',
  'planEp',
  'planRecompute',
  'planZero',
  'planTokensPerS',
  'speedFactor',
  'predictedTokensPerS',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(';');
  if (typeof v === 'number') return String(r(v, 4));
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function jobsToCsv(jobs: readonly JobResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const j of jobs) lines.push(CSV_COLUMNS.map((c) => csvCell(j[c])).join(','));
  return lines.join('\n') + '\n';
}
