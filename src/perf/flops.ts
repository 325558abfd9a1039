// Exact matmul FLOP and parameter counts of a decoder-only transformer (dense, GQA, MLA, MoE).
// A matmul of [m x k] by [k x n] costs 2*m*k*n FLOPs. Attention scores and values are counted over the
// full s x s matrix, the convention of Narayanan et al. (SC'21, eq. 3) that the validation tables use.
import type { ModelSpec } from './types.js';

/** Per-token, per-layer quantities that do not depend on the plan (computed once per model). */
export interface LayerShape {
  headDim: number;
  /** Output width of the Q projection (heads x qk head dim). */
  qWidth: number;
  /** Output width of the K and V projections together. */
  kvWidth: number;
  /** Input width of the output projection (heads x v head dim). */
  attnOutWidth: number;
  /** Parameters of the attention block (projections only). */
  attentionParams: number;
  /** Parameters of one dense MLP. */
  denseMlpParams: number;
  /** Parameters of one routed expert. */
  expertParams: number;
  /** Forward FLOPs per token of the attention projections (QKV + output). */
  attnProjFlopsPerToken: number;
  /** Forward FLOPs per token per unit of sequence length for scores + values (multiply by s). */
  attnCoreFlopsPerTokenPerSeq: number;
  /** Forward FLOPs per token of a dense MLP. */
  denseMlpFlopsPerToken: number;
  /** Forward FLOPs per token of an MoE layer's MLP part (router + top-k experts + shared experts). */
  moeMlpFlopsPerToken: number;
  /** Forward FLOPs per token of the logits (output embedding). */
  logitsFlopsPerToken: number;
  denseLayers: number;
  moeLayers: number;
}

export function layerShape(model: ModelSpec): LayerShape {
  const h = model.hiddenSize;
  const heads = model.attentionHeads;
  const headDim = model.headDim ?? h / heads;
  const mlpMatrices = model.gatedMlp ? 3 : 2;
  let qWidth: number;
  let kvWidth: number;
  let attnOutWidth: number;
  let attentionParams: number;
  let attnProjFlopsPerToken: number;
  let attnCoreFlopsPerTokenPerSeq: number;
  if (model.mla) {
    const m = model.mla;
    const qkDim = m.qkNopeHeadDim + m.qkRopeHeadDim;
    qWidth = heads * qkDim;
    kvWidth = heads * (m.qkNopeHeadDim + m.vHeadDim);
    attnOutWidth = heads * m.vHeadDim;
    // Down-projections (h -> q rank, h -> kv rank + rope key), up-projections, output projection.
    attentionParams =
      h * m.qLoraRank +
      m.qLoraRank * qWidth +
      h * (m.kvLoraRank + m.qkRopeHeadDim) +
      m.kvLoraRank * kvWidth +
      attnOutWidth * h;
    attnProjFlopsPerToken = 2 * attentionParams;
    attnCoreFlopsPerTokenPerSeq = 2 * heads * qkDim + 2 * heads * m.vHeadDim;
  } else {
    qWidth = heads * headDim;
    kvWidth = 2 * model.kvHeads * headDim;
    attnOutWidth = heads * headDim;
    attentionParams = h * (qWidth + kvWidth) + attnOutWidth * h;
    attnProjFlopsPerToken = 2 * attentionParams;
    attnCoreFlopsPerTokenPerSeq = 4 * heads * headDim;
  }
  const denseMlpParams = mlpMatrices * h * model.ffnHiddenSize;
  const moe = model.moe;
  const expertParams = moe ? mlpMatrices * h * moe.expertFfnHiddenSize : 0;
  const moeMlpFlopsPerToken = moe ? 2 * h * moe.experts + 2 * expertParams * (moe.topK + moe.sharedExperts) : 0;
  const denseLayers = moe ? Math.min(moe.denseLayers, model.layers) : model.layers;
  return {
    headDim,
    qWidth,
    kvWidth,
    attnOutWidth,
    attentionParams,
    denseMlpParams,
    expertParams,
    attnProjFlopsPerToken,
    attnCoreFlopsPerTokenPerSeq,
    denseMlpFlopsPerToken: 2 * denseMlpParams,
    moeMlpFlopsPerToken,
    logitsFlopsPerToken: 2 * h * model.vocabSize,
    denseLayers,
    moeLayers: model.layers - denseLayers,
  };
}

export interface ParameterCounts {
  total: number;
  /** Parameters touched per token (MoE: top-k + shared experts only). */
  active: number;
  embedding: number;
  expertParamsTotal: number;
}

export function parameterCounts(model: ModelSpec, shape: LayerShape = layerShape(model)): ParameterCounts {
  const h = model.hiddenSize;
  const norms = 2 * h;
  const embedding = model.vocabSize * h * (model.tiedEmbeddings ? 1 : 2);
  const moe = model.moe;
  const router = moe ? h * moe.experts : 0;
  const expertParamsTotal = moe ? shape.moeLayers * moe.experts * shape.expertParams : 0;
  const sharedParams = moe ? shape.moeLayers * moe.sharedExperts * shape.expertParams : 0;
  const perLayerCommon = shape.attentionParams + norms;
  const total =
    embedding +
    model.layers * perLayerCommon +
    shape.denseLayers * shape.denseMlpParams +
    shape.moeLayers * router +
    sharedParams +
    expertParamsTotal;
  const activeExperts = moe ? shape.moeLayers * moe.topK * shape.expertParams : 0;
  const active = total - expertParamsTotal + activeExperts;
  return { total, active, embedding, expertParamsTotal };
}

/** Model FLOPs of one training step (forward + backward = 3x forward), no recompute. */
export function modelFlopsPerStep(
  model: ModelSpec,
  seq: number,
  gbs: number,
  shape: LayerShape = layerShape(model),
): number {
  return 3 * forwardFlopsPerSequence(model, seq, shape) * gbs;
}

/** Forward FLOPs of one sequence: every layer plus the logits. */
export function forwardFlopsPerSequence(model: ModelSpec, seq: number, shape: LayerShape = layerShape(model)): number {
  return forwardLayerFlopsPerSequence(model, seq, shape) + seq * shape.logitsFlopsPerToken;
}

/** Forward FLOPs of one sequence in the layers (what full recompute repeats). */
export function forwardLayerFlopsPerSequence(model: ModelSpec, seq: number, shape: LayerShape): number {
  return (
    seq * model.layers * shape.attnProjFlopsPerToken +
    forwardAttnCoreFlopsPerSequence(model, seq, shape) +
    seq * (shape.denseLayers * shape.denseMlpFlopsPerToken + shape.moeLayers * shape.moeMlpFlopsPerToken)
  );
}

/** FLOPs that recompute repeats per sequence: the layers' forward (full) or the attention core (selective). */
export function recomputeFlopsPerSequence(
  model: ModelSpec,
  seq: number,
  shape: LayerShape,
  recompute: 'none' | 'selective' | 'full',
): number {
  if (recompute === 'full') return forwardLayerFlopsPerSequence(model, seq, shape);
  if (recompute === 'selective') return forwardAttnCoreFlopsPerSequence(model, seq, shape);
  return 0;
}

/** Forward FLOPs of one sequence in attention scores and values (what selective recompute repeats). */
export function forwardAttnCoreFlopsPerSequence(model: ModelSpec, seq: number, shape: LayerShape): number {
  return seq * model.layers * shape.attnCoreFlopsPerTokenPerSeq * seq;
}
