// Candidate enumeration for one site-local shape: the parallel dimensions (tp, cp, pp, dp, ep with MoE folding's
// expert TP options, ZeRO, precision) and the vpp x micro-batch x recompute corner, pruned by rules and memory.
import { estimateWithTiers, type EstimateOptions } from '../perf/estimate.js';
import { parameterCounts, type LayerShape, type ParameterCounts } from '../perf/flops.js';
import { GiB, modelStateBytesPerGpu } from '../perf/memory.js';
import type { Estimate, ModelSpec, Plan, Precision, Recompute, SystemTiers } from '../perf/types.js';
import { LayerCache, optimizerSeconds, stepSecondsLowerBound, upperBound } from './bound.js';
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
 * Pruning by the throughput bound (bound.ts): the search asks `canSkip` before estimating a block of layouts or the
 * rest of a batch row, and reports what it skipped so that a caller replaying the search for another strategy can
 * resume it there (exact).
 */
export interface Pruning {
  layers: LayerCache;
  /** True when no plan of site-local tokens/s at most `tokensPerSecond` can change the result. */
  canSkip(tokensPerSecond: number): boolean;
  skipped?(part: SkippedPart): void;
}

/** A part of the search not estimated: its bound, and how to search it after all. */
export interface SkippedPart {
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
  const fp8Options: EstimateOptions = { ...options, attentionKernel: 'flash3' };
  const search: BlockSearch = { ctx, tiers, space, counts, options, fp8Options };
  let evaluated = 0;
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
          for (const etp of etpOptions(model, tp, dp, cp, ep))
            evaluated += searchBlock(search, { gpus, tp, pp, dp, cp, ep, etp }, visit, pruning);
        }
      }
    }
  }
  return evaluated;
}

/** The parallel dimensions of a block of layouts; ZeRO and precision complete a layout. */
type Block = Required<Pick<Plan, 'gpus' | 'tp' | 'pp' | 'dp' | 'cp' | 'ep' | 'etp'>>;
type Layout = Block & Pick<Plan, 'zero' | 'precision'>;

/** What every block of one searchPlans call shares. */
interface BlockSearch {
  ctx: SearchContext;
  tiers: SystemTiers;
  space: SearchSpace;
  counts: ParameterCounts;
  options: EstimateOptions;
  /** FP8 plans run their attention on today's fused kernels. */
  fp8Options: EstimateOptions;
}

/**
 * Lower bounds of the step seconds of a block's rows before the optimizer step and in-site DP, by precision, vpp and
 * micro-batch index (NaN where the row has no such plan); ZeRO does not change them: computed once for its stages.
 */
interface BlockBounds {
  stepSeconds: Float64Array;
  /** The highest tokens/s bound over the whole block (the optimizer step left out: still an upper bound). */
  max: number;
}

/** One block: ZeRO x precision x vpp x mbs x recompute, skipped whole when its bound cannot beat the threshold. */
function searchBlock(
  search: BlockSearch,
  block: Block,
  visit: (c: Candidate) => void,
  pruning: Pruning | undefined,
): number {
  const { ctx, tiers, space, counts } = search;
  const bounds = pruning ? blockBounds(search, block, pruning.layers) : undefined;
  if (pruning && bounds && pruning.canSkip(bounds.max)) {
    pruning.skipped?.({
      upperBoundTokensPerSecond: bounds.max,
      resume: (again, visitAgain) => searchBlock(search, block, visitAgain, again),
    });
    return 0;
  }
  const hbm = tiers.hbmGiB - tiers.memoryReserveGiB;
  const { tp, pp, dp, cp, ep, etp } = block;
  const precisions = ctx.precisions ?? ['bf16'];
  let evaluated = 0;
  for (const zero of ZERO_ORDER) {
    if (stateLowerBoundGiB(counts.total, counts.expertParamsTotal, tp, pp, ep, etp, dp * cp, zero) > hbm) continue;
    for (let pi = 0; pi < precisions.length; pi++) {
      const layout = layoutOf(block, zero, precisions[pi]);
      for (let vi = 0; vi < space.vpp.length; vi++) {
        const vpp = space.vpp[vi];
        if (vpp > 1 && (pp < 2 || pp * vpp > ctx.model.layers)) continue;
        const at = (pi * space.vpp.length + vi) * space.mbs.length;
        const rowBound = bounds && pruning && { pruning, stepSeconds: bounds.stepSeconds.subarray(at) };
        evaluated += searchRow(search, layout, vpp, 0, visit, rowBound);
      }
    }
  }
  return evaluated;
}

function layoutOf(b: Block, zero: 0 | 1 | 2 | 3, precision: Precision): Layout {
  return { gpus: b.gpus, tp: b.tp, pp: b.pp, dp: b.dp, cp: b.cp, ep: b.ep, etp: b.etp, zero, precision };
}

function blockBounds(search: BlockSearch, block: Block, layers: LayerCache): BlockBounds {
  const { ctx, tiers, space } = search;
  const { model, shape, seq } = ctx;
  const precisions = ctx.precisions ?? ['bf16'];
  const stepSeconds = new Float64Array(precisions.length * space.vpp.length * space.mbs.length).fill(NaN);
  let max = -Infinity;
  for (let pi = 0; pi < precisions.length; pi++) {
    const options = precisions[pi] === 'fp8' ? search.fp8Options : search.options;
    const layout = layoutOf(block, 1, precisions[pi]);
    for (let vi = 0; vi < space.vpp.length; vi++) {
      const vpp = space.vpp[vi];
      if (vpp > 1 && (block.pp < 2 || block.pp * vpp > model.layers)) continue;
      for (let mi = 0; mi < space.mbs.length; mi++) {
        const plan = rowPlan(ctx, layout, vpp, space.mbs[mi]);
        if (!plan) break;
        const seconds = stepSecondsLowerBound(model, shape, tiers, search.counts, plan, options, layers);
        stepSeconds[(pi * space.vpp.length + vi) * space.mbs.length + mi] = seconds;
        const bound = upperBound(plan.gbs * seq, seconds);
        if (bound > max) max = bound;
      }
    }
  }
  return { stepSeconds, max };
}

/** The row's plan for micro-batch `mbs`, or undefined where the global batch would overshoot the target. */
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

/** A row's pruning: the threshold, and the pipeline lower bounds of its micro-batches (from its block). */
interface RowPruning {
  pruning: Pruning;
  stepSeconds: Float64Array;
}

/**
 * One batch row (a layout and vpp) from micro-batch index `from`: mbs x recompute, the first recompute level that
 * fits; a larger micro-batch only needs more memory, so the row stops at the first mbs where nothing fits. With
 * pruning, the rest of the row is skipped when no plan in it can beat the bound's threshold.
 */
function searchRow(
  search: BlockSearch,
  layout: Layout,
  vpp: number,
  from: number,
  visit: (c: Candidate) => void,
  rowPruning: RowPruning | undefined,
): number {
  const { ctx, tiers, space } = search;
  const options = layout.precision === 'fp8' ? search.fp8Options : search.options;
  const layers = rowPruning?.pruning.layers;
  let evaluated = 0;
  for (let i = from; i < space.mbs.length; i++) {
    const base = rowPlan(ctx, layout, vpp, space.mbs[i]);
    if (!base) break;
    if (rowPruning) {
      const { pruning } = rowPruning;
      const bound = rowUpperBound(search, layout, vpp, i, rowPruning.stepSeconds);
      if (pruning.canSkip(bound)) {
        pruning.skipped?.({
          upperBoundTokensPerSecond: bound,
          resume: (again, visitAgain) =>
            searchRow(search, layout, vpp, i, visitAgain, { ...rowPruning, pruning: again }),
        });
        break;
      }
    }
    let fitted = false;
    for (const recompute of RECOMPUTE_ORDER) {
      const plan = withRecompute(layout, vpp, base.mbs, base.gbs, base.seq!, recompute);
      const estimate = estimateWithTiers(ctx.model, tiers, plan, options, ctx.shape, layers?.get(plan, options));
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

/** The highest tokens/s bound over the rest of a row: its block's pipeline bounds plus this layout's optimizer step. */
function rowUpperBound(
  search: BlockSearch,
  layout: Layout,
  vpp: number,
  from: number,
  stepSeconds: Float64Array,
): number {
  const { ctx, tiers, space, counts } = search;
  let bound = -Infinity;
  let optimizer: number | undefined;
  for (let i = from; i < space.mbs.length; i++) {
    const plan = rowPlan(ctx, layout, vpp, space.mbs[i]);
    if (!plan) break;
    optimizer ??= optimizerSeconds(ctx.model, tiers, counts, plan);
    const b = upperBound(plan.gbs * ctx.seq, stepSeconds[i] + optimizer);
    if (b > bound) bound = b;
  }
  return bound;
}
