// Public surface of the serving model (issue 15): estimateServing, replicaTimings and the contract types.
export type {
  DecodeBreakdown,
  ReplicaTimings,
  ServingEstimate,
  ServingInputs,
  ServingPlan,
  ServingPrecision,
  ServingSlo,
  ServingWorkload,
} from './types.js';
export { estimateServing, loadAtRate, meanContextTokens } from './estimate.js';
export { replicaTimings } from './replica.js';
export { checkServingPlan, kvBytesPerTokenPerLayer, ServingPlanError } from './layout.js';
export { loadPoint, mdOneWaitP99Seconds, rateAtSlo, tabulated, type LoadPoint, type ServiceCurve } from './queueing.js';
