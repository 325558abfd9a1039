// Candidate enumeration for one site-local shape: the parallel dimensions (tp, cp, pp, dp, ep with MoE folding's
// expert TP options, ZeRO, precision) and the vpp x micro-batch x recompute corner, pruned by rules and memory.
import { estimateWithTiers, type EstimateOptions } from '../perf/estimate.js';
import { parameterCounts, type LayerShape } from '../perf/flops.js';
import { GiB, modelStateBytesPerGpu } from '../perf/memory.js';
import type { Estimate, ModelSpec, Plan, Precision, Recompute, SystemTiers } from '../perf/types.js';
import { BATCH_SLACK } from './defaults.js';

const RECOMPUTE_ORDER: Recompute[] = ['none', 'selective', 'full'];
const ZERO_ORDER = [1, 0, 2, 3] as const;

function divisorsUpTo(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

/** Pipeline depths worth trying: divisors-friendly counts up to the layer count. */
function ppOptions(layers: number, maxStages: number): number[] {
  const base = [1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 64, 72, 96, 128];
  return base.filter((p) => p <= layers && p <= maxStages);
}

export interface Candidate {
  plan: Plan;
  estimate: Estimate;
}

export interface SearchSpace {
  tp: number[];
  cp: number[];
  ep: number[];
  mbs: number[];
  vpp: number[];
}

export function defaultSearchSpace(model: ModelSpec, tiers: SystemTiers, seq: number): SearchSpace {
  const tp = [1, 2, 4, 8, 16, 32, 64].filter(
    (t) =>
      t <= tiers.scaleUpDomainGpus &&
      model.attentionHeads % t === 0 &&
      (model.mla || model.kvHeads % t === 0 || t % model.kvHeads === 0),
  );
  const cp = seq >= 16384 ? [1, 2, 4, 8] : seq >= 8192 ? [1, 2] : [1];
  const ep = model.moe ? divisorsUpTo(model.moe.experts, 64).filter((e) => (e & (e - 1)) === 0) : [1];
  return { tp, cp, ep, mbs: [1, 2, 4], vpp: [1, 2, 3, 4, 6, 8] };
}

/** Memory that does not depend on micro-batch or recompute: weights, gradients, optimizer (GiB), as perf counts it. */
function stateLowerBoundGiB(
  params: number,
  expertParams: number,
  tp: number,
  pp: number,
  ep: number,
  etp: number,
  dpRanks: number,
  zero: number,
): number {
  return modelStateBytesPerGpu(params, expertParams, tp, pp, ep, etp, dpRanks, zero) / GiB;
}

/**
 * Expert tensor-parallel widths worth trying for one (tp, ep): 1 and tp (Megatron-Core MoE parallel folding lets
 * experts drop TP), each only where EP x ETP divides the TP x DP x CP ranks of a stage. Dense models: [tp].
 */
export function etpOptions(model: ModelSpec, tp: number, dp: number, cp: number, ep: number): number[] {
  if (!model.moe) return ep === 1 ? [tp] : [];
  if (model.moe.experts % ep !== 0) return [];
  const out: number[] = [];
  for (const etp of tp === 1 ? [1] : [1, tp]) if ((tp * dp * cp) % (ep * etp) === 0) out.push(etp);
  return out;
}

/** The precisions a request lets the planner try on a GPU: 'auto' tries FP8 only where the GPU has FP8 peaks. */
export function precisionsFor(requested: Precision | 'auto' | undefined, tiers: SystemTiers): Precision[] {
  if (requested === 'auto') return tiers.gpu.fp8DenseTflops !== null ? ['bf16', 'fp8'] : ['bf16'];
  return [requested ?? 'bf16'];
}

export interface SearchContext {
  model: ModelSpec;
  shape: LayerShape;
  seq: number;
  targetTokensPerStep: number;
  space?: SearchSpace;
  /** Numeric formats to try (default ['bf16']); FP8 plans run their attention on today's fused kernels. */
  precisions?: Precision[];
}

/**
 * Best fitting plans for one site-local shape. For fixed other knobs, step time never falls and memory never rises
 * as recompute goes none -> selective -> full, so the first recompute level that fits is the fastest that fits.
 */
export function searchPlans(
  ctx: SearchContext,
  tiers: SystemTiers,
  perSiteGpus: number,
  sites: number,
  mode: 'local' | 'dp-across' | 'pp-across',
  options: EstimateOptions,
  visit: (c: Candidate) => void,
): number {
  const { model, shape, seq } = ctx;
  const space = ctx.space ?? defaultSearchSpace(model, tiers, seq);
  const counts = parameterCounts(model, shape);
  let evaluated = 0;
  const hbm = tiers.hbmGiB - tiers.memoryReserveGiB;
  const precisions = ctx.precisions ?? ['bf16'];
  for (const tp of space.tp) {
    if (tp > perSiteGpus) continue;
    for (const cp of space.cp) {
      if (seq % cp !== 0 || tp * cp > perSiteGpus) continue;
      for (const ppLocal of ppOptions(model.layers, Math.floor(perSiteGpus / (tp * cp)))) {
        const pp = mode === 'pp-across' ? ppLocal * sites : ppLocal;
        if (pp > model.layers) continue;
        const dpLocal = Math.floor(perSiteGpus / (tp * cp * ppLocal));
        if (dpLocal < 1) continue;
        const dp = mode === 'dp-across' ? dpLocal * sites : dpLocal;
        const gpus = tp * cp * pp * dp;
        for (const ep of space.ep) {
          for (const etp of etpOptions(model, tp, dp, cp, ep)) {
            for (const zero of ZERO_ORDER) {
              if (stateLowerBoundGiB(counts.total, counts.expertParamsTotal, tp, pp, ep, etp, dp * cp, zero) > hbm)
                continue;
              for (const precision of precisions)
                evaluated += searchBatches(
                  ctx,
                  tiers,
                  { gpus, tp, pp, dp, cp, ep, etp, zero, precision },
                  space,
                  options,
                  visit,
                );
            }
          }
        }
      }
    }
  }
  return evaluated;
}

/** The vpp x mbs x recompute corner of the search for one parallel layout; returns the plans it estimated. */
function searchBatches(
  ctx: SearchContext,
  tiers: SystemTiers,
  layout: Pick<Plan, 'gpus' | 'tp' | 'pp' | 'dp' | 'cp' | 'ep' | 'etp' | 'zero' | 'precision'>,
  space: SearchSpace,
  baseOptions: EstimateOptions,
  visit: (c: Candidate) => void,
): number {
  const { model, shape, seq } = ctx;
  const { pp, dp, tp } = layout;
  const options: EstimateOptions =
    layout.precision === 'fp8' ? { ...baseOptions, attentionKernel: 'flash3' } : baseOptions;
  let evaluated = 0;
  for (const vpp of space.vpp) {
    if (vpp > 1 && (pp < 2 || pp * vpp > model.layers)) continue;
    for (const mbs of space.mbs) {
      // The global batch stays near the target (a larger batch hurts convergence): the nearest multiple of
      // dp*mbs (x pp when interleaved), at most BATCH_SLACK over it. Too much DP for the batch is infeasible.
      const unit = dp * mbs * (vpp > 1 ? pp : 1);
      const targetSeqs = Math.max(1, Math.round(ctx.targetTokensPerStep / seq));
      const gbs = Math.max(unit, Math.round(targetSeqs / unit) * unit);
      if (gbs > targetSeqs * BATCH_SLACK) break;
      let fitted = false;
      for (const recompute of RECOMPUTE_ORDER) {
        const plan: Plan = {
          ...layout,
          vpp,
          mbs,
          gbs,
          seq,
          recompute,
          sequenceParallel: tp > 1,
        };
        const estimate = estimateWithTiers(model, tiers, plan, options, shape);
        evaluated++;
        if (estimate.fits) {
          visit({ plan, estimate });
          fitted = true;
          break;
        }
      }
      // A bigger micro-batch only needs more memory.
      if (!fitted) break;
    }
  }
  return evaluated;
}
