// Time of one transformer layer for one micro-batch on one GPU: GEMMs, fused attention, element-wise traffic and
// the TP / CP / EP collectives, then forward + backward (+ recompute) with the overlaps the software allows.
import { allReduceSeconds, allToAllSeconds, allToAllTwoTierSeconds, sendRecvSeconds } from './collectives.js';
import { gemmSeconds, gemmSizeEfficiency, HBM_STREAM_EFFICIENCY, SUSTAINED_KERNEL_EFFICIENCY } from './efficiency.js';
import type { LayerShape } from './flops.js';
import { layerActivationBytes } from './memory.js';
import { groupTier, type NormalizedPlan } from './plan.js';
import type { ModelSpec, SystemTiers } from './types.js';

/** Share of the s x s score matrix a causal decoder computes (the upper triangle is masked). */
const CAUSAL_FRACTION = 0.5;
/** Bytes moved per quantized element: amax read, read, FP8 write, FP8 transpose write (see fp8CastSeconds). */
const FP8_CAST_BYTES_PER_ELEMENT = 6;
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
  /** Time one offloaded layer's activation copies add (out during forward, back during backward) beyond its compute. */
  offloadExposedSeconds: number;
}

/** Peak FLOP/s of the transformer blocks' linear layers: the FP8 peak when they run in FP8 (Transformer Engine). */
export function linearPeakFlops(p: NormalizedPlan, tiers: SystemTiers): number {
  const fp8 = p.precision === 'fp8' ? tiers.gpu.fp8DenseTflops : null;
  return (fp8 ?? tiers.gpu.bf16DenseTflops) * 1e12;
}

interface GemmContext {
  peak: number;
  linear: number;
  bytes: number;
  hbm: number;
  mamf: number;
  tokens: number;
}

function gemmContext(p: NormalizedPlan, tiers: SystemTiers): GemmContext {
  const peak = tiers.gpu.bf16DenseTflops * 1e12;
  const linear = linearPeakFlops(p, tiers);
  // FP8 GEMMs read 1-byte operands and write a BF16 result: 1.5 bytes per element on average (assumption).
  const bytes = p.precision === 'fp8' && linear !== peak ? 1.5 : 2;
  return {
    peak,
    linear,
    bytes,
    hbm: tiers.gpu.hbmTBps * 1e12,
    mamf: tiers.mamfFraction,
    tokens: (p.mbs * p.seq) / p.cp,
  };
}

/** Forward attention projections of one layer (the same in dense and MoE layers). */
function attentionGemmSeconds(model: ModelSpec, shape: LayerShape, p: NormalizedPlan, c: GemmContext): number {
  const { linear, bytes, hbm, mamf, tokens } = c;
  const h = model.hiddenSize;
  const t = p.tp;
  let gemm = gemmSeconds(tokens, shape.attnOutWidth / t, h, linear, hbm, mamf, bytes);
  if (model.mla) {
    // Multi-head latent attention (DeepSeek-V2/V3): the down-projections to the Q and KV latents (plus the shared
    // RoPE key) are replicated over TP ranks; the up-projections split heads over TP.
    const m = model.mla;
    gemm +=
      gemmSeconds(tokens, h, m.qLoraRank + m.kvLoraRank + m.qkRopeHeadDim, linear, hbm, mamf, bytes) +
      gemmSeconds(tokens, m.qLoraRank, shape.qWidth / t, linear, hbm, mamf, bytes) +
      gemmSeconds(tokens, m.kvLoraRank, shape.kvWidth / t, linear, hbm, mamf, bytes);
  } else {
    const inWidth = (shape.attentionParams - shape.attnOutWidth * h) / h;
    gemm += gemmSeconds(tokens, h, inWidth / t, linear, hbm, mamf, bytes);
  }
  return gemm;
}

/**
 * Forward MLP GEMMs of one layer: the dense MLP, or router + local experts + shared ones.
 * FP8 runs the MLPs and experts on the FP8 tensor cores (1-byte operands); the router stays BF16.
 * Experts are split over EP x ETP (MoE parallel folding): each GPU holds experts/ep of them, 1/etp of each, and
 * processes the routed tokens of etp/tp of its TP group (tokens arrive sequence-split over TP ranks).
 */
function mlpGemmSeconds(model: ModelSpec, p: NormalizedPlan, c: GemmContext, moe: boolean): number {
  const { peak, linear, bytes, hbm, mamf, tokens } = c;
  const h = model.hiddenSize;
  const t = p.tp;
  const gatedFactor = model.gatedMlp ? 2 : 1;
  if (moe && model.moe) {
    const m = model.moe;
    const et = p.etp;
    const expertTokens = (tokens * m.topK * p.ep * et) / (m.experts * t);
    const localExperts = m.experts / p.ep;
    let gemm = gemmSeconds(tokens, h, m.experts, peak, hbm, mamf);
    gemm +=
      localExperts *
      (gemmSeconds(expertTokens, h, (gatedFactor * m.expertFfnHiddenSize) / et, linear, hbm, mamf, bytes) +
        gemmSeconds(expertTokens, m.expertFfnHiddenSize / et, h, linear, hbm, mamf, bytes));
    if (m.sharedExperts > 0) {
      const sharedWidth = m.sharedExperts * m.expertFfnHiddenSize;
      gemm +=
        gemmSeconds(tokens, h, (gatedFactor * sharedWidth) / t, linear, hbm, mamf, bytes) +
        gemmSeconds(tokens, sharedWidth / t, h, linear, hbm, mamf, bytes);
    }
    return gemm;
  }
  return (
    gemmSeconds(tokens, h, (gatedFactor * model.ffnHiddenSize) / t, linear, hbm, mamf, bytes) +
    gemmSeconds(tokens, model.ffnHiddenSize / t, h, linear, hbm, mamf, bytes)
  );
}

/**
 * FP8 quantization traffic of one layer, forward + backward (Transformer Engine, current scaling): every FP8 GEMM
 * input (forward) and output gradient (backward) is read once for its amax, read again and written as FP8 together
 * with its transpose (Hopper's FP8 GEMMs take only the TN layout): 2 + 2 + 1 + 1 bytes per element. Weight casts
 * happen once per step and are left out (amortized over the micro-batches).
 */
function fp8CastSeconds(model: ModelSpec, shape: LayerShape, p: NormalizedPlan, tiers: SystemTiers, moe: boolean) {
  if (p.precision !== 'fp8' || tiers.gpu.fp8DenseTflops === null) return 0;
  const h = model.hiddenSize;
  const t = p.tp;
  const m = moe ? model.moe : undefined;
  const copies = m ? m.topK + m.sharedExperts : 1; // each routed copy of a token is an expert GEMM input
  const ffn = m ? copies * m.expertFfnHiddenSize : model.ffnHiddenSize;
  const gated = model.gatedMlp ? 2 : 1;
  const inputs = h + shape.attnOutWidth / t + copies * h + ffn / t;
  const outputGrads = (shape.qWidth + shape.kvWidth) / t + h + (gated * ffn) / t + copies * h;
  const tokens = (p.mbs * p.seq) / p.cp;
  return (
    (tokens * (inputs + outputGrads) * FP8_CAST_BYTES_PER_ELEMENT) / (tiers.gpu.hbmTBps * 1e12 * HBM_STREAM_EFFICIENCY)
  );
}

/** Scores and values: batched matmuls over (mbs x heads/tp) of [s/cp x d] x [d x s]. */
function attentionCoreSeconds(
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  flash: boolean,
  flashFraction: number,
): number {
  const peak = tiers.gpu.bf16DenseTflops * 1e12;
  const tokens = (p.mbs * p.seq) / p.cp;
  const coreFlops = tokens * p.seq * (shape.attnCoreFlopsPerTokenPerSeq / p.tp);
  // Fused attention skips the masked half of a causal s x s matrix (counted in full by the FLOP convention);
  // unfused attention computes all of it and masks afterwards.
  return flash
    ? (CAUSAL_FRACTION * coreFlops) / (peak * flashFraction)
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
  // Folded layout: an EP group is ep consecutive blocks of etp ranks inside the TP x CP x DP ranks of a stage, so
  // floor(domain / etp) of its members share each scale-up domain and reach each other over NVLink.
  const span = p.etp * p.ep;
  if (span <= tiers.scaleUpDomainGpus) return 2 * allToAllSeconds(dispatchBytes, p.ep, tiers.scaleUp);
  const local = Math.max(1, Math.floor(tiers.scaleUpDomainGpus / p.etp));
  return 2 * allToAllTwoTierSeconds(dispatchBytes, p.ep, local, tiers.scaleUp, tiers.scaleOut);
}

/** What a dense and an MoE layer of the same plan share: the attention GEMMs and core, the TP and CP collectives. */
export interface SharedLayerParts {
  context: GemmContext;
  attentionGemm: number;
  attnCore: number;
  tpForward: number;
  cpForward: number;
}

export function sharedLayerParts(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  flash: boolean,
  flashFraction: number = tiers.flashAttentionFraction,
): SharedLayerParts {
  const context = gemmContext(p, tiers);
  return {
    context,
    attentionGemm: attentionGemmSeconds(model, shape, p, context),
    attnCore: attentionCoreSeconds(shape, p, tiers, flash, flashFraction),
    tpForward: tpCommSeconds(model, p, tiers),
    cpForward: cpCommSeconds(shape, p, tiers),
  };
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
  flashFraction: number = tiers.flashAttentionFraction,
  shared: SharedLayerParts = sharedLayerParts(model, shape, p, tiers, flash, flashFraction),
): LayerTiming {
  const gemm = shared.attentionGemm + mlpGemmSeconds(model, p, shared.context, moe);
  const attnCore = shared.attnCore;
  const fwdCompute =
    (gemm + attnCore + elementwiseSeconds(model, shape, p, tiers, moe, flash)) / SUSTAINED_KERNEL_EFFICIENCY;
  let recompute = 0;
  if (p.recompute === 'full') recompute = fwdCompute;
  else if (p.recompute === 'selective') recompute = attnCore / SUSTAINED_KERNEL_EFFICIENCY;
  // Forward and backward each run two TP collectives per layer; full recompute repeats the forward ones.
  const commFactor = p.recompute === 'full' ? 3 : 2;
  let tp = commFactor * shared.tpForward;
  if (tpOverlap && tp > 0) tp = Math.max(tp - (3 * gemm) / SUSTAINED_KERNEL_EFFICIENCY, tp / TP_OVERLAP_CHUNKS);
  // Ring attention hides the KV exchange behind the attention math of each step.
  const cp = Math.max(0, 3 * shared.cpForward - (3 * attnCore) / SUSTAINED_KERNEL_EFFICIENCY);
  const activationBytes = layerActivationBytes(model, shape, p, moe, flash, p.recompute);
  // Activation offloading: the copy out overlaps the layer's forward, the copy back its backward (2x forward).
  const copySeconds = p.offloadLayers > 0 ? activationBytes / (tiers.hostLinkGBps * 1e9) : 0;
  const offloadExposedSeconds = Math.max(0, copySeconds - fwdCompute) + Math.max(0, copySeconds - 2 * fwdCompute);
  return {
    computeSeconds:
      3 * fwdCompute + recompute + fp8CastSeconds(model, shape, p, tiers, moe) / SUSTAINED_KERNEL_EFFICIENCY,
    tpSeconds: tp,
    cpSeconds: cp,
    epSeconds: commFactor * epCommSeconds(model, p, tiers, moe),
    activationBytes,
    workingBytes: p.recompute === 'full' ? layerActivationBytes(model, shape, p, moe, flash, 'none') : activationBytes,
    offloadExposedSeconds,
  };
}
