// Per-job results and the run summary at the end of a simulation.
import { buildSummary, type JobResult, type SimSummary } from '../metrics.js';
import { JobStatsAccumulator, type JobStatsInput } from '../summary-stats.js';
import { closeSegment } from './lifecycle.js';
import { wanLinkUse } from './replication.js';
import { stagingWaitS } from './staging.js';
import { stragglerReports } from './stragglers.js';
import type { Run, SimContext } from './context.js';

// The derived numbers, shared by the full result and the summary's pass (the same formulas, one place).
const statusOf = (r: Run): JobResult['status'] =>
  r.phase === 'done' ? 'finished' : r.phase === 'rejected' ? 'rejected' : 'unfinished';
const jctOf = (r: Run): number | null => (r.phase === 'done' ? r.endS - r.spec.submitTimeS : null);
const queueOf = (r: Run): number | null => (r.firstStartS >= 0 ? r.firstStartS - r.spec.submitTimeS : null);
const slowdownOf = (r: Run, jct: number | null): number | null =>
  jct !== null && r.totalWork > 0 ? jct / r.totalWork : null;
const ettrOf = (r: Run): number | null =>
  r.phase === 'done' && r.endS > r.firstStartS ? r.totalWork / (r.endS - r.firstStartS) : null;

/** What the summary reads of a run, into a reused object (a million runs summarised without a result each). */
function statsOf(r: Run, out: JobStatsInput): JobStatsInput {
  out.tenant = r.spec.tenant;
  out.gpus = r.spec.gpus;
  out.status = statusOf(r);
  out.durationS = r.totalWork;
  out.jctS = jctOf(r);
  out.queueS = queueOf(r);
  out.slowdown = slowdownOf(r, out.jctS);
  out.gpuSeconds = r.gpuSeconds;
  out.ettr = ettrOf(r);
  out.lostGpuSeconds = r.lostHeldGpuS;
  out.restartGpuSeconds = r.restartGpuS;
  out.interruptions = r.interruptions;
  out.preemptions = r.preemptions;
  out.energyKWh = r.energyJ / 3.6e6;
  out.emissionsKg = r.carbonG / 1000;
  out.costUsd = r.costUsd;
  return out;
}

export function jobResult(r: Run): JobResult {
  const finished = r.phase === 'done';
  const jct = jctOf(r);
  const usefulGpuS = finished ? r.totalWork * r.spec.gpus : 0;
  const started = r.plan !== null && r.firstStartS >= 0;
  const out: JobResult = {
    id: r.spec.id,
    tenant: r.spec.tenant,
    kind: r.spec.kind,
    modelId: r.spec.modelId,
    gpus: r.spec.gpus,
    priority: r.spec.priority,
    submitS: r.spec.submitTimeS,
    firstStartS: r.firstStartS >= 0 ? r.firstStartS : null,
    endS: finished ? r.endS : null,
    status: statusOf(r),
    reason:
      r.rejectReason ?? (finished ? '' : r.phase === 'running' ? 'running at the horizon' : 'queued at the horizon'),
    durationS: r.totalWork,
    jctS: jct,
    queueS: queueOf(r),
    slowdown: slowdownOf(r, jct),
    gpuSeconds: r.gpuSeconds,
    goodput: r.gpuSeconds > 0 ? usefulGpuS / r.gpuSeconds : finished ? 1 : 0,
    ettr: ettrOf(r),
    lostGpuSeconds: r.lostHeldGpuS,
    restartGpuSeconds: r.restartGpuS,
    interruptions: r.interruptions,
    preemptions: r.preemptions,
    sites: r.sites.length > 1 ? r.sites.slice().sort() : r.sites.slice(),
    energyKWh: r.energyJ / 3.6e6,
    emissionsKg: r.carbonG / 1000,
    costUsd: r.costUsd,
    waterL: r.waterL,
    planStrategy: r.plan?.strategy ?? '',
    planGpus: r.plan?.gpus ?? null,
    planTp: r.plan?.tp ?? null,
    planPp: r.plan?.pp ?? null,
    planDp: r.plan?.dp ?? null,
    planCp: r.plan?.cp ?? null,
    planEp: r.plan?.ep ?? null,
    planRecompute: r.plan?.recompute ?? '',
    planZero: r.plan?.zero ?? null,
    planTokensPerS: r.plan ? r.plan.tokensPerS : null,
    speedFactor: started ? r.seg.speed : null,
    predictedTokensPerS: started ? r.plan!.tokensPerS * r.seg.speed : null,
  };
  // only for a job with a dataset: seconds its starts waited for replicas copied over the WAN (staging.ts); set
  // after the literal (the last key, as before) because a spread in it made every result take V8's slow path
  if (r.spec.datasetGB !== undefined) out.stagingS = stagingWaitS(r) ?? 0;
  return out;
}

/**
 * The summary, from one pass over the jobs (jobs still running at the end are charged up to `now` first). The
 * per-job results are not kept: `jobResult` builds them again from the runs when the caller asks (simulate.ts).
 */
export function collectResults(ctx: SimContext, seed: number): SimSummary {
  const now = ctx.now;
  const jobs = new JobStatsAccumulator(ctx.runs.length);
  const scratch = {} as JobStatsInput;
  for (const r of ctx.runs) {
    if (r.phase === 'running') closeSegment(ctx, r, now);
    jobs.add(statsOf(r, scratch));
  }
  const a = ctx.acc;
  const summary = buildSummary({
    fabric: ctx.fabric,
    policy: ctx.policy.name,
    seed,
    scenario: ctx.scenario.name,
    jobs,
    endS: now,
    events: ctx.events,
    rounds: ctx.rounds,
    busyGpuSeconds: a.busyGpuSeconds,
    availGpuSeconds: a.availGpuSeconds,
    sites: ctx.state.sites.map((s, i) => ({
      id: s.id,
      gridZone: s.gridZone,
      gpus: s.totalGpus,
      energyMWh: a.siteEnergyJ[i] / 3.6e9,
      emissionsTCO2e: a.siteCarbonG[i] / 1e6,
      costUsd: a.siteCostUsd[i],
      waterM3: a.siteWaterL[i] / 1000,
      gpuUtilization: now > 0 ? a.siteBusyGpuS[i] / (s.totalGpus * now) : 0,
    })),
    tenants: ctx.state.tenants.map((t) => ({ id: t.id, quotaGpus: t.quotaGpus })),
    failures: ctx.failures,
    failuresByKind: ctx.failuresByKind,
    gridSources: ctx.gridSources,
    speedFallbacks: ctx.speedModel.fallbacks,
    planKeys: ctx.speedModel.plans.keys,
  });
  const wan = wanLinkUse(ctx, now); // only when checkpoint copies crossed the WAN: other summaries unchanged
  if (wan) summary.wanLinks = wan;
  const stragglers = stragglerReports(ctx); // only when the scenario injects stragglers
  if (stragglers) summary.stragglers = stragglers;
  return summary;
}
