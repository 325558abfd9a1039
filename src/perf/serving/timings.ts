// Iteration times of one serving copy: a roofline per block of each layer (the slower of FLOPs at the GEMM
// size-efficiency curve and bytes from HBM), TP all-reduces and expert all-to-alls over the scale-up domain,
// pipeline stages in sequence, and one fixed cost per iteration.
import { allReduceSeconds, allToAllSeconds, sendRecvSeconds } from '../collectives.js';
import { gemmSizeEfficiency } from '../efficiency.js';
import type { ModelSpec, NetworkTier, SystemTiers } from '../types.js';
import type { ServingLayout } from './layout.js';
import type { DecodeBreakdown } from './types.js';

/**
 * Sustained fraction of HBM bandwidth that decode kernels reach streaming weights and KV cache. Fitted (with the two
 * constants below) to the serving cases in data/validation/serving*.json; see docs/sources.md "Serving model".
 */
export const SERVING_HBM_EFFICIENCY = 0.8;
/** Sustained fraction of the GEMM size-efficiency curve in serving kernels (fitted, as above). */
export const SERVING_KERNEL_EFFICIENCY = 0.85;
/**
 * Bus-bandwidth efficiency of the TP all-reduces and expert all-to-alls of serving (fitted, as above): the
 * mid-sized, unoverlapped collectives of a decode step run below training's large-buffer NVLink figure (0.75,
 * src/perf/tiers.ts); nccl-tests all_reduce on 8x H100 reaches roughly 250-300 of 450 GB/s at 10-50 MB.
 */
export const SERVING_COLLECTIVE_EFFICIENCY = 0.5;
/** Fixed cost per iteration: scheduling, sampling, kernel launches between CUDA graphs (fitted, as above), s. */
export const ITERATION_OVERHEAD_SECONDS = 1.5e-3;

/** Per-(model, system, layout) constants of the time functions, computed once. */
export interface TimingContext {
  model: ModelSpec;
  layout: ServingLayout;
  linearFlops: number;
  bf16Flops: number;
  hbmBytesPerSecond: number;
  mamf: number;
  attnFraction: number;
  /** Tier of the stage's TP/EP collectives and of the stage-to-stage sends. */
  stageTier: NetworkTier;
  ppTier: NetworkTier;
}

export function timingContext(model: ModelSpec, system: SystemTiers, layout: ServingLayout): TimingContext {
  const fp8 = layout.weightBytes === 1 && system.gpu.fp8DenseTflops !== null;
  const peak = (fp8 ? system.gpu.fp8DenseTflops! : system.gpu.bf16DenseTflops) * 1e12;
  const domain = system.scaleUpDomainGpus;
  return {
    model,
    layout,
    linearFlops: peak,
    bf16Flops: system.gpu.bf16DenseTflops * 1e12,
    hbmBytesPerSecond: system.gpu.hbmTBps * 1e12 * SERVING_HBM_EFFICIENCY,
    mamf: system.mamfFraction * SERVING_KERNEL_EFFICIENCY,
    attnFraction: system.flash3AttentionFraction,
    stageTier: servingTier(layout.gpusPerStage <= domain ? system.scaleUp : system.scaleOut),
    ppTier: layout.gpusPerInstance <= domain ? system.scaleUp : system.scaleOut,
  };
}

function servingTier(tier: NetworkTier): NetworkTier {
  return { ...tier, efficiency: Math.min(tier.efficiency, SERVING_COLLECTIVE_EFFICIENCY) };
}

/** One GEMM-like block: the slower of compute at its size efficiency and streaming its bytes. */
function blockSeconds(ctx: TimingContext, flops: number, bytes: number, gemms: number): number {
  if (flops <= 0 && bytes <= 0) return 0;
  const eff = gemmSizeEfficiency(flops / gemms / 1e9, ctx.mamf);
  const compute = flops / (ctx.linearFlops * eff);
  const memory = bytes / ctx.hbmBytesPerSecond;
  return softRoofline(compute, memory);
}

/**
 * Near the ridge point a kernel reaches neither its FLOP nor its byte ceiling: the two times combine as a p-norm
 * (p = ROOFLINE_SHARPNESS; p -> infinity is the hard max of the plain roofline). Fitted, see SERVING_HBM_EFFICIENCY.
 */
export const ROOFLINE_SHARPNESS = 2;
export function softRoofline(computeSeconds: number, memorySeconds: number): number {
  const p = ROOFLINE_SHARPNESS;
  return Math.pow(Math.pow(computeSeconds, p) + Math.pow(memorySeconds, p), 1 / p);
}

/** Expected distinct experts that `tokens` tokens route to, each picking topK of E uniformly (assumption). */
export function distinctExperts(experts: number, topK: number, tokens: number): number {
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

/**
 * One pipeline stage (its most loaded GPU) processing `tokens` new tokens whose attention costs `attnFlops` FLOPs
 * and reads `kvBytes` bytes of KV cache in total over the copy's layers, emitting `logitTokens` logits.
 */
export function stageSeconds(
  ctx: TimingContext,
  tokens: number,
  attnFlops: number,
  kvBytes: number,
  logitTokens: number,
): DecodeBreakdown {
  const { model, layout } = ctx;
  const { shape, tp, attnDp, weightBytes, gpusPerStage } = layout;
  const h = model.hiddenSize;
  const perGroup = tokens / attnDp;
  const act = 2 * perGroup * h; // bytes of the BF16 hidden states of the tokens (one block input or output)
  const attnProj = blockSeconds(
    ctx,
    (perGroup * shape.attnProjFlopsPerToken) / tp,
    (shape.attentionParams * weightBytes) / tp + 2 * act,
    4,
  );
  const dense = blockSeconds(
    ctx,
    (perGroup * shape.denseMlpFlopsPerToken) / tp,
    (shape.denseMlpParams * weightBytes) / tp + 2 * act,
    3,
  );
  let moe = 0;
  if (model.moe && layout.moeLayersPerStage > 0) {
    const common = blockSeconds(
      ctx,
      (perGroup * 2 * layout.moeCommonParams) / tp,
      (layout.moeCommonParams * weightBytes) / tp,
      3,
    );
    const touched = distinctExperts(model.moe.experts, model.moe.topK, tokens);
    const routed = tokens * model.moe.topK;
    const experts = blockSeconds(
      ctx,
      (routed * 2 * shape.expertParams) / gpusPerStage,
      (touched * shape.expertParams * weightBytes) / gpusPerStage + (4 * routed * h) / gpusPerStage,
      3 * Math.max(1, touched / gpusPerStage),
    );
    moe = common + experts;
  }
  const layers = layout.denseLayersPerStage + layout.moeLayersPerStage;
  const layerShare = layers / model.layers;
  // Attention core: heads over tp, sequences over the attention data-parallel groups; KV bytes over distinct heads.
  const attnCompute = (attnFlops * layerShare) / (tp * attnDp) / (ctx.bf16Flops * ctx.attnFraction);
  const attnMemory = (kvBytes * layerShare) / (layout.kvShards * attnDp) / ctx.hbmBytesPerSecond;
  const logits = blockSeconds(ctx, (logitTokens * shape.logitsFlopsPerToken) / tp, (model.vocabSize * h * 2) / tp, 1);
  const allReduce = allReduceSeconds(act, tp, ctx.stageTier);
  let comm = layers * 2 * allReduce;
  if (model.moe && layout.ep > 1)
    comm +=
      layout.moeLayersPerStage *
      2 *
      allToAllSeconds((perGroup * model.moe.topK * h * 2) / tp, gpusPerStage, ctx.stageTier);
  return {
    linearSeconds:
      layout.denseLayersPerStage * (attnProj + dense) + layout.moeLayersPerStage * (attnProj + moe) + logits,
    attentionSeconds: softRoofline(attnCompute, attnMemory),
    communicationSeconds: comm,
    overheadSeconds: 0,
  };
}

/** One decode iteration of `batch` sequences with `contextTokens` of KV in total, split by part. */
export function decodeBreakdown(ctx: TimingContext, batch: number, contextTokens: number): DecodeBreakdown {
  const { model, layout } = ctx;
  const pp = layout.pp;
  // With pp stages, pp micro-batches of batch/pp keep every stage busy: each stage runs all of them per iteration.
  const micro = batch / pp;
  const attnFlops = contextTokens * model.layers * layout.shape.attnCoreFlopsPerTokenPerSeq;
  const kvBytes = contextTokens * model.layers * layout.kvBytesPerTokenPerLayer;
  const s = stageSeconds(ctx, micro, attnFlops / pp, kvBytes / pp, micro);
  const send = pp > 1 ? pp * sendRecvSeconds((2 * micro * model.hiddenSize) / layout.attnDp, ctx.ppTier) : 0;
  return {
    linearSeconds: pp * s.linearSeconds,
    attentionSeconds: pp * s.attentionSeconds,
    communicationSeconds: pp * s.communicationSeconds + send,
    overheadSeconds: ITERATION_OVERHEAD_SECONDS,
  };
}

export function sumBreakdown(b: DecodeBreakdown): number {
  return b.linearSeconds + b.attentionSeconds + b.communicationSeconds + b.overheadSeconds;
}

/**
 * One prefill iteration of `prompts` prompts of `tokensEach` tokens packed together (causal attention of each
 * over itself), through every stage in turn, seconds.
 */
export function prefillBatchSeconds(ctx: TimingContext, prompts: number, tokensEach: number): number {
  if (tokensEach <= 0 || prompts <= 0) return 0;
  const { model, layout } = ctx;
  const pp = layout.pp;
  const tokens = prompts * tokensEach;
  // Causal: each token attends to the tokens before it, half of the full tokens x tokens score matrix.
  const attnFlops = (prompts * tokensEach * tokensEach * model.layers * layout.shape.attnCoreFlopsPerTokenPerSeq) / 2;
  const kvBytes = tokens * model.layers * layout.kvBytesPerTokenPerLayer;
  const s = stageSeconds(ctx, tokens, attnFlops, kvBytes, prompts);
  const send = pp > 1 ? (pp - 1) * sendRecvSeconds(2 * tokens * model.hiddenSize, ctx.ppTier) : 0;
  return pp * sumBreakdown(s) + send + ITERATION_OVERHEAD_SECONDS;
}

/** One prompt of `tokens` tokens alone: its queue-free prefill latency, seconds. */
export function prefillLatencySeconds(ctx: TimingContext, tokens: number): number {
  return prefillBatchSeconds(ctx, 1, tokens);
}
