// Exact pruning for the plan search: a lower bound on a plan's step time, hence an upper bound on its site-local
// tokens/s, from what costs little to compute: the pipeline at recompute 'none' plus the optimizer step, with the
// layer timings shared by every plan that has the same layer-level knobs (LayerCache). Plans whose bound cannot
// reach the K-th best (nor the best of their strategy) are never estimated; the output is unchanged.
import { optimizerStepSeconds } from '../perf/data-parallel.js';
import { planLayers, type EstimateOptions, type PlanLayers } from '../perf/estimate.js';
import type { LayerShape, ParameterCounts } from '../perf/flops.js';
import { localParameters } from '../perf/memory.js';
import { pipelineTiming } from '../perf/pipeline.js';
import { normalizePlan } from '../perf/plan.js';
import type { ModelSpec, Plan, SystemTiers } from '../perf/types.js';

/**
 * Relative margin added to every bound: the bound and the estimate add the same non-negative terms in the same
 * order, so rounding cannot make the estimate smaller, but the margin keeps the bound safe against any reordering.
 */
const BOUND_MARGIN = 1e-9;

/**
 * Layer timings of one search (one tiers, one model), keyed by every plan field and option that `planLayers` reads.
 * Pure memoisation: a cached timing is the value `estimateWithTiers` would compute for that plan.
 */
export class LayerCache {
  private readonly map = new Map<string, PlanLayers>();
  constructor(
    private readonly model: ModelSpec,
    private readonly shape: LayerShape,
    private readonly tiers: SystemTiers,
  ) {}

  get(plan: Plan, options: EstimateOptions): PlanLayers {
    const key = `${plan.tp}|${plan.cp ?? 1}|${plan.ep ?? 1}|${plan.etp ?? plan.tp}|${plan.mbs}|${plan.seq}|${plan.recompute}|${plan.sequenceParallel}|${plan.precision}|${plan.offloadLayers ?? 0}|${options.attentionKernel}|${options.flashAttention}|${options.tpCommOverlap}`;
    let layers = this.map.get(key);
    if (!layers) {
      layers = planLayers(this.model, this.tiers, normalizePlan(plan, this.model), options, this.shape);
      this.map.set(key, layers);
    }
    return layers;
  }
}

/**
 * An upper bound on the tokens/s of `plan` (given with recompute 'none') at any recompute level: the step is at least the pipeline's time with
 * no recompute (every layer term only grows with recompute: more compute, a third TP/EP collective pass) plus the
 * optimizer step; DP and WAN exposure are >= 0. The ranking tests check it against unpruned searches.
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
  if (plan.recompute !== 'none') throw new Error('the bound takes the plan without recompute');
  const p = normalizePlan(plan, model);
  const { dense, moe } = layers.get(plan, options);
  const microBatches = p.gbs / (p.mbs * p.dp);
  const pipe = pipelineTiming(model, shape, p, tiers, dense, moe, microBatches, options.wan);
  const localParams = localParameters(counts.total, counts.expertParamsTotal, p.tp, p.pp, p.ep, p.etp);
  const lowerBoundSeconds = pipe.totalSeconds + optimizerStepSeconds(localParams, p, tiers);
  return ((p.gbs * p.seq) / lowerBoundSeconds) * (1 + BOUND_MARGIN);
}
