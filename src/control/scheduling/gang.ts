// Cross-site gangs on executors that run one site's part each (local, Slurm): one run per site, all or
// nothing. Every part is started held (spawned or allocated, its command not running); only when every
// part is held are they released, so no partial gang ever trains. A part that is not held within the
// gang timeout makes the launcher stop the others and requeue the job with the reason. After a crash
// the launch is simply run again: start() adopts each part by its run key, and once any part has been
// released the gang is committed, so the remaining held parts are released too (a released part waits
// at the rendezvous until all ranks join: it cannot train alone).
import { join } from 'node:path';
import { STRATEGY_INFO, isStrategy } from '../../core/strategies.js';
import type { Job } from '../domain.js';
import type { SiteBinding } from '../control-plane.js';
import type { GangPart, RunSpec, RunStatus } from '../executors/types.js';
import type { SchedulerContext } from './context.js';
import { datasetEnv } from './staging.js';

/** One run of a job: the whole job on one executor, or one site's part of a gang. */
export interface RunRef {
  binding: SiteBinding;
  runKey: string;
  site: string;
  /** Index of the part in the gang (0 for a one-site run). */
  index: number;
  gpus: number;
}

/** Distinct sites of a placement, in order, with their GPUs. */
export function siteParts(job: Pick<Job, 'placement'>): { site: string; gpus: number }[] {
  const out: { site: string; gpus: number }[] = [];
  for (const p of job.placement ?? []) {
    const e = out.find((x) => x.site === p.site);
    if (e) e.gpus += p.gpus;
    else out.push({ site: p.site, gpus: p.gpus });
  }
  return out;
}

/** Whether the control plane coordinates this job as a gang of per-site runs (not one spanning executor). */
export function isGang(ctx: SchedulerContext, job: Job): boolean {
  const parts = siteParts(job);
  if (parts.length < 2) return false;
  const first = ctx.cp.bindings.get(parts[0].site);
  return !!first && !first.executor.spansSites;
}

/** Run key of a gang's part on site `index`. */
export function partKey(runId: string, index: number): string {
  return `${runId}.p${index}`;
}

/** The runs of an active job (empty when it has no run key or a site has no executor). */
export function runsOf(ctx: SchedulerContext, job: Job): RunRef[] {
  if (!job.runId) return [];
  const parts = siteParts(job);
  if (parts.length === 0) return [];
  if (!isGang(ctx, job)) {
    const b = ctx.cp.bindings.get(parts[0].site);
    return b ? [{ binding: b, runKey: job.runId, site: parts[0].site, index: 0, gpus: job.gpus ?? 0 }] : [];
  }
  const out: RunRef[] = [];
  for (const [i, p] of parts.entries()) {
    const b = ctx.cp.bindings.get(p.site);
    if (!b) return [];
    out.push({ binding: b, runKey: partKey(job.runId, i), site: p.site, index: i, gpus: p.gpus });
  }
  return out;
}

/**
 * The rendezvous port of a gang: derived from its run key so that every launch of the same attempt
 * (after a crash, parts already spawned) agrees on it. 20000-39999: above the usual service ports and
 * below Linux's default ephemeral range (32768+ overlaps: a clash fails the rendezvous and the part
 * dies, which requeues the job; assumption: rare on a control plane's hosts).
 */
export function rendezvousPort(runKey: string): number {
  let h = 2166136261;
  for (let i = 0; i < runKey.length; i++) h = Math.imul(h ^ runKey.charCodeAt(i), 16777619) >>> 0;
  return 20000 + (h % 12000);
}

/** The plan's topology as the trainer's environment. */
export function topologyEnv(job: Job): Record<string, string> {
  const plan = job.plan && job.plan.error === undefined ? job.plan : null;
  const env: Record<string, string> = {};
  if (!plan) return env;
  env.SUPERFACTORY_STRATEGY = plan.strategy;
  env.SUPERFACTORY_TP = String(plan.tp);
  env.SUPERFACTORY_PP = String(plan.pp);
  env.SUPERFACTORY_DP = String(plan.dp);
  env.SUPERFACTORY_CP = String(plan.cp);
  env.SUPERFACTORY_WAN_DIM = (isStrategy(plan.strategy) && STRATEGY_INFO[plan.strategy].wanDimension) || 'none';
  if (plan.diloco) {
    env.SUPERFACTORY_DILOCO_H = String(plan.diloco.innerSteps);
    env.SUPERFACTORY_DILOCO_BITS = String(plan.diloco.outerBits);
    env.SUPERFACTORY_DILOCO_STREAMING = plan.diloco.streaming ? '1' : '0';
  }
  return env;
}

/**
 * A site's own checkpoint folder under the job's (<checkpointRoot>/<jobId>/sites/<site>): every part of a
 * gang writes its ranks' shards there, and only replication over the WAN makes a site's copy whole.
 */
export function siteCheckpointDir(jobDir: string, site: string): string {
  return join(jobDir, 'sites', site);
}

/** The RunSpec of each part: the job's spec with the part's site, GPUs, ranks, rendezvous and checkpoint folder. */
export function partSpecs(base: RunSpec, refs: readonly RunRef[], job: Job, hold: boolean): RunSpec[] {
  const worldSizes = refs.map((r) => r.binding.executor.processes?.(r.gpus) ?? r.gpus);
  const env = topologyEnv(job);
  const masterAddr = refs[0].binding.executor.address ?? '127.0.0.1';
  const masterPort = rendezvousPort(base.runKey);
  return refs.map((r, i) => {
    const gang: GangPart = {
      index: i,
      count: refs.length,
      sites: refs.map((x) => x.site),
      worldSizes,
      rankOffset: worldSizes.slice(0, i).reduce((a, b) => a + b, 0),
      worldSize: worldSizes.reduce((a, b) => a + b, 0),
      masterAddr,
      masterPort,
      env,
      hold,
    };
    return {
      ...base,
      runKey: r.runKey,
      siteId: r.site,
      gpus: r.gpus,
      placement: base.placement.filter((p) => p.site === r.site),
      checkpointDir: siteCheckpointDir(base.checkpointDir, r.site),
      env: { ...base.env, ...datasetEnv(job, r.site) },
      gang,
    };
  });
}

/**
 * One status for the whole gang: the first failure, else pending while any part waits, else running. Its
 * checkpoint is the newest one complete on EVERY site (the oldest of the parts' latest complete ones):
 * a checkpoint counts once it is replicated, so losing any one site loses only the work after it.
 */
export function combineGang(refs: readonly RunRef[], statuses: readonly RunStatus[], runId: string): RunStatus {
  const of = (i: number) => `${refs[i].site}: ${statuses[i].reason ?? statuses[i].phase}`;
  const find = (phase: RunStatus['phase']) => statuses.findIndex((s) => s.phase === phase);
  let checkpoint: RunStatus['checkpoint'] = null;
  for (const [i, s] of statuses.entries()) {
    if (!s.checkpoint) {
      checkpoint = null;
      break;
    }
    if (i === 0 || s.checkpoint.step < checkpoint!.step) checkpoint = s.checkpoint;
  }
  const base = { runKey: runId, externalId: statuses.map((s) => s.externalId ?? '-').join(' '), checkpoint };
  for (const phase of ['failed', 'cancelled', 'unknown'] as const) {
    const i = find(phase);
    if (i >= 0) return { ...base, phase, exitCode: statuses[i].exitCode, reason: `part on ${of(i)}; gang stopped` };
  }
  if (statuses.every((s) => s.phase === 'succeeded')) return { ...base, phase: 'succeeded', exitCode: 0, reason: null };
  const pending = find('pending');
  if (pending >= 0)
    return {
      ...base,
      phase: 'pending',
      exitCode: null,
      reason: of(pending),
      held: statuses.every((s) => s.held || s.phase !== 'pending'),
    };
  return { ...base, phase: 'running', exitCode: null, reason: null };
}
