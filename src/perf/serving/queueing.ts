// Throughput at an SLO: the largest Poisson arrival rate at which a replica keeps p99 TTFT and p99 TPOT in bounds.
// Approximation (documented in src/perf/README.md):
// - Prefill is an M/D/1 queue per prefill copy: utilization from the packed (chunked) prefill cost per request,
//   service scale the mean prompt's prefill alone; its waiting-time tail is
//   taken exponential with the Pollaczek-Khinchine mean, P(W > t) ~ rho exp(-rho t / E[W]), so
//   W_p99 = E[W] ln(100 rho) / rho (0 when rho <= 0.01). p99 TTFT = W_p99 + the p99 prompt's own prefill
//   (+ its KV transfer) + one decode step a colocated arrival waits for.
// - Decode: Little's law sets the running batch, B = lambda x O x TPOT(B) (fixed point); a colocated step also
//   carries the prompt tokens of the arriving requests (chunked prefill fused with decode). Per-request TPOT
//   averages over its O steps the prefills that arrive during its life, a compound Poisson sum: its p99 is the
//   mean plus z99 standard deviations of that sum for a short request (tpotTail below).
import type { ServingSlo } from './types.js';

export interface ServiceCurve {
  disaggregated: boolean;
  prefillInstances: number;
  decodeInstances: number;
  /** The mean prompt's prefill alone (the queue's service scale). */
  prefillMeanSeconds: number;
  /** Prefill time per request when prompts are packed into chunks (what sets the prefill utilization). */
  prefillCostSeconds: number;
  /** The p99 prompt's prefill plus its KV transfer. */
  prefillP99Seconds: number;
  outputTokens: number;
  /** Largest batch one decode copy runs. */
  maxBatch: number;
  /** Decode step of one copy at batch b (at the workload's mean context). */
  stepSeconds(b: number): number;
  /**
   * (optional, colocated) Spread of the prefill work per arriving prompt: E[c^2] of its prefill seconds, and the
   * output length of the short request that sets the p99 TPOT. Without it the p99 TPOT is the mean step.
   */
  prefillSecondMomentS2?: number;
  shortOutputTokens?: number;
}

export interface LoadPoint {
  ttftP99Seconds: number;
  tpotP99Seconds: number;
  /** Mean TPOT: the step at the running batch (what published mean TPOT figures are checked against). */
  tpotMeanSeconds: number;
  batch: number;
}

/** One-sided 99% point of the standard normal. */
export const Z99 = 2.326;

/**
 * p99 TPOT of a colocated replica: a short request (shortOutputTokens) lives about O x step; the prompts arriving
 * meanwhile (Poisson, ratePerCopy) are prefilled inside its iterations, so its TPOT is step plus the deviation of
 * that compound Poisson sum over O: sqrt(rate x O x step x E[c^2]) / O (normal approximation), at z99.
 */
function tpotTail(c: ServiceCurve, ratePerCopy: number, step: number): number {
  if (c.disaggregated || !c.prefillSecondMomentS2 || !c.shortOutputTokens) return step;
  const o = c.shortOutputTokens;
  return step + (Z99 * Math.sqrt(ratePerCopy * o * step * c.prefillSecondMomentS2)) / o;
}

/** p99 waiting time of an M/D/1 queue with service `s` seconds at utilization rho. */
export function mdOneWaitP99Seconds(rho: number, s: number): number {
  if (rho <= 0.01) return 0;
  if (rho >= 1) return Infinity;
  const meanWait = (rho * s) / (2 * (1 - rho));
  return (meanWait / rho) * Math.log(100 * rho);
}

/** The running batch solving B = rate x O x step(B) / (1 - rho), or Infinity when it exceeds maxBatch. */
function runningBatch(c: ServiceCurve, ratePerCopy: number, stretch: number): number {
  let b = Math.max(1, ratePerCopy * c.outputTokens * c.stepSeconds(1) * stretch);
  for (let i = 0; i < 30; i++) {
    if (b > c.maxBatch) return Infinity;
    const next = Math.max(1, ratePerCopy * c.outputTokens * c.stepSeconds(b) * stretch);
    if (Math.abs(next - b) < 1e-3 * b) return next;
    b = next;
  }
  return b > c.maxBatch ? Infinity : b;
}

/** p99 TTFT and TPOT of one replica at `lambda` requests/s (Infinity when it cannot keep up). */
export function loadPoint(c: ServiceCurve, lambda: number): LoadPoint {
  const rho = (lambda * c.prefillCostSeconds) / c.prefillInstances;
  const none = { ttftP99Seconds: Infinity, tpotP99Seconds: Infinity, tpotMeanSeconds: Infinity, batch: Infinity };
  if (rho >= 1) return none;
  const batch = runningBatch(c, lambda / c.decodeInstances, 1);
  if (!Number.isFinite(batch)) return none;
  const step = c.stepSeconds(batch);
  const wait = mdOneWaitP99Seconds(rho, c.prefillMeanSeconds);
  return {
    ttftP99Seconds: wait + c.prefillP99Seconds + (c.disaggregated ? 0 : step),
    tpotP99Seconds: tpotTail(c, lambda / c.decodeInstances, step),
    tpotMeanSeconds: step,
    batch,
  };
}

/** Points of the tabulated step curve (log-spaced from batch 1 to the largest batch). */
const STEP_TABLE_POINTS = 12;

/**
 * The same curve with its step time tabulated once and interpolated linearly in the batch: the bisection below
 * evaluates it hundreds of times, and the step is smooth and increasing in the batch.
 */
export function tabulated(c: ServiceCurve): ServiceCurve {
  const top = Math.max(1, c.maxBatch);
  const xs: number[] = [];
  for (let i = 0; i < STEP_TABLE_POINTS; i++) xs.push(Math.pow(top, i / (STEP_TABLE_POINTS - 1)));
  const ys = xs.map((b) => c.stepSeconds(b));
  const stepSeconds = (b: number): number => {
    if (b <= 1) return ys[0];
    if (b >= top) return c.stepSeconds(b);
    // Index of the log-spaced interval holding b.
    const i = Math.min(STEP_TABLE_POINTS - 2, Math.floor((Math.log(b) / Math.log(top)) * (STEP_TABLE_POINTS - 1)));
    return ys[i] + ((ys[i + 1] - ys[i]) * (b - xs[i])) / (xs[i + 1] - xs[i]);
  };
  return { ...c, stepSeconds };
}

/** Largest rate (requests/s) within the SLO, by bisection on (0, lambdaMax); 0 when even an idle replica misses it. */
export function rateAtSlo(curve: ServiceCurve, slo: ServingSlo, lambdaMax: number): number {
  const c = tabulated(curve);
  const ok = (lambda: number) => {
    const p = loadPoint(c, lambda);
    return p.ttftP99Seconds * 1e3 <= slo.ttftP99Ms && p.tpotP99Seconds * 1e3 <= slo.tpotP99Ms;
  };
  if (!(lambdaMax > 0) || !ok(lambdaMax * 1e-6)) return 0;
  let lo = lambdaMax * 1e-6;
  let hi = lambdaMax;
  if (ok(hi)) return hi;
  for (let i = 0; i < 24 && hi - lo > 1e-3 * lo; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
