// The training step-time and memory model. Pure: (model, tiers, plan) -> Estimate. Runs millions of times inside
// the planner and the twin, so it avoids per-layer loops and allocations beyond the result.
import {
  allReduceSeconds,
  allToAllSeconds,
  bestCollectiveSeconds,
  sendRecvSeconds,
  tierBytesPerSecond,
} from './collectives.js';
import { gemmSeconds, gemmSizeEfficiency } from './efficiency.js';
import { layerShape, parameterCounts, type LayerShape } from './flops.js';
import type { Estimate, ModelSpec, NetworkTier, Plan, SystemTiers } from './types.js';

const GiB = 2 ** 30;
/** Megatron-LM reduces gradients in FP32 when training in BF16 (arguments.py: accumulate_allreduce_grads_in_fp32). */
const DEFAULT_GRAD_REDUCE_BYTES = 4;
/** Megatron-LM DDP bucket: 40M parameters (distributed_data_parallel_config.bucket_size default). */
const DP_BUCKET_PARAMS = 40e6;
/** Adam step traffic per parameter it owns: read fp32 param, grad, m, v; write param, m, v; write bf16 copy. */
const OPTIMIZER_BYTES_PER_PARAM = 30;
/** Sustained fraction of HBM bandwidth for streaming element-wise kernels (Calculon mem1 efficiency at >=100 MB: 0.9). */
const HBM_STREAM_EFFICIENCY = 0.9;
/**
 * Sustained fraction of burst speed for a training step's kernels: clocks under sustained power draw, kernel
 * launch gaps and framework work that the kernel-level model does not see. One constant for every GPU and case,
 * fitted once to all published cases in data/validation (docs/validation.md); an assumption, not a datasheet figure.
 */
export const SUSTAINED_KERNEL_EFFICIENCY = 0.78;
/** Share of the s x s score matrix a causal decoder computes (the upper triangle is masked). */
const CAUSAL_FRACTION = 0.5;
/** Cross-entropy over the logits: write FP32 logits, softmax read/write, gradient write (bytes per logit). */
const LOSS_BYTES_PER_LOGIT = 16;
/** TP communication overlapped with GEMMs is split into chunks; one chunk stays exposed (assumption: 4 chunks). */
const TP_OVERLAP_CHUNKS = 4;

export interface EstimateOptions {
  /** Fused attention that never writes the s x s score matrix (FlashAttention, 2022+). Default true. */
  flashAttention?: boolean;
  /** Overlap TP collectives with GEMMs (Megatron-Core tp-comm-overlap). Default false. */
  tpCommOverlap?: boolean;
  /** Overlap the DP gradient reduce with backward and the parameter gather with forward. Default true. */
  dpOverlap?: boolean;
  /** Bytes per gradient element in the data-parallel reduce (4: FP32, Megatron's BF16 default; 2: FP16/BF16). */
  gradReduceBytes?: number;
  /** Cross-site parallelism over a WAN tier: DP replicas and/or pipeline stages split over `sites` sites. */
  wan?: WanUse;
}

export interface WanUse {
  tier: NetworkTier;
  /** Data-parallel groups span this many sites (hierarchical reduce: in-site, over the WAN, in-site). */
  dpSites: number;
  /** Pipeline stages split over this many sites (activations cross the WAN every micro-batch). */
  ppSites: number;
}

export interface NormalizedPlan {
  gpus: number;
  tp: number;
  pp: number;
  dp: number;
  cp: number;
  ep: number;
  vpp: number;
  mbs: number;
  gbs: number;
  seq: number;
  recompute: 'none' | 'selective' | 'full';
  sequenceParallel: boolean;
  zero: 0 | 1 | 2 | 3;
}

export function normalizePlan(plan: Plan, model: ModelSpec): NormalizedPlan {
  return {
    gpus: plan.gpus,
    tp: plan.tp,
    pp: plan.pp,
    dp: plan.dp,
    cp: plan.cp ?? 1,
    ep: plan.ep ?? 1,
    vpp: plan.vpp ?? 1,
    mbs: plan.mbs,
    gbs: plan.gbs,
    seq: plan.seq ?? model.seqLength,
    recompute: plan.recompute ?? 'none',
    sequenceParallel: plan.sequenceParallel ?? false,
    zero: plan.zero ?? 1,
  };
}

/** The tier a parallel group uses: inside the scale-up domain if the group's span fits in it. */
function groupTier(spanGpus: number, tiers: SystemTiers): NetworkTier {
  return spanGpus <= tiers.scaleUpDomainGpus ? tiers.scaleUp : tiers.scaleOut;
}

function scaleOutForSpan(spanGpus: number, tiers: SystemTiers): NetworkTier {
  if (spanGpus <= tiers.scaleUpDomainGpus) return tiers.scaleUp;
  if (spanGpus <= tiers.fullBisectionGpus || tiers.oversubscription <= 1) return tiers.scaleOut;
  return { ...tiers.scaleOut, bandwidthGbps: tiers.scaleOut.bandwidthGbps / tiers.oversubscription };
}

interface LayerCost {
  gemmSeconds: number;
  elementwiseSeconds: number;
  attnCoreSeconds: number;
  tpCommSeconds: number;
  cpCommSeconds: number;
  epCommSeconds: number;
  /** Activation bytes kept per layer per micro-batch. */
  activationBytes: number;
}

/** Forward cost of one layer for one micro-batch on one GPU. */
function layerForward(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  moe: boolean,
  flash: boolean,
): LayerCost {
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
  // Scores and values: batched matmuls over (mbs x heads/tp) of [s/cp x d] x [d x s].
  const coreFlops = tokens * p.seq * (shape.attnCoreFlopsPerTokenPerSeq / t);
  // Fused attention skips the masked half of a causal s x s matrix (counted in full by the FLOP convention);
  // unfused attention computes all of it and masks afterwards.
  const attnCore = flash
    ? (CAUSAL_FRACTION * coreFlops) / (peak * tiers.flashAttentionFraction)
    : coreFlops / (peak * gemmSizeEfficiency(coreFlops / 2e9, mamf));
  const gatedFactor = model.gatedMlp ? 2 : 1;
  let mlpWidth: number;
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
    mlpWidth = m.expertFfnHiddenSize * (m.topK + m.sharedExperts);
  } else {
    gemm +=
      gemmSeconds(tokens, h, (gatedFactor * model.ffnHiddenSize) / t, peak, hbm, mamf) +
      gemmSeconds(tokens, model.ffnHiddenSize / t, h, peak, hbm, mamf);
    mlpWidth = model.ffnHiddenSize;
  }
  // Element-wise traffic in units of one [tokens x h] BF16 tensor: two norms (read+write), two residual adds
  // (read 2, write 1), rotary on Q and K, and the MLP activation (read gated inputs, write output).
  const actBytes = tokens * h * 2;
  const replicatedUnits = 10;
  const shardedUnits = (2 * (shape.qWidth + shape.kvWidth / 2)) / h + ((gatedFactor + 1) * mlpWidth) / h;
  let elementwiseBytes = actBytes * (replicatedUnits / (p.sequenceParallel ? t : 1) + shardedUnits / t);
  const heads = model.attentionHeads;
  if (!flash) {
    // Unfused attention writes the score matrix: scale+mask+softmax read/write (4 B/elem) and dropout (5 B/elem).
    elementwiseBytes += p.mbs * (heads / t) * (p.seq / p.cp) * p.seq * 9;
  }
  const elementwise = elementwiseBytes / (hbm * HBM_STREAM_EFFICIENCY);

  let tpComm = 0;
  if (t > 1) {
    const tier = groupTier(t, tiers);
    tpComm = 2 * allReduceSeconds(actBytes, t, tier);
  }
  let cpComm = 0;
  if (p.cp > 1) {
    const tier = groupTier(t * p.cp, tiers);
    const kvBytes = (tokens * shape.kvWidth * 2) / t;
    cpComm = (p.cp - 1) * sendRecvSeconds(kvBytes, tier);
  }
  let epComm = 0;
  if (moe && model.moe && p.ep > 1) {
    const tier = groupTier(t * p.cp * p.ep, tiers);
    const dispatchBytes = (tokens * model.moe.topK * h * 2) / t;
    epComm = 2 * allToAllSeconds(dispatchBytes, p.ep, tier);
  }
  // Activation memory (Korthikanti et al., MLSys'23, generalized to GQA/MLA and gated or MoE MLPs), bytes/layer.
  const expertFactor = moe && model.moe ? model.moe.topK + model.moe.sharedExperts : 1;
  const unsharedUnits = 8; // norm inputs and the inputs of the first projections: replicated without SP
  const perTpUnits =
    (2 * (shape.qWidth + shape.kvWidth)) / h +
    (2 * shape.attnOutWidth) / h +
    (expertFactor *
      (2 * gatedFactor * (moe && model.moe ? model.moe.expertFfnHiddenSize : model.ffnHiddenSize) +
        2 * (moe && model.moe ? model.moe.expertFfnHiddenSize : model.ffnHiddenSize))) /
      h;
  let activationBytes: number;
  if (p.recompute === 'full') {
    activationBytes = (2 * tokens * h) / (p.sequenceParallel ? t : 1);
  } else {
    activationBytes = tokens * h * (unsharedUnits / (p.sequenceParallel ? t : 1) + perTpUnits / t);
    if (!flash && p.recompute === 'none') activationBytes += (5 * p.mbs * heads * (p.seq / p.cp) * p.seq) / t;
  }
  return {
    gemmSeconds: gemm,
    elementwiseSeconds: elementwise,
    attnCoreSeconds: attnCore,
    tpCommSeconds: tpComm,
    cpCommSeconds: cpComm,
    epCommSeconds: epComm,
    activationBytes,
  };
}

interface LayerTiming {
  computeSeconds: number;
  tpSeconds: number;
  cpSeconds: number;
  epSeconds: number;
  activationBytes: number;
  /** Full one-layer activations, needed as working memory while recomputing. */
  workingBytes: number;
}

/** Forward + backward (+ recompute) of one layer for one micro-batch. */
function layerStep(cost: LayerCost, p: NormalizedPlan, tpOverlap: boolean, fullActivationBytes: number): LayerTiming {
  const fwdCompute = (cost.gemmSeconds + cost.attnCoreSeconds + cost.elementwiseSeconds) / SUSTAINED_KERNEL_EFFICIENCY;
  let recompute = 0;
  if (p.recompute === 'full') recompute = fwdCompute;
  else if (p.recompute === 'selective') recompute = cost.attnCoreSeconds / SUSTAINED_KERNEL_EFFICIENCY;
  const compute = 3 * fwdCompute + recompute;
  // Forward and backward each run two TP collectives per layer; full recompute repeats the forward ones.
  const tpFactor = p.recompute === 'full' ? 3 : 2;
  let tp = tpFactor * cost.tpCommSeconds;
  if (tpOverlap && tp > 0)
    tp = Math.max(tp - (3 * cost.gemmSeconds) / SUSTAINED_KERNEL_EFFICIENCY, tp / TP_OVERLAP_CHUNKS);
  // Ring attention hides the KV exchange behind the attention math of each step.
  const cp = Math.max(0, 3 * cost.cpCommSeconds - (3 * cost.attnCoreSeconds) / SUSTAINED_KERNEL_EFFICIENCY);
  const ep = (p.recompute === 'full' ? 3 : 2) * cost.epCommSeconds;
  return {
    computeSeconds: compute,
    tpSeconds: tp,
    cpSeconds: cp,
    epSeconds: ep,
    activationBytes: cost.activationBytes,
    workingBytes: fullActivationBytes,
  };
}

/** Layers per physical pipeline stage; extra layers go to middle stages first (first and last hold embeddings). */
export function layersPerStage(layers: number, pp: number): number[] {
  const base = Math.floor(layers / pp);
  let rem = layers - base * pp;
  const out = new Array<number>(pp).fill(base);
  for (let i = 1; i < pp - 1 && rem > 0; i++, rem--) out[i]++;
  if (rem > 0) {
    out[0]++;
    rem--;
  }
  if (rem > 0) out[pp - 1]++;
  return out;
}

export function estimateWithTiers(
  model: ModelSpec,
  tiers: SystemTiers,
  plan: Plan,
  options: EstimateOptions = {},
  shape: LayerShape = layerShape(model),
): Estimate {
  const p = normalizePlan(plan, model);
  const flash = options.flashAttention ?? true;
  const tpOverlap = options.tpCommOverlap ?? false;
  const dpOverlap = options.dpOverlap ?? true;
  const peak = tiers.gpu.bf16DenseTflops * 1e12;
  const hbm = tiers.gpu.hbmTBps * 1e12;
  const mamf = tiers.mamfFraction;
  const h = model.hiddenSize;
  const t = p.tp;
  const microBatches = p.gbs / (p.mbs * p.dp);
  const tokens = (p.mbs * p.seq) / p.cp;

  const denseCost = layerForward(model, shape, p, tiers, false, flash);
  const fullDense =
    p.recompute === 'full'
      ? layerForward(model, shape, { ...p, recompute: 'none' }, tiers, false, flash).activationBytes
      : denseCost.activationBytes;
  const dense = layerStep(denseCost, p, tpOverlap, fullDense);
  let moeLayer = dense;
  if (shape.moeLayers > 0) {
    const moeCost = layerForward(model, shape, p, tiers, true, flash);
    const fullMoe =
      p.recompute === 'full'
        ? layerForward(model, shape, { ...p, recompute: 'none' }, tiers, true, flash).activationBytes
        : moeCost.activationBytes;
    moeLayer = layerStep(moeCost, p, tpOverlap, fullMoe);
  }
  const layerTotal = (l: LayerTiming) => l.computeSeconds + l.tpSeconds + l.cpSeconds + l.epSeconds;

  // Logits on the last stage: forward + backward (never recomputed), plus the vocab-parallel softmax all-reduce.
  const logitsSeconds =
    (3 * gemmSeconds(tokens, h, model.vocabSize / t, peak, hbm, mamf) +
      (tokens * (model.vocabSize / t) * LOSS_BYTES_PER_LOGIT) / (hbm * HBM_STREAM_EFFICIENCY)) /
    SUSTAINED_KERNEL_EFFICIENCY;
  // Pipeline point-to-point: activations (scattered over TP ranks with SP) forward, gradients backward.
  const p2pBytes = (tokens * h * 2) / (p.sequenceParallel ? t : 1);
  let ppCommPerMicro = 0;
  if (p.pp > 1) {
    const tier = scaleOutForSpan(t * p.cp * p.dp * 2, tiers);
    ppCommPerMicro = 2 * p.vpp * sendRecvSeconds(p2pBytes, tier);
  }

  const stages = layersPerStage(model.layers, p.pp);
  const denseLayerSeconds = layerTotal(dense);
  const moeLayerSeconds = layerTotal(moeLayer);
  // The slowest stage sets the pace; the mean stage sets the fill and drain (bubble).
  let maxStage = 0;
  let sumStages = 0;
  for (let i = 0, before = 0; i < p.pp; i++) {
    const layers = stages[i];
    const denseHere = Math.max(0, Math.min(layers, shape.denseLayers - before));
    let time = denseHere * denseLayerSeconds + (layers - denseHere) * moeLayerSeconds + ppCommPerMicro;
    if (i === p.pp - 1) time += logitsSeconds;
    if (time > maxStage) maxStage = time;
    sumStages += time;
    before += layers;
  }
  const meanStage = sumStages / p.pp;

  // Pipeline across sites: each WAN boundary adds latency to fill/drain, and the link carries every DP replica's
  // activations, which can cap the steady-state rate.
  let wanPipelineSeconds = 0;
  let wanPipelineBytes = 0;
  let steadyStage = maxStage;
  const wan = options.wan;
  if (wan && wan.ppSites > 1 && p.pp > 1) {
    const boundaries = wan.ppSites - 1;
    const linkBytesPerMicro = p.dp * p.cp * tokens * h * 2;
    const linkSeconds = linkBytesPerMicro / tierBytesPerSecond(wan.tier);
    steadyStage = Math.max(maxStage, linkSeconds);
    wanPipelineSeconds = 2 * boundaries * p.vpp * (wan.tier.latencyUs * 1e-6 + linkSeconds);
    wanPipelineBytes = 2 * microBatches * linkBytesPerMicro;
  }
  const bubbleSeconds = ((p.pp - 1) / p.vpp) * meanStage;
  const pipelineSeconds = microBatches * steadyStage + bubbleSeconds + wanPipelineSeconds;

  // Parameters on one GPU (the fullest stage) and gradient traffic.
  const counts = parameterCounts(model, shape);
  const expertParams = counts.expertParamsTotal;
  const nonExpert = counts.total - expertParams;
  const localNonExpert = nonExpert / (t * p.pp);
  const localExpert = expertParams / (t * p.pp * p.ep);
  const localParams = localNonExpert + localExpert;
  const dpRanks = p.dp * p.cp;
  const expertDpRanks = Math.max(1, dpRanks / p.ep);
  const dpSpan = t * p.cp * p.dp;
  const dpTier = scaleOutForSpan(dpSpan, tiers);
  const gradReduceBytes = options.gradReduceBytes ?? DEFAULT_GRAD_REDUCE_BYTES;
  const gradBytes = localNonExpert * gradReduceBytes;
  const expertGradBytes = localExpert * gradReduceBytes;
  const wanDpSites = wan && wan.dpSites > 1 ? wan.dpSites : 1;
  const inSiteRanks = Math.max(1, Math.round(dpRanks / wanDpSites));
  // DP peers that share one scale-up domain: a two-level collective (NVLink first, then the NICs) may win.
  const localDp =
    dpSpan > tiers.scaleUpDomainGpus
      ? Math.max(1, Math.min(inSiteRanks, Math.floor(tiers.scaleUpDomainGpus / (t * p.cp))))
      : 1;
  const localExpertDp = Math.max(1, Math.min(localDp, Math.floor(expertDpRanks / wanDpSites)));
  const expertRanks = Math.max(1, expertDpRanks / wanDpSites);
  const up = tiers.scaleUp;
  let dpSeconds: number;
  if (p.zero === 0) {
    dpSeconds =
      bestCollectiveSeconds('all-reduce', gradBytes, inSiteRanks, localDp, up, dpTier) +
      bestCollectiveSeconds('all-reduce', expertGradBytes, expertRanks, localExpertDp, up, dpTier);
  } else {
    const gather = bestCollectiveSeconds('reduce-scatter', localParams * 2, inSiteRanks, localDp, up, dpTier);
    dpSeconds =
      bestCollectiveSeconds('reduce-scatter', gradBytes, inSiteRanks, localDp, up, dpTier) +
      bestCollectiveSeconds('reduce-scatter', expertGradBytes, expertRanks, localExpertDp, up, dpTier) +
      gather;
    if (p.zero === 3) {
      // FSDP gathers parameters for forward and again for backward of every micro-batch.
      dpSeconds += 2 * microBatches * gather;
    }
  }
  const fwdWindow = maxStage / 3;
  const bwdWindow = (2 * maxStage) / 3;
  let dpExposed = dpSeconds;
  if (dpOverlap && dpSeconds > 0) {
    const minExposed = dpSeconds * Math.min(1, DP_BUCKET_PARAMS / Math.max(localParams, 1));
    dpExposed = Math.max(minExposed, dpSeconds - (bwdWindow + fwdWindow) * (p.zero === 3 ? microBatches : 1));
  }
  // Hierarchical DP across sites: after the in-site reduce-scatter, each site ships its gradients over the WAN.
  let wanDpSeconds = 0;
  let wanDpExposed = 0;
  let wanDpBytes = 0;
  if (wan && wan.dpSites > 1) {
    const siteGradBytes = counts.total * gradReduceBytes;
    const s = wan.dpSites;
    const ringBytes = (2 * (s - 1) * siteGradBytes) / s;
    wanDpBytes = ringBytes;
    wanDpSeconds = 2 * (s - 1) * wan.tier.latencyUs * 1e-6 + ringBytes / tierBytesPerSecond(wan.tier);
    // Chunked and overlapped with the last micro-batch's backward and the next step's first forward.
    wanDpExposed = dpOverlap ? Math.max(wanDpSeconds * 0.05, wanDpSeconds - bwdWindow - fwdWindow) : wanDpSeconds;
  }
  const optimizerParams = p.zero >= 1 ? localParams / dpRanks : localParams;
  const optimizerSeconds = (optimizerParams * OPTIMIZER_BYTES_PER_PARAM) / (hbm * HBM_STREAM_EFFICIENCY);

  const stepTimeSeconds = pipelineSeconds + dpExposed + wanDpExposed + optimizerSeconds;

  // Memory on the most loaded stage.
  const weightsBytes = (localParams * 2) / (p.zero === 3 ? dpRanks : 1);
  const gradBytesMem = (localParams * 4) / (p.zero >= 2 ? dpRanks : 1);
  const optimizerBytes = (localParams * 12) / (p.zero >= 1 ? dpRanks : 1);
  const inFlight = Math.min(microBatches, p.pp) * (p.vpp > 1 ? 1 + (p.pp - 1) / (p.pp * p.vpp) : 1);
  const stage0Layers = stages[0];
  const denseOn0 = Math.min(stage0Layers, shape.denseLayers);
  const perMicroStage0 = denseOn0 * dense.activationBytes + (stage0Layers - denseOn0) * moeLayer.activationBytes;
  const working = p.recompute === 'full' ? Math.max(dense.workingBytes, moeLayer.workingBytes) : 0;
  const stage0Activations = perMicroStage0 * inFlight + working + tokens * h * 2;
  const lastLayers = stages[p.pp - 1];
  const lastActivations = lastLayers * moeLayer.activationBytes * 1 + working + (tokens * model.vocabSize * 4 * 2) / t;
  const activationBytes = Math.max(stage0Activations, lastActivations);
  const reserveGiB = tiers.memoryReserveGiB;
  const weightsGiB = weightsBytes / GiB;
  const gradientsGiB = gradBytesMem / GiB;
  const optimizerGiB = optimizerBytes / GiB;
  const activationsGiB = activationBytes / GiB;
  const memoryGiBPerGpu = weightsGiB + gradientsGiB + optimizerGiB + activationsGiB + reserveGiB;
  const fits = memoryGiBPerGpu <= tiers.gpu.hbmGiB;

  // Throughput and utilization.
  const fwdPerSeq = forwardFlops(model, shape, p.seq);
  const modelFlops = 3 * fwdPerSeq.total * p.gbs;
  let hardwareFlops = modelFlops;
  if (p.recompute === 'full') hardwareFlops += fwdPerSeq.layers * p.gbs;
  else if (p.recompute === 'selective') hardwareFlops += fwdPerSeq.attnCore * p.gbs;
  const tokensPerSecond = (p.gbs * p.seq) / stepTimeSeconds;
  const modelTflopsPerGpu = modelFlops / stepTimeSeconds / p.gpus / 1e12;
  const hardwareTflopsPerGpu = hardwareFlops / stepTimeSeconds / p.gpus / 1e12;

  const heaviest = shape.moeLayers > 0 ? moeLayer : dense;
  const computeSeconds = microBatches * (maxLayers(stages) * heaviest.computeSeconds + logitsSeconds);
  const breakdown = {
    computeSeconds,
    tpCommSeconds: microBatches * maxLayers(stages) * heaviest.tpSeconds,
    cpCommSeconds: microBatches * maxLayers(stages) * heaviest.cpSeconds,
    epCommSeconds: microBatches * maxLayers(stages) * moeLayer.epSeconds,
    ppCommSeconds: microBatches * ppCommPerMicro + wanPipelineSeconds,
    pipelineBubbleSeconds: bubbleSeconds,
    dpCommExposedSeconds: dpExposed,
    dpCommTotalSeconds: dpSeconds,
    wanCommExposedSeconds: wanDpExposed + wanPipelineSeconds,
    wanCommTotalSeconds: wanDpSeconds + wanPipelineSeconds,
    wanBytesPerStep: wanDpBytes + wanPipelineBytes,
    wanOverlapWindowSeconds: wanDpBytes > 0 && dpOverlap ? bwdWindow + fwdWindow : microBatches * steadyStage,
    optimizerSeconds,
    memory: { weightsGiB, gradientsGiB, optimizerGiB, activationsGiB, reserveGiB },
    hbmGiB: tiers.gpu.hbmGiB,
    microBatches,
    layersPerStage: stages,
  };
  return {
    stepTimeSeconds,
    tokensPerSecond,
    modelTflopsPerGpu,
    hardwareTflopsPerGpu,
    mfu: modelTflopsPerGpu / tiers.gpu.bf16DenseTflops,
    hfu: hardwareTflopsPerGpu / tiers.gpu.bf16DenseTflops,
    memoryGiBPerGpu,
    fits,
    breakdown,
    bottleneck: describeBottleneck(
      stepTimeSeconds,
      breakdown,
      memoryGiBPerGpu,
      tiers.gpu.hbmGiB,
      t <= tiers.scaleUpDomainGpus,
    ),
  };
}

function maxLayers(stages: number[]): number {
  let max = 0;
  for (const s of stages) if (s > max) max = s;
  return max;
}

function forwardFlops(
  model: ModelSpec,
  shape: LayerShape,
  seq: number,
): { total: number; layers: number; attnCore: number } {
  const attnCore = seq * model.layers * shape.attnCoreFlopsPerTokenPerSeq * seq;
  const layers =
    seq * model.layers * shape.attnProjFlopsPerToken +
    attnCore +
    seq * (shape.denseLayers * shape.denseMlpFlopsPerToken + shape.moeLayers * shape.moeMlpFlopsPerToken);
  return { total: layers + seq * shape.logitsFlopsPerToken, layers, attnCore };
}

type Breakdown = Estimate['breakdown'];

export function describeBottleneck(
  step: number,
  b: Breakdown,
  memoryGiB: number,
  hbmGiB: number,
  tpInsideDomain = true,
): string {
  if (memoryGiB > hbmGiB) {
    return `does not fit: needs ${memoryGiB.toFixed(1)} GiB per GPU of ${hbmGiB.toFixed(1)} GiB; raise tp/pp, recompute, or ZeRO stage`;
  }
  const parts: Array<[string, number, string]> = [
    ['compute', b.computeSeconds, 'larger GEMMs (bigger micro-batch, less TP) or faster GPUs'],
    [
      'tensor-parallel communication',
      b.tpCommSeconds,
      tpInsideDomain
        ? 'lower TP (more PP or CP), or overlap TP communication with GEMMs'
        : 'TP crosses the scale-up domain: keep TP inside it',
    ],
    ['context-parallel communication', b.cpCommSeconds, 'lower CP or keep it inside the scale-up domain'],
    ['expert-parallel all-to-all', b.epCommSeconds, 'keep EP inside the scale-up domain, or lower EP'],
    [
      'pipeline bubble',
      b.pipelineBubbleSeconds,
      'more micro-batches (larger global batch), interleaving (vpp) or lower PP',
    ],
    ['pipeline send/recv', b.ppCommSeconds, 'fewer stages or more scale-out bandwidth'],
    [
      'exposed data-parallel communication',
      b.dpCommExposedSeconds,
      'more scale-out bandwidth, ZeRO-1 with overlap, or a larger batch per step',
    ],
    ['exposed WAN communication', b.wanCommExposedSeconds, 'more WAN capacity, or local-SGD (DiLoCo) across sites'],
    ['optimizer step', b.optimizerSeconds, 'shard the optimizer (ZeRO-1/distributed optimizer)'],
  ];
  parts.sort((x, y) => y[1] - x[1]);
  const [name, seconds, fix] = parts[0];
  const share = (100 * seconds) / step;
  if (name === 'compute') {
    const second = parts[1];
    const secondShare = (100 * second[1]) / step;
    return `compute-bound (${share.toFixed(0)}% of the step is math); next: ${second[0]} ${secondShare.toFixed(0)}% (${second[2]})`;
  }
  return `${name} takes ${share.toFixed(0)}% of the step: ${fix}`;
}
