// The library surface of the `superfactory` package: fabric, performance model, planner, scheduling policies
// and the digital twin. The CLI (src/cli) and the control plane (src/control) are built on the same exports.
import { loadFabric as loadFabricFile, type Fabric } from './fabric/index.js';
import { loadModel as loadModelFile, type ModelSpec } from './perf/index.js';
import { planJob as planLoaded, type PlanRequest, type PlanResult } from './planner/index.js';

export {
  loadFabric,
  parseFabric,
  parseFabricText,
  listFabricPresets,
  loadCatalog,
  summarizeFabric,
  FabricInputError,
} from './fabric/index.js';
export type { Fabric, Site, Pod, WanLink, GpuSpec, SystemSpec, ScaleOutNetwork, InputIssue } from './fabric/index.js';
export {
  estimate,
  estimateWithTiers,
  loadModel,
  listModelIds,
  parseModel,
  checkPlan,
  parameterCounts,
  tiersForFabric,
  PlanInputError,
  ModelInputError,
} from './perf/index.js';
export type { Estimate, ModelSpec, Plan, SystemTiers, EstimateOptions } from './perf/index.js';
export { planOnFabric, sweepWan, PlannerInputError } from './planner/index.js';
export type { PlanRequest, PlanResult, RankedPlan, Strategy } from './planner/index.js';

/** Plan a model (zoo id, file or spec) on a fabric (preset id, file or resolved fabric): loads, then plans. */
export async function planJob(
  args: { model: string | ModelSpec; fabric: string | Fabric } & PlanRequest,
): Promise<PlanResult> {
  // the library's edge: the planner itself reads no file and no clock
  const model = typeof args.model === 'string' ? loadModelFile(args.model) : args.model;
  const fabric = typeof args.fabric === 'string' ? await loadFabricFile(args.fabric) : args.fabric;
  return planLoaded({ ...args, model, fabric }, () => performance.now());
}
