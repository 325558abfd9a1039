// The training step-time and memory model. Pure: (model, tiers, plan) -> Estimate. Runs millions of times inside
// the planner and the twin, so it avoids per-layer loops and allocations beyond the result. Each concern has its
// own file: layer.ts (one layer), pipeline.ts, data-parallel.ts, wan.ts, memory.ts; this file composes them.
import { describeBottleneck } from './bottleneck.js';
import {
  dataParallelExposedSeconds,
  dataParallelSeconds,
  DEFAULT_GRAD_REDUCE_BYTES,
  optimizerStepSeconds,
} from './data-parallel.js';
import {
  layerShape,
  modelFlopsPerStep,
  parameterCounts,
  recomputeFlopsPerSequence,
  type LayerShape,
  type ParameterCounts,
} from './flops.js';
import { layerTiming, sharedLayerParts, type LayerTiming } from './layer.js';
import { localParameters, memoryBreakdown, memoryTotalGiB } from './memory.js';
import { maxLayers, pipelineTiming } from './pipeline.js';
import { normalizePlan, type NormalizedPlan } from './plan.js';
import type { Estimate, ModelSpec, Plan, SystemTiers } from './types.js';
import { wanDataParallelBytes, wanDataParallelExposedSeconds, wanDataParallelSeconds, type WanUse } from './wan.js';

export { describeBottleneck } from './bottleneck.js';
export { SUSTAINED_KERNEL_EFFICIENCY } from './efficiency.js';
export { layersPerStage } from './pipeline.js';
export { normalizePlan, type NormalizedPlan } from './plan.js';
export type { WanUse } from './wan.js';

export interface EstimateOptions {
  /** Fused attention that never writes the s x s score matrix (FlashAttention, 2022+). Default true. */
  flashAttention?: boolean;
  /** Overlap TP collectives with GEMMs (Megatron-Core tp-comm-overlap). Default false. */
  tpCommOverlap?: boolean;
  /** Overlap the DP gradient reduce with backward and the parameter gather with forward. Default true. */
  dpOverlap?: boolean;
  /**
   * Bytes per gradient element in the data-parallel reduce and the main-gradient buffer (4: FP32, Megatron's BF16
   * default; 2: FP16/BF16, grad_reduce_in_fp32 = False as NVIDIA's performance recipes set it).
   */
  gradReduceBytes?: number;
  /**
   * Fused-attention kernel generation: 'flash2' (FlashAttention-2 era, 2023-24 stacks; default) or 'flash3'
   * (Hopper/Blackwell-native kernels: FlashAttention-3, cuDNN 9 fused attention in Transformer Engine).
   */
  attentionKernel?: 'flash2' | 'flash3';
  /** Cross-site parallelism over a WAN tier: DP replicas and/or pipeline stages split over `sites` sites. */
  wan?: WanUse;
}

/** The dense and MoE layer timings of a plan (the MoE one is the dense one in a dense model). */
export interface PlanLayers {
  dense: LayerTiming;
  moe: LayerTiming;
}

/**
 * The layer timings estimateWithTiers uses. They depend only on what layerTiming reads of the plan (tp, cp, ep, etp,
 * mbs, seq, recompute, SP, precision, offload) and the options, so a caller that estimates many plans sharing those
 * (the planner) may compute them once and pass them in: the estimate is then bit-identical.
 */
export function planLayers(
  model: ModelSpec,
  tiers: SystemTiers,
  p: NormalizedPlan,
  options: EstimateOptions,
  shape: LayerShape,
): PlanLayers {
  const flash = options.flashAttention ?? true;
  const tpOverlap = options.tpCommOverlap ?? false;
  const attn = options.attentionKernel === 'flash3' ? tiers.flash3AttentionFraction : tiers.flashAttentionFraction;
  const shared = sharedLayerParts(model, shape, p, tiers, flash, attn);
  const dense = layerTiming(model, shape, p, tiers, false, flash, tpOverlap, attn, shared);
  const moe = shape.moeLayers > 0 ? layerTiming(model, shape, p, tiers, true, flash, tpOverlap, attn, shared) : dense;
  return { dense, moe };
}

export function estimateWithTiers(
  model: ModelSpec,
  tiers: SystemTiers,
  plan: Plan,
  options: EstimateOptions = {},
  shape: LayerShape = layerShape(model),
  layers?: PlanLayers,
): Estimate {
  const p = normalizePlan(plan, model);
  const dpOverlap = options.dpOverlap ?? true;
  const microBatches = p.gbs / (p.mbs * p.dp);
  const wan = options.wan;

  const { dense, moe: moeLayer } = layers ?? planLayers(model, tiers, p, options, shape);
  const pipe = pipelineTiming(model, shape, p, tiers, dense, moeLayer, microBatches, wan);

  const counts = modelCounts(model, shape);
  const localParams = localParameters(counts.total, counts.expertParamsTotal, p.tp, p.pp, p.ep, p.etp);
  const gradReduceBytes = options.gradReduceBytes ?? DEFAULT_GRAD_REDUCE_BYTES;
  const wanDp = wan !== undefined && wan.dpSites > 1;
  const dpSeconds = dataParallelSeconds(counts, p, tiers, gradReduceBytes, wanDp ? wan.dpSites : 1, microBatches);
  const dpExposed = dataParallelExposedSeconds(dpSeconds, pipe, localParams, p, microBatches, dpOverlap);
  // Hierarchical DP across sites: after the in-site reduce-scatter, each site ships its gradients over the WAN.
  const wanDpBytes = wanDp ? wanDataParallelBytes(counts.total, gradReduceBytes, wan.dpSites) : 0;
  const wanDpSeconds = wanDp ? wanDataParallelSeconds(wanDpBytes, wan) : 0;
  const wanDpExposed = wanDp ? wanDataParallelExposedSeconds(wanDpSeconds, pipe, dpOverlap) : 0;
  const optimizerSeconds = optimizerStepSeconds(localParams, p, tiers);
  const stepTimeSeconds = pipe.totalSeconds + dpExposed + wanDpExposed + optimizerSeconds;

  const stages = pipe.layersPerStage;
  const memory = memoryBreakdown(model, shape, p, tiers, stages, dense, moeLayer, microBatches, gradReduceBytes);
  const heaviest = shape.moeLayers > 0 ? moeLayer : dense;
  const deepest = maxLayers(stages);
  const breakdown = {
    computeSeconds: microBatches * (deepest * heaviest.computeSeconds + pipe.logitsSeconds),
    tpCommSeconds: microBatches * deepest * heaviest.tpSeconds,
    cpCommSeconds: microBatches * deepest * heaviest.cpSeconds,
    epCommSeconds: microBatches * deepest * moeLayer.epSeconds,
    ppCommSeconds: microBatches * pipe.ppCommPerMicroSeconds + pipe.wanSeconds,
    pipelineBubbleSeconds: pipe.bubbleSeconds,
    dpCommExposedSeconds: dpExposed,
    dpCommTotalSeconds: dpSeconds,
    wanCommExposedSeconds: wanDpExposed + pipe.wanSeconds,
    wanCommTotalSeconds: wanDpSeconds + pipe.wanSeconds,
    wanBytesPerStep: wanDpBytes + pipe.wanBytes,
    wanOverlapWindowSeconds:
      wanDpBytes > 0 && dpOverlap
        ? pipe.backwardWindowSeconds + pipe.forwardWindowSeconds
        : microBatches * pipe.steadyStageSeconds,
    optimizerSeconds,
    memory,
    hbmGiB: tiers.hbmGiB,
    microBatches,
    layersPerStage: stages,
  };
  return finishEstimate(model, shape, p, tiers, stepTimeSeconds, breakdown);
}

/** Parameter counts by shape (made once per model by the caller), for the model it was made from; dropped with it. */
const COUNTS = new WeakMap<LayerShape, { model: ModelSpec; counts: ParameterCounts }>();

/** parameterCounts(model, shape), computed once per (model, shape) instead of on every estimate. */
function modelCounts(model: ModelSpec, shape: LayerShape): ParameterCounts {
  const known = COUNTS.get(shape);
  if (known !== undefined && known.model === model) return known.counts;
  const counts = parameterCounts(model, shape);
  COUNTS.set(shape, { model, counts });
  return counts;
}

/** Throughput, utilization, the memory verdict and the bottleneck, from the step time and its breakdown. */
function finishEstimate(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  stepTimeSeconds: number,
  breakdown: Estimate['breakdown'],
): Estimate {
  const memoryGiBPerGpu = memoryTotalGiB(breakdown.memory);
  const modelFlops = modelFlopsPerStep(model, p.seq, p.gbs, shape);
  const hardwareFlops = modelFlops + recomputeFlopsPerSequence(model, p.seq, shape, p.recompute) * p.gbs;
  const modelTflopsPerGpu = modelFlops / stepTimeSeconds / p.gpus / 1e12;
  const hardwareTflopsPerGpu = hardwareFlops / stepTimeSeconds / p.gpus / 1e12;
  const hbmGiB = tiers.hbmGiB;
  return {
    stepTimeSeconds,
    tokensPerSecond: (p.gbs * p.seq) / stepTimeSeconds,
    modelTflopsPerGpu,
    hardwareTflopsPerGpu,
    mfu: modelTflopsPerGpu / tiers.gpu.bf16DenseTflops,
    hfu: hardwareTflopsPerGpu / tiers.gpu.bf16DenseTflops,
    memoryGiBPerGpu,
    fits: memoryGiBPerGpu <= hbmGiB,
    breakdown,
    bottleneck: describeBottleneck(
      stepTimeSeconds,
      breakdown,
      memoryGiBPerGpu,
      hbmGiB,
      p.tp <= tiers.scaleUpDomainGpus,
    ),
  };
}
