// The serving model's contract (issue 15): what the placement planner, the inference twin and the control plane's
// services read from src/perf/serving. Pure data types; the implementation lives beside this file.
import type { ModelSpec, SystemTiers } from '../types.js';

export type ServingPrecision = 'bf16' | 'fp8';

/** How one replica is laid out: the parallelism of one model copy, its number format and its batching limits. */
export interface ServingPlan {
  tp: number;
  pp: number;
  /** Expert parallelism for MoE models (1 for dense). */
  ep: number;
  precision: ServingPrecision;
  /** Upper bound on sequences decoded together (continuous batching); the KV cache may cap it lower. */
  maxBatch: number;
  /** Tokens a prefill iteration processes at most (chunked prefill); default: the whole prompt. */
  maxPrefillTokens?: number;
  /**
   * Prefill/decode disaggregation (Splitwise, DistServe): prefill and decode on separate GPU groups of this replica,
   * the KV cache moved over the scale-out network after prefill. Absent: both phases share the GPUs.
   */
  disaggregated?: { prefillGpus: number; decodeGpus: number };
  /** Number format of the KV cache (added): default 'bf16'; 'fp8' halves its bytes (vLLM/TensorRT-LLM fp8 KV cache). */
  kvCacheFormat?: ServingPrecision;
  /**
   * (added) How the scheduler admits sequences against the KV cache: 'max-utilization' (default; vLLM-style, admits
   * on the mean occupancy and preempts when full) or 'guaranteed-no-evict' (TensorRT-LLM's capacity scheduler:
   * reserves a request's whole prompt + output before admitting it).
   */
  kvAdmission?: 'max-utilization' | 'guaranteed-no-evict';
  /**
   * (added) Share of the HBM left after weights, activations and the runtime that the KV cache takes (TensorRT-LLM
   * kv_cache_free_gpu_mem_fraction); default 0.9.
   */
  kvCacheMemoryFraction?: number;
}

/** Request-shape statistics a serving estimate is made for. */
export interface ServingWorkload {
  promptTokensMean: number;
  outputTokensMean: number;
  /** Optional p99s of the same, for SLO sizing. */
  promptTokensP99?: number;
  outputTokensP99?: number;
}

export interface ServingSlo {
  ttftP99Ms: number;
  tpotP99Ms: number;
}

/** The time functions one replica obeys; the twin drives these per iteration, the planner through estimateServing. */
export interface ReplicaTimings {
  gpusPerReplica: number;
  /** KV-cache bytes per token across the whole replica (all layers, GQA/MLA aware, in the KV precision). */
  kvBytesPerToken: number;
  /** Tokens of KV cache the replica can hold after weights, activations and reserve. */
  kvCapacityTokens: number;
  /** Seconds for one prefill iteration over `tokens` new prompt tokens (attention over their own context). */
  prefillSeconds(tokens: number): number;
  /** Seconds for one decode iteration of `batch` sequences whose contexts sum to `contextTokens`. */
  decodeStepSeconds(batch: number, contextTokens: number): number;
  /** Seconds to move one request's KV cache from prefill to decode GPUs (0 when not disaggregated). */
  kvTransferSeconds(promptTokens: number): number;
  /**
   * (added) GPUs of one model copy (tp x pp x the attention data-parallel width); prefillSeconds and
   * decodeStepSeconds time one such copy. A colocated replica is one copy.
   */
  gpusPerInstance?: number;
  /** (added) Model copies that prefill and that decode (1 and 1 when colocated: the same copy does both). */
  prefillInstances?: number;
  decodeInstances?: number;
  /** (added) One prefill iteration of `prompts` prompts of `promptTokens` tokens each, packed (chunked prefill). */
  prefillBatchSeconds?(prompts: number, promptTokens: number): number;
  /**
   * (added) One mixed iteration (chunked prefill fused with decode): `batch` decoding sequences whose contexts sum
   * to `contextTokens`, plus `prefillTokens` new prompt tokens of prompts `promptTokens` long.
   */
  iterationSeconds?(batch: number, contextTokens: number, prefillTokens: number, promptTokens: number): number;
  /**
   * (added) Prefill seconds per request when prompts queue up: whole prompts packed into one iteration's token
   * budget (maxPrefillTokens), or a long prompt in chunks. What the throughput and the prefill utilization use.
   */
  prefillCostSeconds?(promptTokens: number): number;
  /** (added) Prompt tokens one prefill iteration packs at most (plan.maxPrefillTokens or the default chunk). */
  maxPrefillTokens?: number;
  /** (added) Weights resident per GPU, GiB, and KV-cache tokens one decode copy holds. */
  weightsGiBPerGpu?: number;
  kvCapacityTokensPerInstance?: number;
}

export interface ServingEstimate {
  timings: ReplicaTimings;
  /**
   * Largest concurrent batch at the workload's mean context (min of plan.maxBatch and the KV-cache cap), per decode
   * copy (what decodeStepSeconds takes); see batchLimitedBy.
   */
  maxConcurrentBatch: number;
  /** Time to first token for one request on an idle replica, ms. */
  ttftIdleMs: number;
  /** Time per output token at the largest batch, ms. */
  tpotAtMaxBatchMs: number;
  /** Output tokens/s per replica at the largest batch. */
  outputTokensPerSecond: number;
  /** Requests/s one replica sustains while p99 TTFT and p99 TPOT stay within the SLO (0 if the SLO cannot be met). */
  requestsPerSecondAtSlo?: number;
  /** Why a plan does not fit (weights + minimal KV over HBM), if it does not. */
  infeasibleReason?: string;
  /** (added) Seconds of one decode step at the largest batch, split by what bounds it (for explanations). */
  decodeBreakdown?: DecodeBreakdown;
  /**
   * (added) Why the batch stops where it does: the plan's maxBatch, the KV cache, or the iteration token budget
   * (maxPrefillTokens must carry the batch's decode tokens plus the prompt tokens that keep it full).
   */
  batchLimitedBy?: 'maxBatch' | 'kvCache' | 'tokenBudget';
}

/** One decode iteration of one model copy, seconds, by part (the step is their sum). */
export interface DecodeBreakdown {
  /** Linear layers: the slower of weight reads from HBM and GEMM FLOPs. */
  linearSeconds: number;
  /** Attention: the slower of KV-cache reads and attention FLOPs. */
  attentionSeconds: number;
  /** Tensor-parallel all-reduces, expert all-to-alls and pipeline sends. */
  communicationSeconds: number;
  /** Per-iteration fixed cost (scheduling, sampling, launches). */
  overheadSeconds: number;
}

export interface ServingInputs {
  model: ModelSpec;
  system: SystemTiers;
  plan: ServingPlan;
  workload: ServingWorkload;
  slo?: ServingSlo;
}
