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
 * Bus-bandwidth efficiency of the TP all-reduces and expert all-to-alls of serving for messages up to
 * SMALL_MESSAGE_BYTES (fitted, as above): the per-layer, unoverlapped collectives of a serving step run far below
 * training's large-buffer NVLink figure (0.75, src/perf/tiers.ts); the fit also absorbs per-rank work the model does
 * not split (norms, residuals and quantization replicated on every TP rank) and rank skew at each synchronization.
 */
export const SERVING_COLLECTIVE_EFFICIENCY = 0.35;
/**
 * Fixed cost of one TP all-reduce in a serving step, us (fitted, as above): kernel launch and the ranks' barrier,
 * which small decode messages cannot hide (nccl-tests report tens of us for an 8-GPU NVLink all-reduce of a few KB).
 */
export const COLLECTIVE_LATENCY_US = 20;
/** Grouped expert GEMMs (MoE) relative to dense GEMMs of the same size (fitted, as above). */
export const MOE_GEMM_EFFICIENCY = 0.7;
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
    stageTier: layout.gpusPerStage <= domain ? system.scaleUp : system.scaleOut,
    ppTier: layout.gpusPerInstance <= domain ? system.scaleUp : system.scaleOut,
  };
}

/**
 * The message sizes between which the serving collective efficiency rises log-linearly from
 * SERVING_COLLECTIVE_EFFICIENCY to the tier's large-buffer figure (fitted with it; see docs/sources.md).
 */
export const SMALL_MESSAGE_BYTES = 16e6;
export const LARGE_MESSAGE_BYTES = 256e6;

/** The tier as a collective of `bytes` per rank sees it (time still grows with size: efficiency rises slower). */
function sizedTier(tier: NetworkTier, bytes: number): NetworkTier {
  const lo = Math.min(tier.efficiency, SERVING_COLLECTIVE_EFFICIENCY);
  if (bytes <= SMALL_MESSAGE_BYTES) return { ...tier, efficiency: lo };
  if (bytes >= LARGE_MESSAGE_BYTES) return tier;
  const x = Math.log(bytes / SMALL_MESSAGE_BYTES) / Math.log(LARGE_MESSAGE_BYTES / SMALL_MESSAGE_BYTES);
  return { ...tier, efficiency: lo + x * (tier.efficiency - lo) };
}

/** One GEMM-like block: the slower of compute at its size efficiency and streaming its bytes. */
function blockSeconds(ctx: TimingContext, flops: number, bytes: number, gemms: number, kernelEfficiency = 1): number {
  if (flops <= 0 && bytes <= 0) return 0;
  const eff = gemmSizeEfficiency(flops / gemms / 1e9, ctx.mamf) * kernelEfficiency;
  const compute = flops / (ctx.linearFlops * eff);
  const memory = bytes / ctx.hbmBytesPerSecond;
  return softRoofline(compute, memory);
}

/**
 * Near the ridge point a kernel reaches neither its FLOP nor its byte ceiling: the two times combine as a p-norm
 * (p = ROOFLINE_SHARPNESS; p -> infinity is the hard max of the plain roofline). Fitted, see SERVING_HBM_EFFICIENCY.
 */
export const ROOFLINE_SHARPNESS = 1.5; // softRoofline is written out for this value
export function softRoofline(computeSeconds: number, memorySeconds: number): number {
  const hi = computeSeconds > memorySeconds ? computeSeconds : memorySeconds;
  if (!(hi > 0)) return 0;
  const r = (computeSeconds > memorySeconds ? memorySeconds : computeSeconds) / hi;
  // (c^1.5 + m^1.5)^(2/3) = hi x (1 + r^1.5)^(2/3), r = lo / hi <= 1; sqrt and cbrt are far cheaper than pow.
  const c = Math.cbrt(1 + r * Math.sqrt(r));
  return hi * c * c;
}

/**
 * HBM traffic between an MLP's GEMMs for `rows` tokens with `ffn` intermediate columns on this GPU: the gate and up
 * outputs written and read by the activation, its output written and read by the down projection, in BF16.
 */
function mlpIntermediateBytes(rows: number, ffn: number): number {
  return rows * ffn * 2 * (2 + 2 + 1 + 1);
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
    (shape.denseMlpParams * weightBytes) / tp + 2 * act + mlpIntermediateBytes(perGroup, model.ffnHiddenSize / tp),
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
      (touched * shape.expertParams * weightBytes) / gpusPerStage +
        (4 * routed * h) / layout.ep +
        mlpIntermediateBytes(routed / layout.ep, (model.moe.expertFfnHiddenSize * layout.ep) / gpusPerStage),
      3 * Math.max(1, touched / layout.ep), // one GEMM per touched local expert and matrix
      MOE_GEMM_EFFICIENCY,
    );
    moe = common + experts;
  }
  const layers = layout.denseLayersPerStage + layout.moeLayersPerStage;
  const layerShare = layers / model.layers;
  // Attention core: heads over tp, sequences over the attention data-parallel groups; KV bytes over distinct heads.
  const attnCompute = (attnFlops * layerShare) / (tp * attnDp) / (ctx.bf16Flops * ctx.attnFraction);
  const attnMemory = (kvBytes * layerShare) / (layout.kvShards * attnDp) / ctx.hbmBytesPerSecond;
  const logits = blockSeconds(ctx, (logitTokens * shape.logitsFlopsPerToken) / tp, (model.vocabSize * h * 2) / tp, 1);
  const allReduce =
    tp > 1 ? allReduceSeconds(act, tp, sizedTier(ctx.stageTier, act)) + COLLECTIVE_LATENCY_US * 1e-6 : 0;
  let comm = layers * 2 * allReduce;
  // Expert parallel: dispatch and combine, each rank sending its share of the routed token rows.
  const a2a = model.moe ? (perGroup * model.moe.topK * h * 2) / tp : 0;
  if (model.moe && layout.ep > 1)
    comm += layout.moeLayersPerStage * 2 * allToAllSeconds(a2a, gpusPerStage, sizedTier(ctx.stageTier, a2a));
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
  return iterationBreakdown(ctx, batch, contextTokens, 0, 0);
}

/**
 * One mixed iteration (chunked prefill fused with decode, as vLLM and TensorRT-LLM's in-flight batching run it):
 * `batch` decoding sequences with `contextTokens` of KV in total, plus `prefillTokens` prompt tokens of prompts
 * `promptTokens` long (each attends to half its prompt on average). The weights stream once for both.
 */
export function iterationBreakdown(
  ctx: TimingContext,
  batch: number,
  contextTokens: number,
  prefillTokens: number,
  promptTokens: number,
): DecodeBreakdown {
  const { model, layout } = ctx;
  const pp = layout.pp;
  const attnFlops =
    model.layers *
    (contextTokens * layout.decodeAttnFlopsPerContextToken +
      ((prefillTokens * promptTokens) / 2) * layout.shape.attnCoreFlopsPerTokenPerSeq);
  const kvBytes = (contextTokens + prefillTokens) * model.layers * layout.kvBytesPerTokenPerLayer;
  // m = min(pp, sequences) micro-batches cycle through the pp stages: one iteration lasts pp stage-times of one
  // micro-batch (with m < pp the stages idle the rest: the decode pipeline bubble).
  const m = Math.max(1, Math.min(pp, batch));
  const micro = (batch + prefillTokens) / m;
  const s = stageSeconds(ctx, micro, attnFlops / m, kvBytes / m, batch / m);
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
 * One prefill iteration of `prompts` prompts of `tokensEach` new tokens packed together, each after `priorTokens`
 * tokens of its own already in the KV cache (a later chunk of a chunked prompt), through every stage in turn, s.
 */
export function prefillBatchSeconds(ctx: TimingContext, prompts: number, tokensEach: number, priorTokens = 0): number {
  if (tokensEach <= 0 || prompts <= 0) return 0;
  const { model, layout } = ctx;
  const pp = layout.pp;
  const tokens = prompts * tokensEach;
  // Causal: each new token attends to the prior tokens and to the new ones before it.
  const attnFlops =
    prompts * tokensEach * (priorTokens + tokensEach / 2) * model.layers * layout.shape.attnCoreFlopsPerTokenPerSeq;
  const kvBytes = prompts * (priorTokens + tokensEach) * model.layers * layout.kvBytesPerTokenPerLayer;
  const s = stageSeconds(ctx, tokens, attnFlops, kvBytes, prompts);
  const send = pp > 1 ? (pp - 1) * sendRecvSeconds(2 * tokens * model.hiddenSize, ctx.ppTier) : 0;
  return pp * sumBreakdown(s) + send + ITERATION_OVERHEAD_SECONDS;
}

/** One prompt of `tokens` tokens alone, in chunks of at most `chunkTokens`: its queue-free prefill latency, s. */
export function prefillLatencySeconds(ctx: TimingContext, tokens: number, chunkTokens = Infinity): number {
  let seconds = 0;
  for (let done = 0; done < tokens; done += chunkTokens)
    seconds += prefillBatchSeconds(ctx, 1, Math.min(chunkTokens, tokens - done), done);
  return seconds;
}

/**
 * Prefill time per request when prompts queue up: as many whole prompts as one iteration's token budget holds are
 * packed together (in-flight batching), so the weights stream once per iteration, not once per prompt; a prompt
 * longer than the budget runs in chunks.
 */
export function prefillCostSeconds(ctx: TimingContext, promptTokens: number, budgetTokens: number): number {
  if (promptTokens > budgetTokens) return prefillLatencySeconds(ctx, promptTokens, budgetTokens);
  const perIteration = Math.max(1, Math.floor(budgetTokens / promptTokens));
  return prefillBatchSeconds(ctx, perIteration, promptTokens) / perIteration;
}
