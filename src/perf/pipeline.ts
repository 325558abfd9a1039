// Pipeline schedule: layers per stage, the slowest stage's time per micro-batch, point-to-point transfers, the
// 1F1B / interleaved bubble, and pipeline boundaries over the WAN when stages sit in different sites.
import { sendRecvSeconds } from './collectives.js';
import { gemmSeconds, HBM_STREAM_EFFICIENCY, SUSTAINED_KERNEL_EFFICIENCY } from './efficiency.js';
import type { LayerShape } from './flops.js';
import type { LayerTiming } from './layer.js';
import { scaleOutForSpan, type NormalizedPlan } from './plan.js';
import type { ModelSpec, SystemTiers } from './types.js';
import { wanLinkSeconds, wanPipelineBytesPerMicro, wanPipelineFillSeconds, type WanUse } from './wan.js';

/** Cross-entropy over the logits: write FP32 logits, softmax read/write, gradient write (bytes per logit). */
const LOSS_BYTES_PER_LOGIT = 16;

export interface PipelineTiming {
  layersPerStage: number[];
  /** Slowest stage, one micro-batch forward + backward, seconds (sets the pace and the DP overlap window). */
  maxStageSeconds: number;
  /** Compute that can hide DP traffic: one micro-batch's forward (gathers) and backward (reduces) on that stage. */
  forwardWindowSeconds: number;
  backwardWindowSeconds: number;
  /** The pace of the steady state: the slowest stage, or the WAN link when it carries more. */
  steadyStageSeconds: number;
  ppCommPerMicroSeconds: number;
  logitsSeconds: number;
  bubbleSeconds: number;
  wanSeconds: number;
  wanBytes: number;
  /** Micro-batches at the steady pace, plus bubble, plus WAN fill and drain. */
  totalSeconds: number;
}

/** Layers per physical pipeline stage; extra layers go to middle stages first (first and last hold embeddings). */
export function layersPerStage(layers: number, pp: number): number[] {
  const base = Math.floor(layers / pp);
  let rem = layers - base * pp;
  // Pushed one by one: a packed array, cheaper than new Array(pp).fill() on the estimate's hot path.
  const out: number[] = [];
  for (let i = 0; i < pp; i++) out.push(base);
  for (let i = 1; i < pp - 1 && rem > 0; i++, rem--) out[i]++;
  if (rem > 0) {
    out[0]++;
    rem--;
  }
  if (rem > 0) out[pp - 1]++;
  return out;
}

export function maxLayers(stages: readonly number[]): number {
  let max = 0;
  for (const s of stages) if (s > max) max = s;
  return max;
}

/** Logits on the last stage: forward + backward (never recomputed), plus the loss's element-wise traffic. */
function logitsSeconds(model: ModelSpec, p: NormalizedPlan, tiers: SystemTiers): number {
  const hbm = tiers.gpu.hbmTBps * 1e12;
  const tokens = (p.mbs * p.seq) / p.cp;
  const vocabPerTp = model.vocabSize / p.tp;
  return (
    (3 * gemmSeconds(tokens, model.hiddenSize, vocabPerTp, tiers.gpu.bf16DenseTflops * 1e12, hbm, tiers.mamfFraction) +
      (tokens * vocabPerTp * LOSS_BYTES_PER_LOGIT) / (hbm * HBM_STREAM_EFFICIENCY)) /
    SUSTAINED_KERNEL_EFFICIENCY
  );
}

/** Point-to-point per micro-batch: activations (scattered over TP ranks with SP) forward, gradients backward. */
function ppCommPerMicroSeconds(model: ModelSpec, p: NormalizedPlan, tiers: SystemTiers): number {
  if (p.pp <= 1) return 0;
  const p2pBytes = (((p.mbs * p.seq) / p.cp) * model.hiddenSize * 2) / (p.sequenceParallel ? p.tp : 1);
  return 2 * p.vpp * sendRecvSeconds(p2pBytes, scaleOutForSpan(p.tp * p.cp * p.dp * 2, tiers));
}

export function pipelineTiming(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  dense: LayerTiming,
  moe: LayerTiming,
  microBatches: number,
  wan: WanUse | undefined,
): PipelineTiming {
  const logits = logitsSeconds(model, p, tiers);
  const ppComm = ppCommPerMicroSeconds(model, p, tiers);
  const stages = layersPerStage(model.layers, p.pp);
  const denseLayerSeconds = dense.computeSeconds + dense.tpSeconds + dense.cpSeconds + dense.epSeconds;
  const moeLayerSeconds = moe.computeSeconds + moe.tpSeconds + moe.cpSeconds + moe.epSeconds;
  // The slowest stage sets the pace; the mean stage sets the fill and drain (bubble).
  let maxStage = 0;
  let sumStages = 0;
  for (let i = 0, before = 0; i < p.pp; i++) {
    const layers = stages[i];
    const denseHere = Math.max(0, Math.min(layers, shape.denseLayers - before));
    let time = denseHere * denseLayerSeconds + (layers - denseHere) * moeLayerSeconds + ppComm;
    if (p.offloadLayers > 0) {
      // Offloaded layers are the stage's first ones (dense layers come first in an MoE model).
      const off = Math.min(p.offloadLayers, layers);
      const denseOff = Math.min(off, denseHere);
      time += denseOff * dense.offloadExposedSeconds + (off - denseOff) * moe.offloadExposedSeconds;
    }
    if (i === p.pp - 1) time += logits;
    if (time > maxStage) maxStage = time;
    sumStages += time;
    before += layers;
  }
  const meanStage = sumStages / p.pp;
  // Pipeline across sites: each WAN boundary adds latency to fill/drain, and the link carries every DP replica's
  // activations, which can cap the steady-state rate.
  let wanSeconds = 0;
  let wanBytes = 0;
  let steadyStage = maxStage;
  if (wan && wan.ppSites > 1 && p.pp > 1) {
    const linkBytesPerMicro = wanPipelineBytesPerMicro(p, model.hiddenSize);
    const linkSeconds = wanLinkSeconds(linkBytesPerMicro, wan);
    steadyStage = Math.max(maxStage, linkSeconds);
    wanSeconds = wanPipelineFillSeconds(wan, p.vpp, linkSeconds);
    wanBytes = 2 * microBatches * linkBytesPerMicro;
  }
  const bubbleSeconds = ((p.pp - 1) / p.vpp) * meanStage;
  return {
    layersPerStage: stages,
    maxStageSeconds: maxStage,
    forwardWindowSeconds: maxStage / 3,
    backwardWindowSeconds: (2 * maxStage) / 3,
    steadyStageSeconds: steadyStage,
    ppCommPerMicroSeconds: ppComm,
    logitsSeconds: logits,
    bubbleSeconds,
    wanSeconds,
    wanBytes,
    totalSeconds: microBatches * steadyStage + bubbleSeconds + wanSeconds,
  };
}
