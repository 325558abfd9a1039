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
 * The time functions as methods of one object (not closures: the planner builds thousands of these, and methods
 * cost nothing per instance). KV transfer after a disaggregated prefill: each GPU holding a distinct KV shard (its
 * stage's layers, its heads) sends it over its own scale-out NIC at once, so the copy's shards move in parallel.
 */
class ReplicaTimingsImpl implements ReplicaTimings {
  readonly gpusPerReplica: number;
  readonly kvBytesPerToken: number;
  readonly kvCapacityTokens: number;
  readonly maxPrefillTokens: number;
  readonly gpusPerInstance: number;
  readonly prefillInstances: number;
  readonly decodeInstances: number;
  readonly weightsGiBPerGpu: number;
  readonly kvCapacityTokensPerInstance: number;
  private readonly chunkTokens: number;

  constructor(
    private readonly ctx: TimingContext,
    private readonly system: SystemTiers,
    private readonly plan: ServingPlan,
    memory: ServingMemory,
  ) {
    const { layout, model } = ctx;
    const d = plan.disaggregated;
    this.prefillInstances = d ? d.prefillGpus / layout.gpusPerInstance : 1;
    this.decodeInstances = d ? d.decodeGpus / layout.gpusPerInstance : 1;
    this.gpusPerReplica = d ? d.prefillGpus + d.decodeGpus : layout.gpusPerInstance;
    this.kvBytesPerToken = layout.kvBytesPerTokenPerLayer * model.layers;
    this.kvCapacityTokens = memory.kvCapacityTokensPerInstance * this.decodeInstances;
    this.maxPrefillTokens = plan.maxPrefillTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS;
    this.chunkTokens = plan.maxPrefillTokens ?? Infinity;
    this.gpusPerInstance = layout.gpusPerInstance;
    this.weightsGiBPerGpu = memory.weightsBytesPerGpu / 2 ** 30;
    this.kvCapacityTokensPerInstance = memory.kvCapacityTokensPerInstance;
  }

  prefillSeconds(tokens: number): number {
    return prefillLatencySeconds(this.ctx, tokens, this.chunkTokens);
  }
  decodeStepSeconds(batch: number, contextTokens: number): number {
    return batch > 0 ? sumBreakdown(decodeBreakdown(this.ctx, batch, contextTokens)) : 0;
  }
  iterationSeconds(batch: number, contextTokens: number, prefillTokens: number, promptTokens: number): number {
    return sumBreakdown(iterationBreakdown(this.ctx, batch, contextTokens, prefillTokens, promptTokens));
  }
  prefillBatchSeconds(prompts: number, promptTokens: number): number {
    return prefillBatchSeconds(this.ctx, prompts, promptTokens);
  }
  prefillCostSeconds(promptTokens: number): number {
    return prefillCostSeconds(this.ctx, promptTokens, prefillBudget(this.plan, promptTokens));
  }
  kvTransferSeconds(promptTokens: number): number {
    if (this.plan.disaggregated === undefined || promptTokens <= 0) return 0;
    const senders = this.ctx.layout.pp * this.ctx.layout.kvShards;
    return sendRecvSeconds((this.kvBytesPerToken * promptTokens) / senders, this.system.scaleOut);
  }
}

/** Prompt tokens one iteration packs: the plan's budget, else whole prompts up to the default chunk (or one prompt). */
function prefillBudget(plan: ServingPlan, promptTokens: number): number {
  return plan.maxPrefillTokens ?? Math.max(promptTokens, DEFAULT_PREFILL_CHUNK_TOKENS);
}

/** Builds the layout, memory and time functions once. */
export function replicaModel(model: ModelSpec, system: SystemTiers, plan: ServingPlan): ReplicaModel {
  const layout = servingLayout(model, plan);
  const memory = servingMemory(model, system, layout, plan);
  const ctx = timingContext(model, system, layout);
  return { timings: new ReplicaTimingsImpl(ctx, system, plan, memory), layout, memory, ctx };
}

/**
 * The time functions of one replica. prefillSeconds and decodeStepSeconds time one model copy (gpusPerInstance
 * GPUs); a disaggregated replica has prefillInstances and decodeInstances such copies. Throws ServingPlanError
 * for a plan that breaks a rule (tp not dividing the heads, ep on a dense model, ...).
 */
export function replicaTimings(model: ModelSpec, system: SystemTiers, plan: ServingPlan): ReplicaTimings {
  return replicaModel(model, system, plan).timings;
}
