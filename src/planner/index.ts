// Public surface of the planner.
import { loadFabric } from '../fabric/load.js';
import type { Fabric } from '../fabric/types.js';
import { loadModel } from '../perf/models.js';
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

/** Plan a model (zoo id, file or spec) on a fabric (preset id, file or resolved fabric). */
export async function planJob(
  args: { model: string | ModelSpec; fabric: string | Fabric } & PlanRequest,
): Promise<PlanResult> {
  const model = typeof args.model === 'string' ? loadModel(args.model) : args.model;
  const fabric = typeof args.fabric === 'string' ? await loadFabric(args.fabric) : args.fabric;
  return planOnFabric(model, fabric, args, () => performance.now());
}
