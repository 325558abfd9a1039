// replicaTimings: the time functions of one serving replica (what the twin drives per iteration).
import { sendRecvSeconds } from '../collectives.js';
import type { ModelSpec, SystemTiers } from '../types.js';
import { servingLayout, type ServingLayout } from './layout.js';
import { servingMemory, type ServingMemory } from './memory.js';
import { DEFAULT_PREFILL_CHUNK_TOKENS } from './memory.js';
import {
  decodeBreakdown,
  iterationBreakdown,
  prefillBatchSeconds,
  prefillCostSeconds,
  prefillLatencySeconds,
  sumBreakdown,
  timingContext,
  type TimingContext,
} from './timings.js';
import type { ReplicaTimings, ServingPlan } from './types.js';

export interface ReplicaModel {
  timings: ReplicaTimings;
  layout: ServingLayout;
  memory: ServingMemory;
  ctx: TimingContext;
}

/**
 * KV transfer after a disaggregated prefill: each GPU holding a distinct KV shard (its stage's layers, its heads)
 * sends it over its own scale-out NIC at once, so the copy's distinct shards move in parallel.
 */
function kvTransferFn(system: SystemTiers, layout: ServingLayout, kvBytesPerToken: number, on: boolean) {
  if (!on) return () => 0;
  const senders = layout.pp * layout.kvShards;
  return (promptTokens: number) =>
    promptTokens > 0 ? sendRecvSeconds((kvBytesPerToken * promptTokens) / senders, system.scaleOut) : 0;
}

/** Prompt tokens one iteration packs: the plan's budget, else whole prompts up to the default chunk (or one prompt). */
function prefillBudget(plan: ServingPlan, promptTokens: number): number {
  return plan.maxPrefillTokens ?? Math.max(promptTokens, DEFAULT_PREFILL_CHUNK_TOKENS);
}

/** Builds the layout, memory and time functions once; the functions are closures over precomputed constants. */
export function replicaModel(model: ModelSpec, system: SystemTiers, plan: ServingPlan): ReplicaModel {
  const layout = servingLayout(model, plan);
  const memory = servingMemory(model, system, layout, plan);
  const ctx = timingContext(model, system, layout);
  const d = plan.disaggregated;
  const prefillInstances = d ? d.prefillGpus / layout.gpusPerInstance : 1;
  const decodeInstances = d ? d.decodeGpus / layout.gpusPerInstance : 1;
  const kvBytesPerToken = layout.kvBytesPerTokenPerLayer * model.layers;
  const timings: ReplicaTimings = {
    gpusPerReplica: d ? d.prefillGpus + d.decodeGpus : layout.gpusPerInstance,
    kvBytesPerToken,
    kvCapacityTokens: memory.kvCapacityTokensPerInstance * decodeInstances,
    prefillSeconds: (tokens) => prefillLatencySeconds(ctx, tokens, plan.maxPrefillTokens ?? Infinity),
    iterationSeconds: (batch, contextTokens, prefillTokens, promptTokens) =>
      sumBreakdown(iterationBreakdown(ctx, batch, contextTokens, prefillTokens, promptTokens)),
    decodeStepSeconds: (batch, contextTokens) =>
      batch > 0 ? sumBreakdown(decodeBreakdown(ctx, batch, contextTokens)) : 0,
    kvTransferSeconds: kvTransferFn(system, layout, kvBytesPerToken, d !== undefined),
    prefillBatchSeconds: (prompts, promptTokens) => prefillBatchSeconds(ctx, prompts, promptTokens),
    prefillCostSeconds: (promptTokens) => prefillCostSeconds(ctx, promptTokens, prefillBudget(plan, promptTokens)),
    maxPrefillTokens: plan.maxPrefillTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS,
    gpusPerInstance: layout.gpusPerInstance,
    prefillInstances,
    decodeInstances,
    weightsGiBPerGpu: memory.weightsBytesPerGpu / 2 ** 30,
    kvCapacityTokensPerInstance: memory.kvCapacityTokensPerInstance,
  };
  return { timings, layout, memory, ctx };
}

/**
 * The time functions of one replica. prefillSeconds and decodeStepSeconds time one model copy (gpusPerInstance
 * GPUs); a disaggregated replica has prefillInstances and decodeInstances such copies. Throws ServingPlanError
 * for a plan that breaks a rule (tp not dividing the heads, ep on a dense model, ...).
 */
export function replicaTimings(model: ModelSpec, system: SystemTiers, plan: ServingPlan): ReplicaTimings {
  return replicaModel(model, system, plan).timings;
}
