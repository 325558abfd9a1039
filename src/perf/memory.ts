// Memory per GPU: model state (weights, gradients, optimizer) and activations, on the most loaded pipeline stage.
// The model-state formula lives here only; the planner's memory pruning (planner/search.ts) reuses it.
import type { LayerShape } from './flops.js';
import type { NormalizedPlan } from './plan.js';
import type { MemoryBreakdown, ModelSpec, Recompute, SystemTiers } from './types.js';

export const GiB = 2 ** 30;
/** BF16 weights. */
const WEIGHT_BYTES_PER_PARAM = 2;
/**
 * Main-gradient buffer: FP32 by default (Megatron-LM accumulates and reduces gradients in FP32 when training in
 * BF16); Megatron-Core sizes the buffer in the reduce dtype, so grad_reduce_in_fp32 = False halves it.
 */
export const DEFAULT_GRADIENT_BYTES_PER_PARAM = 4;
/** Adam in mixed precision: FP32 master weights, first and second moments. */
const OPTIMIZER_BYTES_PER_PARAM = 12;

/** Non-expert parameters one GPU holds: split over TP x PP. */
export function localDenseParameters(total: number, expertTotal: number, tp: number, pp: number): number {
  return (total - expertTotal) / (tp * pp);
}

/** Expert parameters one GPU holds: split over expert-TP x PP x EP. */
export function localExpertParameters(expertTotal: number, etp: number, pp: number, ep: number): number {
  return expertTotal / (etp * pp * ep);
}

/** Parameters one GPU holds (the fullest stage). */
export function localParameters(
  total: number,
  expertTotal: number,
  tp: number,
  pp: number,
  ep: number,
  etp: number = tp,
): number {
  return localDenseParameters(total, expertTotal, tp, pp) + localExpertParameters(expertTotal, etp, pp, ep);
}

/**
 * Ranks that hold replicas of one expert shard: the TP x CP x DP ranks of a stage divided over EP x ETP (MoE parallel
 * folding, Megatron-Core). ZeRO shards expert states over these, not over the dense data-parallel group.
 */
export function expertDataParallelRanks(tp: number, dpRanks: number, ep: number, etp: number): number {
  return Math.max(1, (tp * dpRanks) / (ep * etp));
}

/**
 * Weight bytes per GPU: BF16. FP8 training keeps the same BF16 weights: Transformer Engine casts each layer's weights
 * to FP8 when it runs them (assumption: no persistent FP8 copy, as without fp8-param-gather). ZeRO-3 shards them.
 */
export function weightBytes(localParams: number, dpRanks: number, zero: number): number {
  return (localParams * WEIGHT_BYTES_PER_PARAM) / (zero === 3 ? dpRanks : 1);
}

/** Gradient bytes per GPU: ZeRO-2 and up shard them. */
export function gradientBytes(
  localParams: number,
  dpRanks: number,
  zero: number,
  bytesPerParam: number = DEFAULT_GRADIENT_BYTES_PER_PARAM,
): number {
  return (localParams * bytesPerParam) / (zero >= 2 ? dpRanks : 1);
}

/** Optimizer-state bytes per GPU: ZeRO-1 (Megatron's distributed optimizer) and up shard them. */
export function optimizerStateBytes(localParams: number, dpRanks: number, zero: number): number {
  return (localParams * OPTIMIZER_BYTES_PER_PARAM) / (zero >= 1 ? dpRanks : 1);
}

/** Weights + gradients + optimizer states of `localParams` sharded over `dpRanks`. */
export function modelStateBytes(
  localParams: number,
  dpRanks: number,
  zero: number,
  gradBytesPerParam: number = DEFAULT_GRADIENT_BYTES_PER_PARAM,
): number {
  return (
    weightBytes(localParams, dpRanks, zero) +
    gradientBytes(localParams, dpRanks, zero, gradBytesPerParam) +
    optimizerStateBytes(localParams, dpRanks, zero)
  );
}

/**
 * Model state per GPU, dense and expert parts each sharded over its own data-parallel group: memory that no
 * micro-batch or recompute choice changes. The planner's memory pruning calls this (planner/search.ts).
 */
export function modelStateBytesPerGpu(
  total: number,
  expertTotal: number,
  tp: number,
  pp: number,
  ep: number,
  etp: number,
  dpRanks: number,
  zero: number,
  gradBytesPerParam: number = DEFAULT_GRADIENT_BYTES_PER_PARAM,
): number {
  const dense = localDenseParameters(total, expertTotal, tp, pp);
  const expert = localExpertParameters(expertTotal, etp, pp, ep);
  const expertDp = expertDataParallelRanks(tp, dpRanks, ep, etp);
  return (
    modelStateBytes(dense, dpRanks, zero, gradBytesPerParam) +
    modelStateBytes(expert, expertDp, zero, gradBytesPerParam)
  );
}

/**
 * Activation bytes one layer keeps per micro-batch (Korthikanti et al., MLSys'23, generalized to GQA/MLA and gated
 * or MoE MLPs). Units are [tokens x h] BF16 tensors; SP shards the ones TP would replicate.
 */
export function layerActivationBytes(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  moe: boolean,
  flash: boolean,
  recompute: Recompute,
): number {
  const h = model.hiddenSize;
  const t = p.tp;
  const tokens = (p.mbs * p.seq) / p.cp;
  const gatedFactor = model.gatedMlp ? 2 : 1;
  const expertFactor = moe && model.moe ? model.moe.topK + model.moe.sharedExperts : 1;
  // FP8 (Transformer Engine) keeps the inputs of QKV, FC1 and FC2 as FP8 for the backward (1 byte instead of 2);
  // norm inputs, Q/K/V and the attention output (flash attention's backward needs them) stay BF16. Assumption.
  const fp8 = p.precision === 'fp8';
  // Norm inputs and the inputs of the first projections (replicated without SP), plus the two hidden-dropout masks.
  const unsharedUnits = (fp8 ? 6 : 8) + (model.hiddenDropout ? 2 : 0);
  const ffn = moe && model.moe ? model.moe.expertFfnHiddenSize : model.ffnHiddenSize;
  const fc2InputUnits = fp8 ? 1 : 2;
  const perTpUnits =
    (2 * (shape.qWidth + shape.kvWidth)) / h +
    (2 * shape.attnOutWidth) / h +
    (expertFactor * (2 * gatedFactor * ffn + fc2InputUnits * ffn)) / h;
  if (recompute === 'full') return (2 * tokens * h) / (p.sequenceParallel ? t : 1);
  let bytes = tokens * h * (unsharedUnits / (p.sequenceParallel ? t : 1) + perTpUnits / t);
  // MLA keeps the Q and KV latents (and the RoPE key), the up-projections' inputs, on every TP rank.
  if (model.mla) bytes += 2 * tokens * (model.mla.qLoraRank + model.mla.kvLoraRank + model.mla.qkRopeHeadDim);
  // Unfused attention keeps the score matrix and dropout mask (5 B per element).
  if (!flash && recompute === 'none') bytes += (5 * p.mbs * model.attentionHeads * (p.seq / p.cp) * p.seq) / t;
  return bytes;
}

/** What memory needs from one layer's timing (layer.ts): the bytes it keeps, and its full activations. */
export interface LayerActivations {
  /** Activation bytes kept per micro-batch. */
  activationBytes: number;
  /** One full layer's activations, live while it is recomputed. */
  workingBytes: number;
}

/** Activation bytes of the first stage (most micro-batches in flight) and of the last one (it holds the logits). */
function stageActivationBytes(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  stages: readonly number[],
  dense: LayerActivations,
  moe: LayerActivations,
  microBatches: number,
  xlaBufferPlan: boolean,
): { first: number; last: number } {
  const h = model.hiddenSize;
  const tokens = (p.mbs * p.seq) / p.cp;
  // 1F1B keeps up to pp micro-batches in flight on stage 0; interleaving adds a fraction (Narayanan et al. SC'21).
  const inFlight = Math.min(microBatches, p.pp) * (p.vpp > 1 ? 1 + (p.pp - 1) / (p.pp * p.vpp) : 1);
  const stage0Layers = stages[0];
  const denseOn0 = Math.min(stage0Layers, shape.denseLayers);
  // Offloaded layers (the first ones of a stage) keep their activations in host memory, not in HBM.
  const off = Math.min(p.offloadLayers, stage0Layers);
  const denseOff = Math.min(off, denseOn0);
  const perMicroStage0 =
    (denseOn0 - denseOff) * dense.activationBytes + (stage0Layers - denseOn0 - (off - denseOff)) * moe.activationBytes;
  const working = p.recompute === 'full' ? Math.max(dense.workingBytes, moe.workingBytes) : 0;
  const first = perMicroStage0 * inFlight + working + tokens * h * 2;
  // FP32 logits and their gradient on the last stage.
  const lastLayers = stages[p.pp - 1] - Math.min(p.offloadLayers, stages[p.pp - 1]);
  const kept = lastLayers * moe.activationBytes;
  const logits = (tokens * model.vocabSize * 4 * 2) / p.tp;
  // XLA (TPU): the gradient is an element-wise function of the dead logits and reuses their buffer (XLA's
  // CanShareOperandBufferWithUser), and the loss is done before the first layer's backward recomputes its working
  // set, so the two never coexist. Reasoned from data dependence; docs/sources.md, "XLA loss buffers".
  const last = xlaBufferPlan ? kept + Math.max(working, logits / 2) : kept + working + logits;
  return { first, last };
}

/**
 * Parameters one GPU of pipeline stage `stage` holds, dense and expert apart. Megatron places the input embedding on
 * the first stage and the output layer on the last (with tied embeddings and pp > 1 the last stage keeps a copy of
 * the embedding); the first `denseLayers` layers have dense MLPs. With pp = 1 this is the whole model over TP / EP.
 */
export function stageParameters(
  model: ModelSpec,
  shape: LayerShape,
  p: Pick<NormalizedPlan, 'tp' | 'pp' | 'ep' | 'etp'>,
  stages: readonly number[],
  stage: number,
): { dense: number; expert: number } {
  const h = model.hiddenSize;
  // The estimate asks for the first and last stage only: no loop on its hot path.
  let start = stage === p.pp - 1 ? model.layers - stages[stage] : 0;
  if (stage > 0 && stage < p.pp - 1) for (let i = 0; i < stage; i++) start += stages[i];
  const layers = stages[stage];
  const denseLayers = Math.max(0, Math.min(start + layers, shape.denseLayers) - start);
  const moeLayers = layers - denseLayers;
  const moe = model.moe;
  const perMoeLayerDense = moe ? h * moe.experts + moe.sharedExperts * shape.expertParams : 0;
  const vocab = model.vocabSize * h;
  const embedding =
    p.pp === 1 ? vocab * (model.tiedEmbeddings ? 1 : 2) : (stage === 0 ? vocab : 0) + (stage === p.pp - 1 ? vocab : 0);
  const dense =
    layers * (shape.attentionParams + 2 * h) +
    denseLayers * shape.denseMlpParams +
    moeLayers * perMoeLayerDense +
    embedding;
  const expert = moe ? moeLayers * moe.experts * shape.expertParams : 0;
  return { dense: dense / p.tp, expert: expert / (p.etp * p.ep) };
}

/** Weights, gradients and optimizer states of one stage's GPU, in GiB, each sharded over its data-parallel group. */
function stageStateGiB(
  params: { dense: number; expert: number },
  dpRanks: number,
  expertDp: number,
  zero: number,
  gradBytesPerParam: number,
): { weightsGiB: number; gradientsGiB: number; optimizerGiB: number } {
  return {
    weightsGiB: (weightBytes(params.dense, dpRanks, zero) + weightBytes(params.expert, expertDp, zero)) / GiB,
    gradientsGiB:
      (gradientBytes(params.dense, dpRanks, zero, gradBytesPerParam) +
        gradientBytes(params.expert, expertDp, zero, gradBytesPerParam)) /
      GiB,
    optimizerGiB:
      (optimizerStateBytes(params.dense, dpRanks, zero) + optimizerStateBytes(params.expert, expertDp, zero)) / GiB,
  };
}

/**
 * Memory per GPU by kind, in GiB, on the most loaded stage: the first (embedding, most micro-batches in flight) or
 * the last (output layer, logits), whichever holds more in total.
 */
export function memoryBreakdown(
  model: ModelSpec,
  shape: LayerShape,
  p: NormalizedPlan,
  tiers: SystemTiers,
  stages: readonly number[],
  dense: LayerActivations,
  moe: LayerActivations,
  microBatches: number,
  gradBytesPerParam: number,
): MemoryBreakdown {
  const dpRanks = p.dp * p.cp;
  const expertDp = expertDataParallelRanks(p.tp, dpRanks, p.ep, p.etp);
  const act = stageActivationBytes(model, shape, p, stages, dense, moe, microBatches, tiers.xlaBufferPlan === true);
  const first = stageStateGiB(
    stageParameters(model, shape, p, stages, 0),
    dpRanks,
    expertDp,
    p.zero,
    gradBytesPerParam,
  );
  const firstTotal = first.weightsGiB + first.gradientsGiB + first.optimizerGiB + act.first / GiB;
  let state = first;
  let activationsGiB = act.first / GiB;
  if (p.pp > 1) {
    const lastParams = stageParameters(model, shape, p, stages, p.pp - 1);
    const last = stageStateGiB(lastParams, dpRanks, expertDp, p.zero, gradBytesPerParam);
    if (last.weightsGiB + last.gradientsGiB + last.optimizerGiB + act.last / GiB > firstTotal) {
      state = last;
      activationsGiB = act.last / GiB;
    }
  } else if (act.last > act.first) activationsGiB = act.last / GiB;
  // Written out, not spread: an object spread plus fields is several times slower on the estimate's hot path.
  return {
    weightsGiB: state.weightsGiB,
    gradientsGiB: state.gradientsGiB,
    optimizerGiB: state.optimizerGiB,
    activationsGiB,
    reserveGiB: tiers.memoryReserveGiB,
  };
}

export function memoryTotalGiB(m: MemoryBreakdown): number {
  return m.weightsGiB + m.gradientsGiB + m.optimizerGiB + m.activationsGiB + m.reserveGiB;
}
