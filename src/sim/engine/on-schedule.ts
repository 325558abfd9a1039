// Scheduling pass (the control plane's scheduleRound on the simulated cluster) and time-shift wake-ups.
import { scheduleRound } from '../../sched/round.js';
import type { JobRequest } from '../../sched/types.js';
import type { SimEvent } from '../event-queue.js';
import { accumulate, updateGridState } from './accounting.js';
import { EV, type SimContext } from './context.js';
import { interrupt, markDirty, startRun } from './lifecycle.js';
import { runIndexOf } from './run.js';

/** The run of a job the pass handed back: the simulator's own request object (a policy must not copy it). */
function runOf(ctx: SimContext, job: JobRequest): number {
  const i = runIndexOf(job);
  if (ctx.runs[i]?.req !== job) throw new Error(`simulate: the policy handed back a copy of job ${job.id}'s request`);
  return i;
}

export function onSchedule(ctx: SimContext, _e: SimEvent): void {
  ctx.schedulePending = -1;
  if (ctx.queue.length === 0) return;
  const now = ctx.now;
  accumulate(ctx, now);
  updateGridState(ctx, now);
  ctx.rounds++;
  const res = scheduleRound(ctx.policy, ctx.state, ctx.queue, ctx.running, now, {
    mutate: true,
    emitHolds: false,
    localityWaitS: ctx.scenario.localityWaitS,
    runningByEnd: ctx.byEnd,
  });
  ctx.queue = res.queue;
  if (res.started || res.preempted) {
    // preemptions first: their GPUs are already given to the starts in the mutated state (each list in the order
    // of its decisions; the jobs are the simulator's own requests, which carry their run index)
    for (const rj of res.preemptedJobs) interrupt(ctx, runOf(ctx, rj.job), now, 'preempt', false);
    for (const rj of res.startedJobs) startRun(ctx, runOf(ctx, rj.job), rj.allocation, now, rj);
  }
  if (res.nextWakeS !== undefined && !ctx.wakes.has(res.nextWakeS)) {
    ctx.wakes.add(res.nextWakeS);
    ctx.ev.push(res.nextWakeS, EV.Wake);
  }
}

export function onWake(ctx: SimContext, _e: SimEvent): void {
  ctx.wakes.delete(ctx.now);
  markDirty(ctx, ctx.now);
}
