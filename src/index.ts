// The library surface of the `superfactory` package: fabric, performance model, planner, scheduling policies
// and the digital twin. The CLI (src/cli) and the control plane (src/control) are built on the same exports.
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
export { planJob, planOnFabric, sweepWan, PlannerInputError } from './planner/index.js';
export type { PlanRequest, PlanResult, RankedPlan, Strategy } from './planner/index.js';
