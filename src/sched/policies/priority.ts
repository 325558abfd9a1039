// Priority with preemption: higher priority first; a blocked job may preempt preemptible running
// jobs of strictly lower priority (lowest priority first, then the most recently started, which
// loses the least work). EASY backfill behind a blocked job that found no victims.
import { placeGang } from '../placement.js';
import type { RunningJob, SchedulingPolicy } from '../types.js';
import { byPriority, pickVictims } from './common.js';

export function priorityPolicy(): SchedulingPolicy {
  return {
    name: 'priority',
    backfill: true,
    preempts: true,
    orderQueue: (queue) => queue.slice().sort(byPriority),
    place: (job, state) => placeGang(job, state),
    chooseVictims: (job, state, running) => {
      const cands: RunningJob[] = running
        .filter((r) => r.job.preemptible && r.job.priority < job.priority)
        .sort(
          (a, b) =>
            a.job.priority - b.job.priority || b.startTimeS - a.startTimeS || b.job.submitTimeS - a.job.submitTimeS,
        );
      if (cands.length === 0) return [];
      return pickVictims(job, state, cands);
    },
  };
}
