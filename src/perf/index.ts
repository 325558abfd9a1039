// Public surface of the performance model.
import type { Fabric } from '../fabric/types.js';
import { estimateWithTiers, type EstimateOptions } from './estimate.js';
import { checkPlan, PlanInputError } from './plan-check.js';
import { tiersForFabric } from './tiers.js';
import type { Estimate, ModelSpec, Plan } from './types.js';

export type {
  Estimate,
  ModelSpec,
  MoeSpec,
  MlaSpec,
  NetworkTier,
  Plan,
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
  if (issues.length > 0) throw new PlanInputError(issues);
  return estimateWithTiers(args.model, tiersForFabric(args.fabric, args.podId), args.plan, args.options);
}
