// FIFO with EASY backfill: jobs start in submit order; when the head cannot start, later jobs may
// start only if they do not delay the head's reservation (they end before it, or use spare GPUs).
import { placeGang } from '../placement.js';
import type { SchedulingPolicy } from '../types.js';
import { bySubmit } from './common.js';

export function fifoPolicy(): SchedulingPolicy {
  return {
    name: 'fifo',
    backfill: true,
    preempts: false,
    orderQueue: (queue) => queue.slice().sort(bySubmit),
    place: (job, state) => placeGang(job, state),
    chooseVictims: () => [],
  };
}
