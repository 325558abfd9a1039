// estimateServing: largest batch, idle TTFT, TPOT and throughput at the largest batch, and the request rate one
// replica sustains within a p99 TTFT/TPOT SLO under continuous batching (queueing approximation in queueing.ts).
import type { SystemTiers } from '../types.js';
import type { InputIssue } from '../../core/issues.js';
import { hardwareReason, ServingPlanError } from './layout.js';
import { loadPoint, rateAtSlo, Z99, type LoadPoint, type ServiceCurve } from './queueing.js';
import { replicaModel, type ReplicaModel } from './replica.js';
import { decodeBreakdown } from './timings.js';
import type { ServingEstimate, ServingInputs, ServingPlan, ServingSlo, ServingWorkload } from './types.js';

const GIB = 2 ** 30;

/** Mean KV occupancy of a request over its life under continuous batching: its prompt plus half its output. */
export function meanContextTokens(w: ServingWorkload): number {
  return w.promptTokensMean + w.outputTokensMean / 2;
}

/** KV tokens the scheduler sets aside per admitted request: the mean occupancy, or the whole request (no-evict). */
export function admittedTokensPerRequest(plan: ServingPlan, w: ServingWorkload): number {
  return plan.kvAdmission === 'guaranteed-no-evict' ? w.promptTokensMean + w.outputTokensMean : meanContextTokens(w);
}

function memoryReason(r: ReplicaModel, system: SystemTiers, plan: ServingPlan, w: ServingWorkload): string | undefined {
  const m = r.memory;
  const fix = plan.precision === 'fp8' ? 'raise tp or pp' : 'raise tp or pp, or use fp8';
  if (m.kvBytesPerGpu <= 0)
    return (
      `weights ${(m.weightsBytesPerGpu / GIB).toFixed(1)} GiB + workspace ${(m.workspaceBytesPerGpu / GIB).toFixed(1)} GiB` +
      ` + reserve ${(m.reserveBytesPerGpu / GIB).toFixed(1)} GiB per GPU exceed its ${system.hbmGiB.toFixed(1)} GiB of HBM:` +
      ` ${fix}`
    );
  const need = w.promptTokensMean + w.outputTokensMean;
  if (m.kvCapacityTokensPerInstance < need)
    return `the KV cache holds ${m.kvCapacityTokensPerInstance} tokens per copy, fewer than one request's ${need}: ${fix}${plan.kvCacheFormat === 'fp8' ? '' : ', or an fp8 KV cache'}`;
  return undefined;
}

/** Workload and SLO rules: each broken one as {path, message, hint}, thrown together as a ServingPlanError. */
function checkWorkload(w: ServingWorkload, slo: ServingSlo | undefined): void {
  const issues: InputIssue[] = [];
  const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  for (const k of ['promptTokensMean', 'outputTokensMean', 'promptTokensP99', 'outputTokensP99'] as const) {
    const v = w[k];
    if ((v !== undefined || k.endsWith('Mean')) && !(positive(v) && (v as number) >= 1))
      issues.push({ path: `workload.${k}`, message: `must be a number >= 1, got ${v}`, hint: `give ${k} in tokens` });
  }
  for (const k of ['ttftP99Ms', 'tpotP99Ms'] as const) {
    if (slo !== undefined && !positive(slo[k]))
      issues.push({ path: `slo.${k}`, message: `must be a positive number, got ${slo[k]}`, hint: `give ${k} in ms` });
  }
  if (issues.length > 0) throw new ServingPlanError(issues);
}

function infeasible(r: ReplicaModel, reason: string, ttftIdleMs: number, slo: boolean): ServingEstimate {
  return {
    timings: r.timings,
    maxConcurrentBatch: 0,
    ttftIdleMs,
    tpotAtMaxBatchMs: 0,
    outputTokensPerSecond: 0,
    ...(slo ? { requestsPerSecondAtSlo: 0 } : {}),
    infeasibleReason: reason,
  };
}

/**
 * The largest running batch: the plan's cap, the KV cache, and (colocated, with a token budget per iteration) the
 * budget: each iteration must carry the batch's decode tokens plus the prompt tokens of the requests that replace
 * finished ones, B x (1 + L / O) <= maxPrefillTokens.
 */
function largestBatch(plan: ServingPlan, w: ServingWorkload, kvBatch: number) {
  const budget =
    plan.disaggregated === undefined && plan.maxPrefillTokens !== undefined
      ? Math.max(
          1,
          Math.floor((plan.maxPrefillTokens * w.outputTokensMean) / (w.promptTokensMean + w.outputTokensMean)),
        )
      : Infinity;
  const batch = Math.min(plan.maxBatch, kvBatch, budget);
  const limitedBy = batch === plan.maxBatch ? 'maxBatch' : batch === kvBatch ? 'kvCache' : 'tokenBudget';
  return { batch, limitedBy } as const;
}

/**
 * Log-normal sigma with the given mean and p99 (ln p99 - ln mean = z99 sigma - sigma^2 / 2); 0 without a p99.
 * ASSUMPTION: token counts are taken log-normal, the only shape the workload's mean and p99 pin down.
 */
export function lognormalSigma(mean: number, p99: number | undefined): number {
  if (p99 === undefined || !(p99 > mean)) return 0;
  const z = Z99;
  const disc = z * z - 2 * Math.log(p99 / mean);
  return disc > 0 ? z - Math.sqrt(disc) : z;
}

/** The p1 output length of the fitted log-normal: the short requests whose TPOT sets the p99. */
function shortOutputTokens(w: ServingWorkload): number {
  const sigma = lognormalSigma(w.outputTokensMean, w.outputTokensP99);
  return Math.max(2, w.outputTokensMean * Math.exp((-sigma * sigma) / 2 - Z99 * sigma));
}

/** The service curve of the replica for one workload: what the queueing model reads. */
function serviceCurve(r: ReplicaModel, plan: ServingPlan, w: ServingWorkload, maxBatch: number): ServiceCurve {
  const t = r.timings;
  const context = meanContextTokens(w);
  const promptP99 = w.promptTokensP99 ?? w.promptTokensMean;
  const cost = t.prefillCostSeconds ? t.prefillCostSeconds(w.promptTokensMean) : t.prefillSeconds(w.promptTokensMean);
  // Prefill seconds taken proportional to the prompt: E[c^2] = E[c]^2 exp(sigma^2) for a log-normal prompt.
  const promptSigma = lognormalSigma(w.promptTokensMean, w.promptTokensP99);
  return {
    prefillSecondMomentS2: cost * cost * Math.exp(promptSigma * promptSigma),
    shortOutputTokens: shortOutputTokens(w),
    disaggregated: plan.disaggregated !== undefined,
    prefillInstances: t.prefillInstances ?? 1,
    decodeInstances: t.decodeInstances ?? 1,
    prefillMeanSeconds: t.prefillSeconds(w.promptTokensMean),
    prefillCostSeconds: cost,
    prefillP99Seconds: t.prefillSeconds(promptP99) + t.kvTransferSeconds(promptP99),
    outputTokens: w.outputTokensMean,
    maxBatch,
    // Colocated: each step also prefills the prompts that replace finishing requests (b x L / O tokens).
    stepSeconds:
      plan.disaggregated || !t.iterationSeconds
        ? (b) => t.decodeStepSeconds(b, b * context)
        : (b) => t.iterationSeconds!(b, b * context, (b * w.promptTokensMean) / w.outputTokensMean, w.promptTokensMean),
  };
}

export function estimateServing(inputs: ServingInputs): ServingEstimate {
  const { model, system, plan, workload: w, slo } = inputs;
  checkWorkload(w, slo);
  const r = replicaModel(model, system, plan);
  const t = r.timings;
  const ttftIdleMs = 1e3 * (t.prefillSeconds(w.promptTokensMean) + t.kvTransferSeconds(w.promptTokensMean));
  const reason = hardwareReason(system, plan) ?? memoryReason(r, system, plan, w);
  if (reason !== undefined) return infeasible(r, reason, ttftIdleMs, slo !== undefined);
  const kvBatch = Math.floor(r.memory.kvCapacityTokensPerInstance / admittedTokensPerRequest(plan, w));
  const { batch: maxBatch, limitedBy } = largestBatch(plan, w, kvBatch);
  const curve = serviceCurve(r, plan, w, maxBatch);
  const step = curve.stepSeconds(maxBatch);
  const decodeRate = (curve.decodeInstances * maxBatch) / (step * w.outputTokensMean);
  // Colocated, the step carries the prompt tokens that keep the batch full; disaggregated, prefill copies keep up.
  const lambdaMax = curve.disaggregated
    ? Math.min(curve.prefillInstances / curve.prefillCostSeconds, decodeRate)
    : decodeRate;
  const tpotSeconds = step;
  return {
    timings: t,
    maxConcurrentBatch: maxBatch,
    ttftIdleMs,
    tpotAtMaxBatchMs: 1e3 * tpotSeconds,
    outputTokensPerSecond: lambdaMax * w.outputTokensMean,
    ...(slo ? { requestsPerSecondAtSlo: rateAtSlo(curve, slo, lambdaMax) } : {}),
    decodeBreakdown: decodeBreakdown(r.ctx, maxBatch, maxBatch * meanContextTokens(w)),
    batchLimitedBy: limitedBy,
  };
}

/**
 * p99 TTFT and TPOT (and the running batch) of one replica under `requestsPerSecond` Poisson arrivals, by the same
 * queueing approximation as requestsPerSecondAtSlo; Infinity when the replica cannot keep up or the plan does not fit.
 */
export function loadAtRate(inputs: ServingInputs, requestsPerSecond: number): LoadPoint {
  const { model, system, plan, workload: w } = inputs;
  checkWorkload(w, inputs.slo);
  const r = replicaModel(model, system, plan);
  const none = { ttftP99Seconds: Infinity, tpotP99Seconds: Infinity, tpotMeanSeconds: Infinity, batch: Infinity };
  if (hardwareReason(system, plan) ?? memoryReason(r, system, plan, w)) return none;
  const kvBatch = Math.floor(r.memory.kvCapacityTokensPerInstance / admittedTokensPerRequest(plan, w));
  return loadPoint(serviceCurve(r, plan, w, largestBatch(plan, w, kvBatch).batch), requestsPerSecond);
}
