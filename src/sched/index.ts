// Public surface of src/sched, shared by the simulator (src/sim) and the control plane (src/control).
export * from './types.js';
export {
  buildClusterState,
  cloneState,
  allocate,
  release,
  jurisdictionAllowed,
  findSite,
  findTenant,
  setFailedGpus,
  repairGpus,
  DEFAULT_IDLE_FRACTION,
} from './state.js';
export type { BuildStateOptions } from './state.js';
export { placeGang, eligibleSites, multiSiteAllowed, whyNotPlaced, summarize } from './placement.js';
export type { PlaceOptions } from './placement.js';
export { scheduleRound } from './round.js';
export { RunningByEnd } from './running-index.js';
export { fifoPolicy } from './policies/fifo.js';
export { priorityPolicy } from './policies/priority.js';
export { fairSharePolicy, quotaAllows, dominantShare } from './policies/fair-share.js';
export { carbonAwarePolicy } from './policies/carbon-aware.js';
export type { CarbonAwareOptions } from './policies/carbon-aware.js';
import { fifoPolicy } from './policies/fifo.js';
import { priorityPolicy } from './policies/priority.js';
import { fairSharePolicy } from './policies/fair-share.js';
import { carbonAwarePolicy } from './policies/carbon-aware.js';
import type { SchedulingPolicy } from './types.js';

export const POLICY_NAMES = ['fifo', 'priority', 'fair-share', 'carbon-aware'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(s: string): s is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(s);
}

/** A fresh policy object by its fixed name. */
export function createPolicy(name: PolicyName): SchedulingPolicy {
  switch (name) {
    case 'fifo':
      return fifoPolicy();
    case 'priority':
      return priorityPolicy();
    case 'fair-share':
      return fairSharePolicy();
    case 'carbon-aware':
      return carbonAwarePolicy();
  }
}
