// Exact pruning for the plan search: a lower bound on a plan's step time, hence an upper bound on its site-local
// tokens/s, from what costs little to compute: the pipeline at recompute 'none', the WAN exposure of hierarchical DP
// and the optimizer step, with the layer timings shared by every plan that has the same layer-level knobs (LayerCache). Plans whose bound cannot
// reach the K-th best (nor the best of their strategy) are never estimated; the output is unchanged.
import { DEFAULT_GRAD_REDUCE_BYTES, optimizerStepSeconds } from '../perf/data-parallel.js';
import { planLayers, type EstimateOptions, type PlanLayers } from '../perf/estimate.js';
import type { LayerShape, ParameterCounts } from '../perf/flops.js';
import { localParameters } from '../perf/memory.js';
import { pipelineTiming, type PipelineTiming } from '../perf/pipeline.js';
import { normalizePlan } from '../perf/plan.js';
import type { ModelSpec, Plan, SystemTiers } from '../perf/types.js';
import { wanDataParallelBytes, wanDataParallelExposedSeconds, wanDataParallelSeconds } from '../perf/wan.js';

/**
 * Relative margin added to every bound: the bound and the estimate add the same non-negative terms in the same
 * order, so rounding cannot make the estimate smaller, but the margin keeps the bound safe against any reordering.
 */
const BOUND_MARGIN = 1e-9;

/**
 * Layer timings of one search (one tiers, one model, one sequence length), keyed by every plan field and option that
 * `planLayers` reads. Pure memoisation: a cached timing is the value `estimateWithTiers` would compute for that plan.
 */
export class LayerCache {
  private readonly byOptions = new Map<EstimateOptions, Map<number | string, PlanLayers>>();
  constructor(
    private readonly model: ModelSpec,
    private readonly shape: LayerShape,
    private readonly tiers: SystemTiers,
  ) {}

  get(plan: Plan, options: EstimateOptions): PlanLayers {
    let map = this.byOptions.get(options);
    if (!map) this.byOptions.set(options, (map = new Map()));
    const key = layerKey(plan, this.model.seqLength);
    let layers = map.get(key);
    if (!layers) {
      layers = planLayers(this.model, this.tiers, normalizePlan(plan, this.model), options, this.shape);
      map.set(key, layers);
    }
    return layers;
  }
}

const RECOMPUTE_INDEX = { none: 0, selective: 1, full: 2 } as const;

/** The plan fields layerTiming reads, as one number where they are in the planner's ranges, else as text. */
function layerKey(plan: Plan, modelSeq: number): number | string {
  const cp = plan.cp ?? 1;
  const ep = plan.ep ?? 1;
  const etp = plan.etp ?? plan.tp;
  const recompute = RECOMPUTE_INDEX[plan.recompute ?? 'none'];
  const fp8 = plan.precision === 'fp8' ? 1 : 0;
  const sp = plan.sequenceParallel ? 1 : 0;
  const small =
    plan.tp < 512 && cp < 64 && ep < 512 && etp < 512 && plan.mbs < 64 && (plan.seq ?? modelSeq) === modelSeq;
  if (small && !plan.offloadLayers)
    return plan.tp + 512 * (cp + 64 * (ep + 512 * (etp + 512 * (plan.mbs + 64 * (recompute + 3 * (fp8 + 2 * sp))))));
  return `${plan.tp}|${cp}|${ep}|${etp}|${plan.mbs}|${plan.seq}|${recompute}|${sp}|${plan.precision}|${plan.offloadLayers}`;
}

/**
 * A lower bound on the step of `plan` (given with recompute 'none') at any recompute level, the optimizer step and
 * the in-site DP exposure left out: the pipeline at recompute none (every layer term only grows with recompute: more
 * compute, a third TP/EP collective pass), plus what hierarchical DP leaves exposed of its WAN exchange even with the
 * widest overlap window any recompute level gives (full recompute's).
 */
export function stepSecondsLowerBound(
  model: ModelSpec,
  shape: LayerShape,
  tiers: SystemTiers,
  counts: ParameterCounts,
  plan: Plan,
  options: EstimateOptions,
  layers: LayerCache,
): number {
  if (plan.recompute !== 'none') throw new Error('the bound takes the plan without recompute');
  const pipelineSeconds = pipelineAt(model, shape, tiers, plan, options, layers).totalSeconds;
  const wan = options.wan;
  if (!wan || wan.dpSites <= 1) return pipelineSeconds;
  const widest = pipelineAt(model, shape, tiers, { ...plan, recompute: 'full' }, options, layers);
  const bytes = wanDataParallelBytes(counts.total, options.gradReduceBytes ?? DEFAULT_GRAD_REDUCE_BYTES, wan.dpSites);
  const seconds = wanDataParallelSeconds(bytes, wan);
  return pipelineSeconds + wanDataParallelExposedSeconds(seconds, widest, options.dpOverlap ?? true);
}

function pipelineAt(
  model: ModelSpec,
  shape: LayerShape,
  tiers: SystemTiers,
  plan: Plan,
  options: EstimateOptions,
  layers: LayerCache,
): PipelineTiming {
  const p = normalizePlan(plan, model);
  const { dense, moe } = layers.get(plan, options);
  return pipelineTiming(model, shape, p, tiers, dense, moe, p.gbs / (p.mbs * p.dp), options.wan);
}

/** The optimizer step of `plan`, as the estimate computes it (it depends on neither recompute nor micro-batch). */
export function optimizerSeconds(model: ModelSpec, tiers: SystemTiers, counts: ParameterCounts, plan: Plan): number {
  const p = normalizePlan(plan, model);
  const localParams = localParameters(counts.total, counts.expertParamsTotal, p.tp, p.pp, p.ep, p.etp);
  return optimizerStepSeconds(localParams, p, tiers);
}

/** Tokens over a lower bound of the step's seconds, with the margin: an upper bound on tokens/s. */
export function upperBound(tokens: number, lowerBoundSeconds: number): number {
  return (tokens / lowerBoundSeconds) * (1 + BOUND_MARGIN);
}

/**
 * An upper bound on the tokens/s of `plan` (given with recompute 'none') at any recompute level: the step is at least
 * the lower bound above plus the optimizer step (the estimate adds the in-site DP exposure, >= 0, in between).
 */
export function tokensPerSecondUpperBound(
  model: ModelSpec,
  shape: LayerShape,
  tiers: SystemTiers,
  counts: ParameterCounts,
  plan: Plan,
  options: EstimateOptions,
  layers: LayerCache,
): number {
  const seconds = stepSecondsLowerBound(model, shape, tiers, counts, plan, options, layers);
  return upperBound(plan.gbs * plan.seq!, seconds + optimizerSeconds(model, tiers, counts, plan));
}
