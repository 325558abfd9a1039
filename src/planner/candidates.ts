// Candidate enumeration for one site-local shape: the parallel dimensions (tp, cp, pp, dp, ep with MoE folding's
// expert TP options, ZeRO, precision) and the vpp x micro-batch x recompute corner, pruned by rules and memory.
import { estimateWithTiers, type EstimateOptions } from '../perf/estimate.js';
import { parameterCounts, type LayerShape, type ParameterCounts } from '../perf/flops.js';
import { GiB, modelStateBytesPerGpu } from '../perf/memory.js';
import type { Estimate, ModelSpec, Plan, Precision, Recompute, SystemTiers } from '../perf/types.js';
import { LayerCache, tokensPerSecondUpperBound } from './bound.js';
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
 * Pruning by the throughput bound (bound.ts): the search asks `canSkip` before estimating the rest of a batch row, and
 * reports what it skipped so that a caller replaying the search for another strategy can resume it (exact).
 */
export interface Pruning {
  layers: LayerCache;
  /** True when no plan of site-local tokens/s at most `tokensPerSecond` can change the result. */
  canSkip(tokensPerSecond: number): boolean;
  skipped?(row: SkippedRow): void;
}

/** The rest of one batch row, not estimated: its bound, and how to search it after all. */
export interface SkippedRow {
  upperBoundTokensPerSecond: number;
  resume(pruning: Pruning, visit: (c: Candidate) => void): number;
}

/**
 * Best fitting plans for one site-local shape. For fixed other knobs, step time never falls and memory never rises
 * as recompute goes none -> selective -> full, so the first recompute level that fits is the fastest that fits.
 * Without `pruning` every plan of the space is estimated (the reference the pruned search is tested against).
 */
export function searchPlans(
  ctx: SearchContext,
  tiers: SystemTiers,
  perSiteGpus: number,
  sites: number,
  mode: 'local' | 'dp-across' | 'pp-across',
  options: EstimateOptions,
  visit: (c: Candidate) => void,
  pruning?: Pruning,
): number {
  const { model, shape, seq } = ctx;
  const space = ctx.space ?? defaultSearchSpace(model, tiers, seq);
  const counts = parameterCounts(model, shape);
  const rows: RowSearch = { ctx, tiers, space, counts, options };
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
              for (const precision of precisions) {
                const layout: Layout = { gpus, tp, pp, dp, cp, ep, etp, zero, precision };
                for (const vpp of space.vpp) {
                  if (vpp > 1 && (pp < 2 || pp * vpp > model.layers)) continue;
                  evaluated += searchRow(rows, layout, vpp, 0, visit, pruning);
                }
              }
            }
          }
        }
      }
    }
  }
  return evaluated;
}

type Layout = Pick<Plan, 'gpus' | 'tp' | 'pp' | 'dp' | 'cp' | 'ep' | 'etp' | 'zero' | 'precision'>;

/** What every batch row of one searchPlans call shares. */
interface RowSearch {
  ctx: SearchContext;
  tiers: SystemTiers;
  space: SearchSpace;
  counts: ParameterCounts;
  options: EstimateOptions;
}

/** The row's plan for micro-batch index `i`, or undefined where the global batch would overshoot the target. */
function rowPlan(ctx: SearchContext, layout: Layout, vpp: number, mbs: number): Plan | undefined {
  const { seq } = ctx;
  // The global batch stays near the target (a larger batch hurts convergence): the nearest multiple of
  // dp*mbs (x pp when interleaved), at most BATCH_SLACK over it. Too much DP for the batch is infeasible.
  const unit = layout.dp * mbs * (vpp > 1 ? layout.pp : 1);
  const targetSeqs = Math.max(1, Math.round(ctx.targetTokensPerStep / seq));
  const gbs = Math.max(unit, Math.round(targetSeqs / unit) * unit);
  if (gbs > targetSeqs * BATCH_SLACK) return undefined;
  return withRecompute(layout, vpp, mbs, gbs, seq, 'none');
}

/** A plan as an object literal: an object spread plus fields costs several times more in this hot loop. */
function withRecompute(l: Layout, vpp: number, mbs: number, gbs: number, seq: number, recompute: Recompute): Plan {
  return {
    gpus: l.gpus,
    tp: l.tp,
    pp: l.pp,
    dp: l.dp,
    cp: l.cp,
    ep: l.ep,
    etp: l.etp,
    zero: l.zero,
    precision: l.precision,
    vpp,
    mbs,
    gbs,
    seq,
    recompute,
    sequenceParallel: l.tp > 1,
  };
}

/**
 * One batch row (a layout and vpp) from micro-batch index `from`: mbs x recompute, the first recompute level that
 * fits; a larger micro-batch only needs more memory, so the row stops at the first mbs where nothing fits. With
 * pruning, the rest of the row is skipped when no plan in it can beat the bound's threshold.
 */
function searchRow(
  rows: RowSearch,
  layout: Layout,
  vpp: number,
  from: number,
  visit: (c: Candidate) => void,
  pruning: Pruning | undefined,
): number {
  const { ctx, tiers, space } = rows;
  const options: EstimateOptions =
    layout.precision === 'fp8' ? { ...rows.options, attentionKernel: 'flash3' } : rows.options;
  let evaluated = 0;
  for (let i = from; i < space.mbs.length; i++) {
    const base = rowPlan(ctx, layout, vpp, space.mbs[i]);
    if (!base) break;
    if (pruning) {
      const bound = rowUpperBound(rows, layout, vpp, i, options, pruning.layers);
      if (pruning.canSkip(bound)) {
        pruning.skipped?.({
          upperBoundTokensPerSecond: bound,
          resume: (again, visitAgain) => searchRow(rows, layout, vpp, i, visitAgain, again),
        });
        break;
      }
    }
    let fitted = false;
    for (const recompute of RECOMPUTE_ORDER) {
      const plan = withRecompute(layout, vpp, base.mbs, base.gbs, base.seq!, recompute);
      const layers = pruning?.layers.get(plan, options);
      const estimate = estimateWithTiers(ctx.model, tiers, plan, options, ctx.shape, layers);
      evaluated++;
      if (estimate.fits) {
        visit({ plan, estimate });
        fitted = true;
        break;
      }
    }
    if (!fitted) break;
  }
  return evaluated;
}

/** The highest throughput bound over the rest of a row (from micro-batch index `from` to where the batch overshoots). */
function rowUpperBound(
  rows: RowSearch,
  layout: Layout,
  vpp: number,
  from: number,
  options: EstimateOptions,
  layers: LayerCache,
): number {
  const { ctx, tiers, space, counts } = rows;
  let bound = -Infinity;
  for (let i = from; i < space.mbs.length; i++) {
    const plan = rowPlan(ctx, layout, vpp, space.mbs[i]);
    if (!plan) break;
    const b = tokensPerSecondUpperBound(ctx.model, ctx.shape, tiers, counts, plan, options, layers);
    if (b > bound) bound = b;
  }
  return bound;
}
