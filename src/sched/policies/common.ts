import { eligibleSites, multiSiteAllowed } from '../placement.js';
import type { ClusterState, JobRequest, RunningJob } from '../types.js';

/** Submit time, then the caller's order (Array.prototype.sort is stable). */
export function bySubmit(a: JobRequest, b: JobRequest): number {
  return a.submitTimeS - b.submitTimeS;
}

/** Priority (high first), then submit time. */
export function byPriority(a: JobRequest, b: JobRequest): number {
  return b.priority - a.priority || a.submitTimeS - b.submitTimeS;
}

/**
 * Pick the fewest victims (by GPUs freed) among `candidates` so that `job` fits on one of its
 * eligible sites (or across them, for multi-site jobs). Candidates are tried in the given order.
 */
export function pickVictims(job: JobRequest, state: ClusterState, candidates: readonly RunningJob[]): string[] {
  const sites = eligibleSites(job, state);
  if (sites.length === 0) return [];
  let best: string[] | null = null;
  let bestGpus = Infinity;
  for (const s of sites) {
    const need = job.gpus - s.freeGpus;
    if (need <= 0) continue; // fits by count already (blocked by power: preemption would not help much)
    if (need > s.totalGpus - s.freeGpus) continue;
    const ids: string[] = [];
    let freed = 0;
    for (const r of candidates) {
      let onSite = 0;
      for (const p of r.allocation.parts) if (p.siteId === s.id) onSite += p.gpus;
      if (onSite === 0) continue;
      ids.push(r.job.id);
      freed += onSite;
      if (freed >= need) break;
    }
    if (freed >= need && freed < bestGpus) {
      best = ids;
      bestGpus = freed;
    }
  }
  if (!best && multiSiteAllowed(job)) {
    const siteIds = new Set(sites.map((s) => s.id));
    let need = job.gpus;
    for (const s of sites) need -= s.freeGpus;
    const ids: string[] = [];
    for (const r of candidates) {
      if (need <= 0) break;
      let on = 0;
      for (const p of r.allocation.parts) if (siteIds.has(p.siteId)) on += p.gpus;
      if (on === 0) continue;
      ids.push(r.job.id);
      need -= on;
    }
    if (need <= 0) best = ids;
  }
  return best ?? [];
}
