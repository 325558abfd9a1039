// The serving model's time functions evaluated once per grid point and interpolated: the twin asks for a decode step
// at every iteration (millions per run) and the serving model's roofline is far too slow for that. Prompt sizes up to
// EXACT_PREFILL_TOKENS are exact (memoized); beyond, and for decode contexts, values are linear interpolations between
// exact evaluations on a geometric grid of ratio 1 + 1/64 (the functions are smooth, so the error is second order:
// below 1e-4 relative, checked in timing-cache.test.ts). Shared by the replicas of one
// timings object (one per site and plan).
import type { ReplicaTimings } from '../../perf/serving/types.js';

const EXACT_PREFILL_TOKENS = 16384;
/** Grid ratio 1 + 1/64: ~44 points per doubling of the context. */
const RATIO = 1 + 1 / 64;
const LOG_RATIO = Math.log(RATIO);
/** Grid points per batch row: contexts up to RATIO^1400 (~2.7e9 tokens). */
const POINTS = 1400;
/** The grid's contexts: GRID[k] = RATIO^k. */
const GRID = Float64Array.from({ length: POINTS + 2 }, (_, k) => RATIO ** k);

export class TimingCache {
  private prefillExact = new Float64Array(EXACT_PREFILL_TOKENS + 1).fill(-1);
  private prefillGrid = new Float64Array(POINTS).fill(-1);
  /** Per batch size, a lazily filled row of decode times at grid contexts (index 0: context 0). */
  private decodeRows: (Float64Array | undefined)[] = [];
  private lastK = 0;

  constructor(readonly timings: ReplicaTimings) {}

  prefillS(tokens: number): number {
    if (tokens <= 0) return 0;
    if (tokens <= EXACT_PREFILL_TOKENS && Number.isInteger(tokens)) {
      let v = this.prefillExact[tokens];
      if (v < 0) v = this.prefillExact[tokens] = this.timings.prefillSeconds(tokens);
      return v;
    }
    const k = Math.floor(Math.log(tokens) / LOG_RATIO);
    const lo = k <= POINTS ? GRID[k] : RATIO ** k;
    const hi = lo * RATIO;
    const a = this.gridPrefill(k, lo);
    const b = this.gridPrefill(k + 1, hi);
    return a + ((b - a) * (tokens - lo)) / (hi - lo);
  }

  private gridPrefill(k: number, x: number): number {
    if (k >= POINTS) return this.timings.prefillSeconds(x);
    let v = this.prefillGrid[k];
    if (v < 0) v = this.prefillGrid[k] = this.timings.prefillSeconds(x);
    return v;
  }

  decodeS(batch: number, contextTokens: number): number {
    let row = this.decodeRows[batch];
    if (!row) row = this.decodeRows[batch] = new Float64Array(POINTS + 1).fill(-1);
    if (contextTokens < 1) {
      if (row[0] < 0) row[0] = this.timings.decodeStepSeconds(batch, 0);
      return contextTokens <= 0 ? row[0] : row[0] + (this.gridDecode(row, batch, 0, 1) - row[0]) * contextTokens;
    }
    // contexts move a few tokens per iteration: the previous grid cell is usually still the right one
    let k = this.lastK;
    if (!(k < POINTS && GRID[k] <= contextTokens && contextTokens < GRID[k + 1]))
      k = this.lastK = Math.floor(Math.log(contextTokens) / LOG_RATIO);
    const lo = k <= POINTS ? GRID[k] : RATIO ** k;
    const hi = lo * RATIO;
    const a = this.gridDecode(row, batch, k, lo);
    const b = this.gridDecode(row, batch, k + 1, hi);
    return a + ((b - a) * (contextTokens - lo)) / (hi - lo);
  }

  /** Row slot k + 1 holds context RATIO^k (slot 0 is context 0). */
  private gridDecode(row: Float64Array, batch: number, k: number, x: number): number {
    if (k + 1 > POINTS) return this.timings.decodeStepSeconds(batch, x);
    let v = row[k + 1];
    if (v < 0) v = row[k + 1] = this.timings.decodeStepSeconds(batch, x);
    return v;
  }
}

const caches = new WeakMap<ReplicaTimings, TimingCache>();

/** The one cache of a timings object (replicas built from the same site and plan share it). */
export function timingCache(t: ReplicaTimings): TimingCache {
  let c = caches.get(t);
  if (!c) caches.set(t, (c = new TimingCache(t)));
  return c;
}
