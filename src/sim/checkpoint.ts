// Checkpoint cost and interval. Young/Daly: the first-order optimal interval between checkpoints is
// sqrt(2 x C x M) for checkpoint cost C and job mean time between failures M
// (Young 1974, "A first order approximation to the optimum checkpoint interval", CACM 17(9);
// Daly 2006, FGCS 22(3)).
import type { Site } from '../fabric/types.js';

export function youngDalyIntervalS(checkpointCostS: number, mtbfS: number): number {
  return Math.max(checkpointCostS, Math.sqrt(2 * checkpointCostS * mtbfS));
}

/** Job MTBF (s) from a per-GPU failure rate: failures are independent, so rates add over GPUs. */
export function jobMtbfS(failuresPerGpuHour: number, gpus: number): number {
  return 3600 / (failuresPerGpuHour * Math.max(1, gpus));
}

/**
 * Seconds to write one checkpoint of `bytes` from a job of `gpus` GPUs on `site`: the job gets its
 * GPU share of the site's checkpoint storage bandwidth (ASSUMPTION: all jobs checkpoint at once,
 * the worst case).
 */
export function checkpointCostS(
  bytes: number,
  gpus: number,
  site: Pick<Site, 'checkpointStorageGBps' | 'gpus'>,
): number {
  const bw = site.checkpointStorageGBps * 1e9 * Math.min(1, gpus / Math.max(1, site.gpus));
  return bytes / bw;
}
