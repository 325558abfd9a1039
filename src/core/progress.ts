// Job progress and checkpoint accounting: the one model the simulator (src/sim/simulate.ts) and the twin backend
// (src/sim/twin-backend.ts) both use. A run is a sequence of segments; in a segment the job first spends
// `startupS` (restart cost: reading its checkpoint back, ...), then computes at `speed` (the perf model's factor
// for its placement, 1 on an ideal one) and pauses `checkpointS` after every `intervalS` of compute to write a
// checkpoint. Work is counted in seconds at full speed. Young/Daly: the first-order optimal interval is
// sqrt(2 C M) for checkpoint cost C and job MTBF M (Young 1974, CACM 17(9); Daly 2006, FGCS 22(3)).

/**
 * Tolerance of "a checkpoint is complete at its scheduled instant", in checkpoint periods (and in seconds of
 * compute for "no checkpoint at the very end"). Event times are computed as start + k x period; dividing back can
 * land one ulp below k, so without it a failure or cancel at the instant of a checkpoint event would not see the
 * checkpoint just emitted. Relative (periods) rather than absolute seconds, because at t ~ 1e7 s an absolute 1e-9 s
 * is below float resolution. The simulator used none and the twin 1e-9 periods: this is the twin's, the stricter one.
 */
export const CHECKPOINT_TOLERANCE = 1e-9;

/** One segment of a run: from a (re)start, or a re-rating, to the next interruption or the end. */
export interface ProgressSegment {
  /** Wall time the segment began (s). */
  startS: number;
  /** Seconds before compute starts (restart cost); 0 for a re-rating. */
  startupS: number;
  /** Work done when the segment began (s at full speed). */
  baseWorkS: number;
  /** Work saved (last completed checkpoint) when the segment began. */
  savedWorkS: number;
  /** Perf-model speed factor in (0, 1]. */
  speed: number;
  /** Seconds of compute between checkpoints; Infinity when the job does not checkpoint. */
  intervalS: number;
  /** Seconds to write one checkpoint (compute pauses). */
  checkpointS: number;
  /** Work the whole job needs (s at full speed). */
  totalWorkS: number;
}

/** Seconds of wall time since compute began in the segment (0 during startup). */
function computeWallS(seg: ProgressSegment, tS: number): number {
  return Math.max(0, tS - seg.startS - seg.startupS);
}

/** Work (s at full speed) done at time t. */
export function workAtS(seg: ProgressSegment, tS: number): number {
  const y = computeWallS(seg, tS);
  if (!Number.isFinite(seg.intervalS)) return Math.min(seg.totalWorkS, seg.baseWorkS + seg.speed * y);
  const period = seg.intervalS + seg.checkpointS;
  const k = Math.floor(y / period);
  const compute = k * seg.intervalS + Math.min(y - k * period, seg.intervalS);
  return Math.min(seg.totalWorkS, seg.baseWorkS + seg.speed * compute);
}

/** Checkpoints completed in the segment by time t (a checkpoint counts at its own instant, see the tolerance). */
export function checkpointsDoneBy(seg: ProgressSegment, tS: number): number {
  if (!Number.isFinite(seg.intervalS)) return 0;
  return Math.floor(computeWallS(seg, tS) / (seg.intervalS + seg.checkpointS) + CHECKPOINT_TOLERANCE);
}

/** Work saved by the last completed checkpoint at time t (the segment's saved work before the first). */
export function savedAtS(seg: ProgressSegment, tS: number): number {
  const k = checkpointsDoneBy(seg, tS);
  const saved = k > 0 ? seg.baseWorkS + seg.speed * k * seg.intervalS : seg.savedWorkS;
  return Math.min(seg.totalWorkS, saved);
}

/** When the last checkpoint completed by time t did (null: none yet in this segment). */
export function lastCheckpointAtS(seg: ProgressSegment, tS: number): number | null {
  const k = checkpointsDoneBy(seg, tS);
  return k > 0 ? seg.startS + seg.startupS + k * (seg.intervalS + seg.checkpointS) : null;
}

/** Wall seconds to do `workS` more work after the startup: compute plus the checkpoint pauses before the end. */
export function wallForWorkS(seg: Pick<ProgressSegment, 'speed' | 'intervalS' | 'checkpointS'>, workS: number): number {
  const compute = Math.max(0, workS) / seg.speed;
  if (!Number.isFinite(seg.intervalS)) return compute;
  const pauses = Math.max(0, Math.ceil(compute / seg.intervalS - CHECKPOINT_TOLERANCE) - 1);
  return compute + pauses * seg.checkpointS;
}

/** When the segment's job finishes if nothing interrupts it (s). */
export function finishAtS(seg: ProgressSegment): number {
  return seg.startS + seg.startupS + wallForWorkS(seg, seg.totalWorkS - seg.baseWorkS);
}

/**
 * When the k-th checkpoint of the segment (k >= 1) completes, or null when it would come at or after the end
 * (no checkpoint is written at the very end).
 */
export function checkpointAtS(seg: ProgressSegment, k: number): number | null {
  if (!Number.isFinite(seg.intervalS)) return null;
  const work = seg.baseWorkS + seg.speed * k * seg.intervalS;
  if (work >= seg.totalWorkS - CHECKPOINT_TOLERANCE) return null;
  return seg.startS + seg.startupS + k * (seg.intervalS + seg.checkpointS);
}

/** The first checkpoint completing strictly after the current period at time t (drains move a job then). */
export function nextCheckpointAfterS(seg: ProgressSegment, tS: number): number | null {
  if (!Number.isFinite(seg.intervalS)) return null;
  const period = seg.intervalS + seg.checkpointS;
  return seg.startS + seg.startupS + (Math.floor(computeWallS(seg, tS) / period) + 1) * period;
}

/** Young/Daly interval sqrt(2 C M), at least C. */
export function youngDalyIntervalS(checkpointCostS: number, mtbfS: number): number {
  return Math.max(checkpointCostS, Math.sqrt(2 * checkpointCostS * mtbfS));
}

/** Job MTBF (s) from a per-GPU failure rate: failures are independent, so rates add over GPUs. */
export function jobMtbfS(failuresPerGpuHour: number, gpus: number): number {
  return 3600 / (failuresPerGpuHour * Math.max(1, gpus));
}

/**
 * The compute seconds between checkpoints of a job: Infinity when it does not checkpoint or a checkpoint is free
 * (nothing to pause for), else a fixed interval when given, else Young/Daly at `failuresPerGpuHour`.
 */
export function checkpointIntervalS(o: {
  checkpointable: boolean;
  checkpointS: number;
  failuresPerGpuHour: number;
  gpus: number;
  fixedIntervalS?: number;
}): number {
  if (!o.checkpointable) return Infinity;
  if (o.fixedIntervalS !== undefined) return o.fixedIntervalS;
  if (!(o.checkpointS > 0)) return Infinity;
  return youngDalyIntervalS(o.checkpointS, jobMtbfS(o.failuresPerGpuHour, o.gpus));
}

/**
 * Seconds to write one checkpoint of `bytes` from a job of `gpus` GPUs on a site with `checkpointStorageGBps` of
 * storage bandwidth for `siteGpus` GPUs: the job gets its GPU share (ASSUMPTION: all jobs checkpoint at once,
 * the worst case).
 */
export function checkpointCostS(
  bytes: number,
  gpus: number,
  site: { checkpointStorageGBps: number; gpus: number },
): number {
  const bw = site.checkpointStorageGBps * 1e9 * Math.min(1, gpus / Math.max(1, site.gpus));
  return bytes / bw;
}
