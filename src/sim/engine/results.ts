// Per-job results and the run summary at the end of a simulation.
import { buildSummary, type JobResult, type SimSummary } from '../metrics.js';
import { JobStatsAccumulator } from '../summary-stats.js';
import { closeSegment } from './lifecycle.js';
import { wanLinkUse } from './replication.js';
import { stagingWaitS } from './staging.js';
import { stragglerReports } from './stragglers.js';
import type { Run, SimContext } from './context.js';

export function jobResult(r: Run): JobResult {
  const finished = r.phase === 'done';
  const jct = finished ? r.endS - r.spec.submitTimeS : null;
  const usefulGpuS = finished ? r.totalWork * r.spec.gpus : 0;
  const started = r.plan !== null && r.firstStartS >= 0;
  return {
    id: r.spec.id,
    tenant: r.spec.tenant,
    kind: r.spec.kind,
    modelId: r.spec.modelId,
    gpus: r.spec.gpus,
    priority: r.spec.priority,
    submitS: r.spec.submitTimeS,
    firstStartS: r.firstStartS >= 0 ? r.firstStartS : null,
    endS: finished ? r.endS : null,
    status: finished ? 'finished' : r.phase === 'rejected' ? 'rejected' : 'unfinished',
    reason:
      r.rejectReason ?? (finished ? '' : r.phase === 'running' ? 'running at the horizon' : 'queued at the horizon'),
    durationS: r.totalWork,
    jctS: jct,
    queueS: r.firstStartS >= 0 ? r.firstStartS - r.spec.submitTimeS : null,
    slowdown: jct !== null && r.totalWork > 0 ? jct / r.totalWork : null,
    gpuSeconds: r.gpuSeconds,
    goodput: r.gpuSeconds > 0 ? usefulGpuS / r.gpuSeconds : finished ? 1 : 0,
    ettr: finished && r.endS > r.firstStartS ? r.totalWork / (r.endS - r.firstStartS) : null,
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
    // only for a job with a dataset: seconds its starts waited for replicas copied over the WAN (staging.ts)
    ...(r.spec.datasetGB !== undefined ? { stagingS: stagingWaitS(r) ?? 0 } : {}),
  };
}

/**
 * The summary, from one pass over the jobs (jobs still running at the end are charged up to `now` first). The
 * per-job results are not kept: `jobResult` builds them again from the runs when the caller asks (simulate.ts).
 */
export function collectResults(ctx: SimContext, seed: number): SimSummary {
  const now = ctx.now;
  const jobs = new JobStatsAccumulator(ctx.runs.length);
  for (const r of ctx.runs) {
    if (r.phase === 'running') closeSegment(ctx, r, now);
    jobs.add(jobResult(r));
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
