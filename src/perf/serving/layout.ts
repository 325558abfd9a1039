// How one serving copy of a model spreads over its GPUs, and the plan rules that make it valid.
// Layout: attention and dense MLPs split over `tp` GPUs per pipeline stage; experts spread over max(tp, ep) GPUs
// (ep <= tp: each expert sliced tp/ep ways; ep > tp: ep/tp attention data-parallel groups share the experts, the
// DeepSeek-V3 / SGLang "DP attention + EP" layout).
import { InputIssuesError, type InputIssue } from '../../core/issues.js';
import { layerShape, parameterCounts, type LayerShape, type ParameterCounts } from '../flops.js';
import type { ModelSpec, SystemTiers } from '../types.js';
import type { ServingPlan } from './types.js';

export class ServingPlanError extends InputIssuesError {
  constructor(issues: InputIssue[]) {
    super(issues, `invalid serving input: ${issues.map((i) => `${i.path}: ${i.message} (fix: ${i.hint})`).join('; ')}`);
    this.name = 'ServingPlanError';
  }
}

/** Everything about a (model, plan) pair that does not depend on the batch; computed once per estimate. */
export interface ServingLayout {
  shape: LayerShape;
  params: ParameterCounts;
  tp: number;
  pp: number;
  ep: number;
  /** GPUs per pipeline stage: max(tp, ep). */
  gpusPerStage: number;
  /** Attention data-parallel groups per stage (gpusPerStage / tp): each holds its own sequences and KV cache. */
  attnDp: number;
  gpusPerInstance: number;
  /** Layers on the most loaded stage, split into dense-MLP and MoE layers. */
  denseLayersPerStage: number;
  moeLayersPerStage: number;
  /** Bytes per weight of the linear layers (bf16 2, fp8 1); embeddings and the output layer stay 2. */
  weightBytes: number;
  kvBytes: number;
  /** KV-cache bytes per token per layer (whole model copy, before sharding). */
  kvBytesPerTokenPerLayer: number;
  /** GPUs of a stage's attention group that hold distinct KV heads: min(tp, kvHeads) for GQA, 1 for MLA. */
  kvShards: number;
  /** Dense (non-expert) MoE-layer MLP parameters: shared experts and the router. */
  moeCommonParams: number;
  /**
   * Attention FLOPs per decoded token per context token per layer. MLA decodes in the latent space (weights absorbed
   * into the query and output, as FlashMLA and vLLM/SGLang run it): scores over kvLoraRank + rope dims and values over
   * kvLoraRank, per head; GQA as in training (scores and values over the head dim).
   */
  decodeAttnFlopsPerContextToken: number;
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** KV-cache bytes per token per layer: GQA keeps K and V per KV head; MLA keeps the latent plus the RoPE key. */
export function kvBytesPerTokenPerLayer(model: ModelSpec, kvBytes: number): number {
  if (model.mla) return (model.mla.kvLoraRank + model.mla.qkRopeHeadDim) * kvBytes;
  const headDim = model.headDim ?? model.hiddenSize / model.attentionHeads;
  return 2 * model.kvHeads * headDim * kvBytes;
}

/** Rules of a serving plan against the model; each broken rule as {path, message, hint}. */
export function checkServingPlan(model: ModelSpec, plan: ServingPlan): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const field of ['tp', 'pp', 'ep', 'maxBatch'] as const) {
    if (!positiveInt(plan[field]))
      issues.push({
        path: field,
        message: `${field} must be a positive integer, got ${plan[field]}`,
        hint: `set ${field} >= 1`,
      });
  }
  if (plan.precision !== 'bf16' && plan.precision !== 'fp8')
    issues.push({ path: 'precision', message: `unknown precision ${plan.precision}`, hint: "use 'bf16' or 'fp8'" });
  if (plan.kvCacheFormat !== undefined && plan.kvCacheFormat !== 'bf16' && plan.kvCacheFormat !== 'fp8')
    issues.push({
      path: 'kvCacheFormat',
      message: `unknown KV format ${plan.kvCacheFormat}`,
      hint: "use 'bf16' or 'fp8'",
    });
  const f = plan.kvCacheMemoryFraction;
  if (f !== undefined && !(typeof f === 'number' && f > 0 && f <= 1))
    issues.push({
      path: 'kvCacheMemoryFraction',
      message: `must be in (0, 1], got ${f}`,
      hint: 'omit it (0.9) or give e.g. 0.95',
    });
  if (plan.maxPrefillTokens !== undefined && !positiveInt(plan.maxPrefillTokens))
    issues.push({ path: 'maxPrefillTokens', message: `must be a positive integer`, hint: 'omit it or set >= 1' });
  if (issues.length > 0) return issues;
  if (model.attentionHeads % plan.tp !== 0)
    issues.push({
      path: 'tp',
      message: `${model.attentionHeads} attention heads are not divisible by tp = ${plan.tp}`,
      hint: 'choose tp that divides the attention heads',
    });
  if (!model.mla && model.kvHeads % plan.tp !== 0 && plan.tp % model.kvHeads !== 0)
    issues.push({
      path: 'tp',
      message: `${model.kvHeads} KV heads cannot be split over or replicated across tp = ${plan.tp}`,
      hint: 'choose tp that divides the KV heads or is a multiple of them',
    });
  if (plan.pp > model.layers)
    issues.push({ path: 'pp', message: `${model.layers} layers are fewer than pp = ${plan.pp}`, hint: 'lower pp' });
  if (!model.moe && plan.ep !== 1)
    issues.push({ path: 'ep', message: `${model.name} is dense: ep = ${plan.ep}`, hint: 'set ep 1 for a dense model' });
  if (model.moe && plan.ep > 1) {
    if (model.moe.experts % plan.ep !== 0)
      issues.push({
        path: 'ep',
        message: `${model.moe.experts} experts are not divisible by ep = ${plan.ep}`,
        hint: 'choose ep that divides the expert count',
      });
    if (plan.tp % plan.ep !== 0 && plan.ep % plan.tp !== 0)
      issues.push({
        path: 'ep',
        message: `ep = ${plan.ep} and tp = ${plan.tp} must divide one another`,
        hint: 'use ep <= tp dividing it (experts sliced) or ep a multiple of tp (attention data-parallel)',
      });
  }
  issues.push(...checkDisaggregation(plan));
  return issues;
}

function checkDisaggregation(plan: ServingPlan): InputIssue[] {
  const d = plan.disaggregated;
  if (d === undefined) return [];
  const perInstance = Math.max(plan.tp, plan.ep) * plan.pp;
  const issues: InputIssue[] = [];
  for (const field of ['prefillGpus', 'decodeGpus'] as const) {
    if (!positiveInt(d[field]) || d[field] % perInstance !== 0)
      issues.push({
        path: `disaggregated.${field}`,
        message: `${field} = ${d[field]} is not a positive multiple of one model copy (${perInstance} GPUs)`,
        hint: `use a multiple of max(tp, ep) x pp = ${perInstance}`,
      });
  }
  return issues;
}

/** The layout of one copy; throws ServingPlanError when the plan breaks a rule. */
export function servingLayout(model: ModelSpec, plan: ServingPlan): ServingLayout {
  const issues = checkServingPlan(model, plan);
  if (issues.length > 0) throw new ServingPlanError(issues);
  const shape = layerShape(model);
  const params = parameterCounts(model, shape);
  const gpusPerStage = Math.max(plan.tp, plan.ep);
  const layersPerStage = Math.ceil(model.layers / plan.pp);
  // The most loaded stage holds MoE layers first (they are the heavy ones); dense layers fill the rest.
  const moeLayersPerStage = Math.min(shape.moeLayers, layersPerStage);
  const kvBytes = plan.kvCacheFormat === 'fp8' ? 1 : 2;
  const moe = model.moe;
  return {
    shape,
    params,
    tp: plan.tp,
    pp: plan.pp,
    ep: plan.ep,
    gpusPerStage,
    attnDp: gpusPerStage / plan.tp,
    gpusPerInstance: gpusPerStage * plan.pp,
    denseLayersPerStage: layersPerStage - moeLayersPerStage,
    moeLayersPerStage,
    weightBytes: plan.precision === 'fp8' ? 1 : 2,
    kvBytes,
    kvBytesPerTokenPerLayer: kvBytesPerTokenPerLayer(model, kvBytes),
    kvShards: model.mla ? 1 : Math.min(plan.tp, model.kvHeads),
    moeCommonParams: moe ? moe.sharedExperts * shape.expertParams + model.hiddenSize * moe.experts : 0,
    decodeAttnFlopsPerContextToken: model.mla
      ? model.attentionHeads * (2 * (model.mla.kvLoraRank + model.mla.qkRopeHeadDim) + 2 * model.mla.kvLoraRank)
      : shape.attnCoreFlopsPerTokenPerSeq,
  };
}

/** FP8 needs FP8 tensor cores: the reason a GPU cannot run the plan, or undefined. */
export function hardwareReason(system: SystemTiers, plan: ServingPlan): string | undefined {
  if (plan.precision === 'fp8' && system.gpu.fp8DenseTflops === null)
    return `${system.gpu.name} has no FP8 tensor cores: use precision bf16`;
  return undefined;
}
