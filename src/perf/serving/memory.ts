// HBM of one serving GPU: resident weights, activation workspace, reserve, and what is left for the KV cache.
import type { ModelSpec, SystemTiers } from '../types.js';
import type { ServingLayout } from './layout.js';
import type { ServingPlan } from './types.js';

const GIB = 2 ** 30;
/**
 * Tokens one prefill iteration processes when the plan leaves maxPrefillTokens out. Assumption: vLLM's default
 * max_num_batched_tokens for chunked prefill (8192, vllm/config SchedulerConfig) sizes the activation workspace.
 */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 8192;

/**
 * CUDA context, cuBLAS/NCCL workspaces and CUDA-graph pools of a serving process, GiB. Assumption (~1 GiB context
 * and ~1 GiB of library buffers, as the training reserve in src/perf/tiers.ts counts them).
 */
export const SERVING_RUNTIME_GIB = 2;
/**
 * Share of the memory left after weights and activations that the KV-cache allocator takes: TensorRT-LLM's
 * kv_cache_free_gpu_mem_fraction defaults to 0.9 (vLLM's gpu_memory_utilization 0.9 is the same idea).
 */
export const DEFAULT_KV_CACHE_MEMORY_FRACTION = 0.9;

export interface ServingMemory {
  weightsBytesPerGpu: number;
  workspaceBytesPerGpu: number;
  reserveBytesPerGpu: number;
  /** HBM left for the KV cache on each GPU (negative when the weights alone do not fit). */
  kvBytesPerGpu: number;
  /** KV-cache bytes one token of one sequence takes on the GPU that holds it (its stage's layers, its heads). */
  kvBytesPerTokenPerGpu: number;
  /** Tokens of KV cache one model copy holds (all its attention data-parallel groups). */
  kvCapacityTokensPerInstance: number;
}

/** Resident weight bytes on the most loaded GPU: its stage's layers, sharded, plus one embedding table. */
export function weightsBytesPerGpu(model: ModelSpec, layout: ServingLayout): number {
  const { shape, tp, gpusPerStage, weightBytes } = layout;
  const norms = 2 * model.hiddenSize;
  const attention = shape.attentionParams / tp + norms;
  const denseLayer = attention + shape.denseMlpParams / tp;
  const experts = model.moe ? (model.moe.experts * shape.expertParams) / gpusPerStage : 0;
  const moeLayer = attention + layout.moeCommonParams / tp + experts;
  const layers = layout.denseLayersPerStage * denseLayer + layout.moeLayersPerStage * moeLayer;
  // Vocabulary-parallel embedding or output layer (one per end stage; both when pp = 1), kept in BF16.
  const tables = model.tiedEmbeddings || layout.pp > 1 ? 1 : 2;
  return layers * weightBytes + (tables * model.vocabSize * model.hiddenSize * 2) / tp;
}

/**
 * Activation workspace per GPU for one prefill chunk (assumption, the peak vLLM's memory profiling sees): residual
 * and normed hidden states, the QKV and gate/up outputs of the TP shard in BF16, plus FP32 logits of one batch.
 */
export function workspaceBytesPerGpu(model: ModelSpec, layout: ServingLayout, plan: ServingPlan): number {
  const tokens = (plan.maxPrefillTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS) / layout.attnDp;
  const ffn = model.moe
    ? Math.max(model.ffnHiddenSize, model.moe.expertFfnHiddenSize * model.moe.topK)
    : model.ffnHiddenSize;
  const widths =
    2 * model.hiddenSize + (layout.shape.qWidth + layout.shape.kvWidth) / layout.tp + (2 * ffn) / layout.tp;
  const logits = (plan.maxBatch * model.vocabSize * 4) / layout.tp;
  return tokens * widths * 2 + logits;
}

export function servingMemory(
  model: ModelSpec,
  system: SystemTiers,
  layout: ServingLayout,
  plan: ServingPlan,
): ServingMemory {
  const weights = weightsBytesPerGpu(model, layout);
  const workspace = workspaceBytesPerGpu(model, layout, plan);
  // The runtime's own context, then the share of what is left that the KV-cache allocator leaves free.
  const free = system.hbmGiB * GIB - weights - workspace - SERVING_RUNTIME_GIB * GIB;
  const fraction = plan.kvCacheMemoryFraction ?? DEFAULT_KV_CACHE_MEMORY_FRACTION;
  const reserve = SERVING_RUNTIME_GIB * GIB + (free > 0 ? (1 - fraction) * free : 0);
  const kvBytesPerGpu = free > 0 ? fraction * free : free;
  const layersPerStage = layout.denseLayersPerStage + layout.moeLayersPerStage;
  const kvBytesPerTokenPerGpu = (layout.kvBytesPerTokenPerLayer * layersPerStage) / layout.kvShards;
  const perGroup = kvBytesPerGpu > 0 ? Math.floor(kvBytesPerGpu / kvBytesPerTokenPerGpu) : 0;
  return {
    weightsBytesPerGpu: weights,
    workspaceBytesPerGpu: workspace,
    reserveBytesPerGpu: reserve,
    kvBytesPerGpu,
    kvBytesPerTokenPerGpu,
    kvCapacityTokensPerInstance: perGroup * layout.attnDp,
  };
}
