// Time of one transformer layer for one micro-batch on one GPU: GEMMs, fused attention, element-wise traffic and
// the TP / CP / EP collectives, then forward + backward (+ recompute) with the overlaps the software allows.
import { allReduceSeconds, allToAllSeconds, sendRecvSeconds } from './collectives.js';
import { gemmSeconds, gemmSizeEfficiency, HBM_STREAM_EFFICIENCY, SUSTAINED_KERNEL_EFFICIENCY } from './efficiency.js';
import type { LayerShape } from './flops.js';
import { layerActivationBytes } from './memory.js';
import { groupTier, type NormalizedPlan } from './plan.js';
import type { ModelSpec, SystemTiers } from './types.js';

/** Share of the s x s score matrix a causal decoder computes (the upper triangle is masked). */
const CAUSAL_FRACTION = 0.5;
/** TP communication overlapped with GEMMs is split into chunks; one chunk stays exposed (assumption: 4 chunks). */
const TP_OVERLAP_CHUNKS = 4;

export interface LayerTiming {
  computeSeconds: number;
  tpSeconds: number;
  cpSeconds: number;
  epSeconds: number;
  /** Activation bytes kept per layer per micro-batch. */
  activationBytes: number;
  /** Full one-layer activations, needed as working memory while recomputing. */
  workingBytes: number;
}

/** Forward GEMMs of one layer: attention projections, then the dense MLP or router + local experts + shared ones. */
function layerGemmSeconds(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  moe: boolean,
): number {
  const peak = tiers.gpu.bf16DenseTflops * 1e12;
  const hbm = tiers.gpu.hbmTBps * 1e12;
  const mamf = tiers.mamfFraction;
  const h = model.hiddenSize;
  const t = p.tp;
  const tokens = (p.mbs * p.seq) / p.cp;
  const inWidth = (shape.attentionParams - shape.attnOutWidth * h) / h;
  let gemm =
    gemmSeconds(tokens, h, inWidth / t, peak, hbm, mamf) +
    gemmSeconds(tokens, shape.attnOutWidth / t, h, peak, hbm, mamf);
  const gatedFactor = model.gatedMlp ? 2 : 1;
  if (moe && model.moe) {
    const m = model.moe;
    const expertTokens = (tokens * m.topK * p.ep) / m.experts;
    const localExperts = m.experts / p.ep;
    gemm += gemmSeconds(tokens, h, m.experts, peak, hbm, mamf);
    gemm +=
      localExperts *
      (gemmSeconds(expertTokens, h, (gatedFactor * m.expertFfnHiddenSize) / t, peak, hbm, mamf) +
        gemmSeconds(expertTokens, m.expertFfnHiddenSize / t, h, peak, hbm, mamf));
    if (m.sharedExperts > 0) {
      const sharedWidth = m.sharedExperts * m.expertFfnHiddenSize;
      gemm +=
        gemmSeconds(tokens, h, (gatedFactor * sharedWidth) / t, peak, hbm, mamf) +
        gemmSeconds(tokens, sharedWidth / t, h, peak, hbm, mamf);
    }
  } else {
    gemm +=
      gemmSeconds(tokens, h, (gatedFactor * model.ffnHiddenSize) / t, peak, hbm, mamf) +
      gemmSeconds(tokens, model.ffnHiddenSize / t, h, peak, hbm, mamf);
  }
  return gemm;
}

/** Scores and values: batched matmuls over (mbs x heads/tp) of [s/cp x d] x [d x s]. */
function attentionCoreSeconds(shape: LayerShape, p: NormalizedPlan, tiers: SystemTiers, flash: boolean): number {
  const peak = tiers.gpu.bf16DenseTflops * 1e12;
  const tokens = (p.mbs * p.seq) / p.cp;
  const coreFlops = tokens * p.seq * (shape.attnCoreFlopsPerTokenPerSeq / p.tp);
  // Fused attention skips the masked half of a causal s x s matrix (counted in full by the FLOP convention);
  // unfused attention computes all of it and masks afterwards.
  return flash
    ? (CAUSAL_FRACTION * coreFlops) / (peak * tiers.flashAttentionFraction)
    : coreFlops / (peak * gemmSizeEfficiency(coreFlops / 2e9, tiers.mamfFraction));
}

/**
 * Element-wise traffic over HBM in units of one [tokens x h] BF16 tensor: two norms (read+write), two residual adds
 * (read 2, write 1), rotary on Q and K, and the MLP activation (read gated inputs, write output).
 */
function elementwiseSeconds(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  moe: boolean,
  flash: boolean,
): number {
  const h = model.hiddenSize;
  const t = p.tp;
  const tokens = (p.mbs * p.seq) / p.cp;
  const gatedFactor = model.gatedMlp ? 2 : 1;
  const mlpWidth =
    moe && model.moe ? model.moe.expertFfnHiddenSize * (model.moe.topK + model.moe.sharedExperts) : model.ffnHiddenSize;
  const actBytes = tokens * h * 2;
  const replicatedUnits = 10;
  const shardedUnits = (2 * (shape.qWidth + shape.kvWidth / 2)) / h + ((gatedFactor + 1) * mlpWidth) / h;
  let bytes = actBytes * (replicatedUnits / (p.sequenceParallel ? t : 1) + shardedUnits / t);
  if (!flash) {
    // Unfused attention writes the score matrix: scale+mask+softmax read/write (4 B/elem) and dropout (5 B/elem).
    bytes += p.mbs * (model.attentionHeads / t) * (p.seq / p.cp) * p.seq * 9;
  }
  return bytes / (tiers.gpu.hbmTBps * 1e12 * HBM_STREAM_EFFICIENCY);
}

/** One forward TP collective pair (after attention and after the MLP). */
function tpCommSeconds(model: ModelSpec, p: NormalizedPlan, tiers: SystemTiers): number {
  if (p.tp <= 1) return 0;
  const actBytes = ((p.mbs * p.seq) / p.cp) * model.hiddenSize * 2;
  return 2 * allReduceSeconds(actBytes, p.tp, groupTier(p.tp, tiers));
}

/** Ring attention: cp-1 KV block exchanges per forward. */
function cpCommSeconds(shape: LayerShape, p: NormalizedPlan, tiers: SystemTiers): number {
  if (p.cp <= 1) return 0;
  const kvBytes = (((p.mbs * p.seq) / p.cp) * shape.kvWidth * 2) / p.tp;
  return (p.cp - 1) * sendRecvSeconds(kvBytes, groupTier(p.tp * p.cp, tiers));
}

/** MoE token dispatch and combine all-to-alls of one forward. */
function epCommSeconds(model: ModelSpec, p: NormalizedPlan, tiers: SystemTiers, moe: boolean): number {
  if (!moe || !model.moe || p.ep <= 1) return 0;
  const dispatchBytes = (((p.mbs * p.seq) / p.cp) * model.moe.topK * model.hiddenSize * 2) / p.tp;
  return 2 * allToAllSeconds(dispatchBytes, p.ep, groupTier(p.tp * p.cp * p.ep, tiers));
}

/** Forward + backward (+ recompute) of one layer (dense or MoE) for one micro-batch. */
export function layerTiming(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  moe: boolean,
  flash: boolean,
  tpOverlap: boolean,
): LayerTiming {
  const gemm = layerGemmSeconds(model, shape, p, tiers, moe);
  const attnCore = attentionCoreSeconds(shape, p, tiers, flash);
  const fwdCompute =
    (gemm + attnCore + elementwiseSeconds(model, shape, p, tiers, moe, flash)) / SUSTAINED_KERNEL_EFFICIENCY;
  let recompute = 0;
  if (p.recompute === 'full') recompute = fwdCompute;
  else if (p.recompute === 'selective') recompute = attnCore / SUSTAINED_KERNEL_EFFICIENCY;
  // Forward and backward each run two TP collectives per layer; full recompute repeats the forward ones.
  const commFactor = p.recompute === 'full' ? 3 : 2;
  let tp = commFactor * tpCommSeconds(model, p, tiers);
  if (tpOverlap && tp > 0) tp = Math.max(tp - (3 * gemm) / SUSTAINED_KERNEL_EFFICIENCY, tp / TP_OVERLAP_CHUNKS);
  // Ring attention hides the KV exchange behind the attention math of each step.
  const cp = Math.max(0, 3 * cpCommSeconds(shape, p, tiers) - (3 * attnCore) / SUSTAINED_KERNEL_EFFICIENCY);
  const activationBytes = layerActivationBytes(model, shape, p, moe, flash, p.recompute);
  return {
    computeSeconds: 3 * fwdCompute + recompute,
    tpSeconds: tp,
    cpSeconds: cp,
    epSeconds: commFactor * epCommSeconds(model, p, tiers, moe),
    activationBytes,
    workingBytes: p.recompute === 'full' ? layerActivationBytes(model, shape, p, moe, flash, 'none') : activationBytes,
  };
}
