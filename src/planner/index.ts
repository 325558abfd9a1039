// Public surface of the planner.
import type { Fabric } from '../fabric/types.js';
import type { ModelSpec } from '../perf/types.js';
import { planOnFabric } from './search.js';
import type { PlanRequest, PlanResult } from './types.js';

export type { PlanRequest, PlanResult, RankedPlan, SitePlacement, Strategy, TierMapping } from './types.js';
export {
  planOnFabric,
  searchPlans,
  siteViews,
  better,
  PlannerInputError,
  CHINCHILLA_TOKENS_PER_PARAM,
  DEFAULT_TOKENS_PER_STEP,
  DILOCO_INNER_STEPS,
  DILOCO_OUTER_BITS,
  DILOCO_TOKEN_EFFICIENCY,
} from './search.js';
export {
  sweepWan,
  wanThresholds,
  wanThresholdSteps,
  capacityThresholdGbps,
  bisectCapacityGbps,
  bestCrossSite,
  mergedSingleSite,
  THRESHOLD_SEARCH,
  THRESHOLD_TARGETS,
  type SweepResult,
  type SweepCell,
  type ThresholdRow,
  type ThresholdsResult,
} from './sweep.js';

/**
 * Plan a loaded model on a resolved fabric. Pure: the edge loads both (src/index.ts offers the id/file form) and
 * injects `clock` (ms) when it wants `searchSeconds` measured; without one it reads 0.
 */
export function planJob(args: { model: ModelSpec; fabric: Fabric } & PlanRequest, clock?: () => number): PlanResult {
  return planOnFabric(args.model, args.fabric, args, clock);
}
