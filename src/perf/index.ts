// Public surface of the performance model.
import type { Fabric } from '../fabric/types.js';
import { estimateWithTiers, type EstimateOptions } from './estimate.js';
import { checkPlan, PlanInputError } from './plan-check.js';
import { tiersForFabric } from './tiers.js';
import type { Estimate, ModelSpec, Plan } from './types.js';

export type {
  Estimate,
  ModelLookup,
  ModelSpec,
  MoeSpec,
  MlaSpec,
  NetworkTier,
  Plan,
  Precision,
  Recompute,
  StepBreakdown,
  MemoryBreakdown,
  SystemTiers,
} from './types.js';
export {
  estimateWithTiers,
  layersPerStage,
  normalizePlan,
  type EstimateOptions,
  type WanUse,
  type NormalizedPlan,
} from './estimate.js';
export { checkPlan, PlanInputError } from './plan-check.js';
export { loadModel, listModelIds, parseModel, ModelInputError, ModelSchema } from './models.js';
export {
  layerShape,
  parameterCounts,
  modelFlopsPerStep,
  forwardFlopsPerSequence,
  type LayerShape,
  type ParameterCounts,
} from './flops.js';
export { tiersForFabric, tiersForPod, tiersForSystem, wanTier, memoryReserveGiB } from './tiers.js';
export {
  allReduceSeconds,
  reduceScatterSeconds,
  allGatherSeconds,
  allToAllSeconds,
  sendRecvSeconds,
} from './collectives.js';

/** Estimate one plan on one pod of a fabric. Throws PlanInputError for an inconsistent plan. */
export function estimate(args: {
  model: ModelSpec;
  fabric: Fabric;
  plan: Plan;
  podId?: string;
  options?: EstimateOptions;
}): Estimate {
  const issues = checkPlan(args.model, args.plan);
  const tiers = tiersForFabric(args.fabric, args.podId);
  if (args.plan.precision === 'fp8' && tiers.gpu.fp8DenseTflops === null)
    issues.push({
      path: 'precision',
      message: `${tiers.gpu.name} has no FP8 tensor cores`,
      hint: 'use --precision bf16 on this GPU',
    });
  if (issues.length > 0) throw new PlanInputError(issues);
  return estimateWithTiers(args.model, tiers, args.plan, args.options);
}
export * from './serving/index.js';
