// A job's life on the cluster: start, segments (progress and checkpoints: src/core/progress.ts), interruption,
// finish; and the scheduler's dirty flag. Shared by the event handlers.
import {
  checkpointCostS,
  checkpointIntervalS,
  finishAtS,
  lastCheckpointAtS,
  savedAtS,
  workAtS,
} from '../../core/progress.js';
import { restartParts } from '../restart.js';
import { release } from '../../sched/state.js';
import type { Allocation, RunningJob } from '../../sched/types.js';
import { accumulate, chargeJob } from './accounting.js';
import { countReplicationBytes, replicatedSaved, replicationLagS } from './replication.js';
import { stageDatasets } from './staging.js';
import { noteStraggled, stragglerSlowdown } from './stragglers.js';
import { domainKey, EV, type Run, type SimContext } from './context.js';
import { addSites } from './run.js';

/** Checkpoint bytes of a model the zoo does not know: ASSUMPTION 1B parameters x 16 B. */
const UNKNOWN_MODEL_CHECKPOINT_BYTES = 16e9;

/** Work done and saved by run `r` at time t. */
export function progressOf(r: Run, t: number): { work: number; saved: number } {
  return { work: workAtS(r.seg, t), saved: savedAtS(r.seg, t) };
}

function wanFactorFor(ctx: SimContext, alloc: Allocation): number {
  if (alloc.sites.length < 2) return 1;
  let f = 1;
  for (const l of ctx.fabric.wanLinks) {
    if (alloc.sites.includes(l.a) && alloc.sites.includes(l.b)) f = Math.min(f, ctx.wanFactor.get(l.id) ?? 1);
  }
  return f;
}

/** A new segment from t: speed from the placement (and the WAN now), a Finish event at its end. */
export function beginSegment(
  ctx: SimContext,
  i: number,
  t: number,
  startupS: number,
  baseWork: number,
  savedWork: number,
): void {
  const r = ctx.runs[i];
  r.version++;
  const pl = ctx.speedModel.placement(r.spec.modelId, r.alloc!, wanFactorFor(ctx, r.alloc!));
  if (pl.plan) r.plan = pl.plan;
  const slowdown = stragglerSlowdown(ctx, r.alloc!.sites); // the gang steps at its slowest part (stragglers.ts)
  if (slowdown !== 1) noteStraggled(ctx, r.spec.id, r.alloc!.sites);
  // in place (its checkpoint interval and cost stay): nothing keeps a run's old segment
  const seg = r.seg;
  seg.startS = t;
  seg.startupS = startupS;
  seg.baseWorkS = baseWork;
  seg.savedWorkS = savedWork;
  seg.speed = slowdown === 1 ? pl.speed : pl.speed / slowdown;
  seg.totalWorkS = r.totalWork;
  const end = finishAtS(r.seg);
  ctx.ev.push(end, EV.Finish, i, r.version);
  ctx.byEnd.setEnd(r.running!, end);
}

/** Start run i on `alloc` at t; `passJob` is the pass's own record of the start (reused: one object less per job). */
export function startRun(ctx: SimContext, i: number, alloc: Allocation, t: number, passJob?: RunningJob): void {
  const r = ctx.runs[i];
  r.phase = 'running';
  r.alloc = alloc;
  addSites(r, alloc.sites);
  if (r.firstStartS < 0) r.firstStartS = t;
  const bytes = ctx.speedModel.checkpointBytes(r.spec.modelId) ?? UNKNOWN_MODEL_CHECKPOINT_BYTES;
  const ckptS = r.spec.checkpointable ? checkpointCostS(bytes, alloc.gpus, ctx.fabricSite.get(alloc.sites[0])!) : 0;
  r.seg.checkpointS = ckptS;
  r.seg.intervalS = checkpointIntervalS({
    checkpointable: r.spec.checkpointable,
    checkpointS: ckptS,
    failuresPerGpuHour: ctx.intervalFailuresPerGpuHour,
    gpus: alloc.gpus,
    fixedIntervalS: r.spec.checkpointIntervalS ?? ctx.scenario.checkpointIntervalS,
  });
  let rj: RunningJob;
  if (passJob && passJob.job === r.req && passJob.allocation === alloc) {
    rj = passJob;
    rj.startTimeS = t;
    rj.expectedEndS = Infinity; // set by beginSegment below, as for a new record
  } else rj = { job: r.req!, allocation: alloc, startTimeS: t, expectedEndS: Infinity };
  r.running = rj;
  ctx.runningPos[i] = ctx.running.length;
  ctx.runningRun.push(i);
  ctx.running.push(rj);
  for (const p of alloc.parts) {
    const k = domainKey(ctx, p.siteId, p.podId, p.domain);
    let l = ctx.occupancy.get(k);
    if (!l) ctx.occupancy.set(k, (l = []));
    l.push(i);
  }
  // a restart pays detection (after a failure), rescheduling, process start, reading the checkpoint back (one
  // checkpoint write: ASSUMPTION symmetric storage bandwidth) and warm-up, holding the new GPUs; a first start none
  const base = r.seg.savedWorkS;
  const restartS = r.lastStop ? restartParts(ctx.restart, alloc.gpus, base > 0 ? ckptS : 0, r.lastStop).totalS : 0;
  // missing dataset replicas are copied first, while the GPUs wait (staging.ts; 0 without a dataset)
  const startupS = r.spec.datasetGB === undefined ? restartS : restartS + stageDatasets(ctx, r, alloc.sites);
  r.savedSinceS = t + startupS;
  beginSegment(ctx, i, t, startupS, base, base);
}

/**
 * End the current segment at t: charge it to the job (energy, GPU-seconds, the restart part of it), and carry
 * the time of its last checkpoint over as the time the saved work stands since.
 */
export function closeSegment(ctx: SimContext, r: Run, t: number): void {
  chargeJob(ctx, r, r.seg.startS, t);
  r.restartGpuS += Math.max(0, Math.min(t - r.seg.startS, r.seg.startupS)) * r.alloc!.gpus;
  if (r.alloc!.sites.length > 1) {
    const bytes = ctx.speedModel.checkpointBytes(r.spec.modelId) ?? UNKNOWN_MODEL_CHECKPOINT_BYTES;
    countReplicationBytes(ctx, r, t, bytes); // the segment's checkpoint copies on the WAN (replication.ts)
  }
  r.savedSinceS = lastCheckpointAtS(r.seg, t) ?? r.savedSinceS;
}

/** Remove x from l, the rest in order (failures hit a domain's jobs by their layout): splice without its copy. */
function removeKeepingOrder(l: number[], x: number): void {
  const k = l.indexOf(x);
  if (k < 0) throw new Error(`occupancy: run ${x} is not in a domain it holds`);
  for (let j = k; j < l.length - 1; j++) l[j] = l[j + 1];
  l.length--;
}

/** Take a run off its GPUs at t (charging its segment), optionally giving the GPUs back to the free pool. */
function detach(ctx: SimContext, i: number, t: number, releaseGpus: boolean): void {
  const r = ctx.runs[i];
  const alloc = r.alloc!;
  accumulate(ctx, t);
  closeSegment(ctx, r, t);
  if (releaseGpus) release(ctx.state, alloc, r.spec.tenant);
  for (const p of alloc.parts) {
    removeKeepingOrder(ctx.occupancy.get(domainKey(ctx, p.siteId, p.podId, p.domain))!, i);
  }
  ctx.byEnd.remove(r.running!);
  const pos = ctx.runningPos[i];
  const last = ctx.running.pop()!;
  const lastRun = ctx.runningRun.pop()!;
  if (pos < ctx.running.length) {
    ctx.running[pos] = last;
    ctx.runningRun[pos] = lastRun;
    ctx.runningPos[lastRun] = pos;
  }
  ctx.runningPos[i] = -1;
  r.alloc = null;
  r.running = null;
  r.version++;
}

/**
 * Stop a running job and queue it again. A failure or preemption keeps the last checkpoint (checkpointable jobs)
 * or nothing; a drain moves the job at a checkpoint, so it keeps all its work.
 */
export function interrupt(
  ctx: SimContext,
  i: number,
  t: number,
  kind: 'failure' | 'preempt' | 'drain',
  releaseGpus: boolean,
): void {
  const r = ctx.runs[i];
  const { work } = progressOf(r, t);
  // a cross-site gang resumes from its last checkpoint replicated to every site (replication.ts)
  const bytes = ctx.speedModel.checkpointBytes(r.spec.modelId) ?? UNKNOWN_MODEL_CHECKPOINT_BYTES;
  const replicated = replicatedSaved(r, t, replicationLagS(ctx, r, bytes));
  const keep = kind === 'drain' ? work : r.spec.checkpointable ? replicated.saved : 0;
  if (work > keep) {
    r.lostWorkS += work - keep;
    // the GPU-seconds held since the work kept was saved (a non-checkpointing job: since its attempt began)
    const since = replicated.atS ?? r.savedSinceS;
    r.lostHeldGpuS += Math.max(0, t - since) * r.alloc!.gpus;
  }
  r.lastStop = kind;
  if (kind === 'preempt') r.preemptions++;
  else r.interruptions++;
  detach(ctx, i, t, releaseGpus);
  r.seg.savedWorkS = keep;
  r.phase = 'queued';
  r.req!.durationS = Math.max(1, r.totalWork - keep);
  ctx.queue.push(r.req!);
}

export function finish(ctx: SimContext, i: number, t: number): void {
  const r = ctx.runs[i];
  detach(ctx, i, t, true);
  r.phase = 'done';
  r.req = null;
  r.endS = t;
  ctx.done++;
}

/** Ask for a scheduling pass at t (or at the next multiple of the scheduler cycle). */
export function markDirty(ctx: SimContext, t: number): void {
  const at = ctx.tickS > 0 ? Math.ceil(t / ctx.tickS) * ctx.tickS : t;
  if (ctx.schedulePending !== at) {
    ctx.ev.push(at, EV.Schedule);
    ctx.schedulePending = at;
  }
}
