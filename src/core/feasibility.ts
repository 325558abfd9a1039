// "A job that can never fit": the one rule, used by the simulator (which rejects such a job at arrival) and the
// control plane (which holds it with the reason, so an operator can fix the spec or the fleet).
//
// The rule: a job can never fit when no site lies in a jurisdiction it allows, or when it asks for more GPUs than
// the allowed sites can ever give it: the largest single allowed site, or, when one gang may span sites, all the
// allowed sites together. Capacity is installed GPUs (failures, drains and power caps pass; they do not make a
// job impossible). Memory (no plan fits the model) is the planner's verdict, reported separately by its callers.
import { jurisdictionAllowed } from './jurisdiction.js';

/** A job as the rule sees it. */
export interface FeasibilityJob {
  gpus: number;
  /** Empty or absent: any jurisdiction. */
  allowedJurisdictions?: readonly string[] | null;
  /** Whether one gang of this job may span several sites (the caller decides: job kind, executors). */
  multiSite: boolean;
}

/** A site as the rule sees it: its legal jurisdiction and installed GPUs. */
export interface FeasibilitySite {
  id: string;
  jurisdiction: string;
  totalGpus: number;
}

/** The GPUs a job could ever get: over all allowed sites, on the largest one, and which sites those are. */
export function allowedCapacity(
  job: Pick<FeasibilityJob, 'allowedJurisdictions'>,
  sites: readonly FeasibilitySite[],
): { totalGpus: number; largestSiteGpus: number; siteIds: string[] } {
  let totalGpus = 0;
  let largestSiteGpus = 0;
  const siteIds: string[] = [];
  for (const s of sites) {
    if (!jurisdictionAllowed(job.allowedJurisdictions, s.jurisdiction)) continue;
    totalGpus += s.totalGpus;
    largestSiteGpus = Math.max(largestSiteGpus, s.totalGpus);
    siteIds.push(s.id);
  }
  return { totalGpus, largestSiteGpus, siteIds };
}

/** Why `job` can never be placed on `sites` as configured, or null when some placement may exist. */
export function neverFitsReason(job: FeasibilityJob, sites: readonly FeasibilitySite[]): string | null {
  const cap = allowedCapacity(job, sites);
  if (cap.totalGpus === 0) return 'no site in an allowed jurisdiction';
  const limit = job.multiSite ? cap.totalGpus : cap.largestSiteGpus;
  if (job.gpus > limit)
    return `needs ${job.gpus} GPUs, more than any allowed ${job.multiSite ? 'set of sites' : 'site'} has`;
  return null;
}
