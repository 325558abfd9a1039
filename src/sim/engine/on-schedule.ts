// Scheduling pass (the control plane's scheduleRound on the simulated cluster) and time-shift wake-ups.
import { scheduleRound } from '../../sched/round.js';
import type { SimEvent } from '../event-queue.js';
import { accumulate, updateGridState } from './accounting.js';
import { EV, type SimContext } from './context.js';
import { interrupt, markDirty, startRun } from './lifecycle.js';

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
    // preemptions first: their GPUs are already given to the starts in the mutated state
    for (const d of res.decisions) {
      if (d.type === 'preempt') interrupt(ctx, ctx.liveRunById.get(d.jobId)!, now, 'preempt', false);
    }
    for (const d of res.decisions) {
      if (d.type === 'start') startRun(ctx, ctx.liveRunById.get(d.jobId)!, d.allocation, now);
    }
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
