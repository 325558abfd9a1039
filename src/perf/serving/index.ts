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
export { estimateServing, meanContextTokens } from './estimate.js';
export { replicaTimings } from './replica.js';
export { checkServingPlan, kvBytesPerTokenPerLayer, ServingPlanError } from './layout.js';
export { loadPoint, mdOneWaitP99Seconds, rateAtSlo, tabulated, type ServiceCurve } from './queueing.js';
