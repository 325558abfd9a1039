// EASY backfill for one scheduling pass (round.ts): the blocked head job's reservation, and the tests that keep
// later starts from delaying it.
import { eligibleSites, multiSiteAllowed } from './placement.js';
import { jurisdictionAllowed } from './state.js';
import type { Allocation, ClusterState, JobRequest, RunningJob } from './types.js';

export interface Reservation {
  jobId: string;
  shadowS: number;
  /** Sites the head job needs; starts elsewhere never delay it. */
  sites: Set<string>;
  /** GPUs on those sites that may be used past shadowS without delaying the head. */
  extraGpus: number;
}

/**
 * EASY backfill reservation for a blocked head job: the earliest time enough GPUs free up on its
 * eligible sites (from running jobs' expected ends), and the spare GPUs at that time.
 */
export function reserve(
  head: JobRequest,
  state: ClusterState,
  running: readonly RunningJob[],
  nowS: number,
): Reservation | null {
  const sites = eligibleSites(head, state);
  if (sites.length === 0) return null;
  const free = new Map<string, number>();
  for (const s of sites) free.set(s.id, s.freeGpus);
  const multi = multiSiteAllowed(head);
  const check = (): { ok: boolean; site?: string; spare: number } => {
    if (multi) {
      let t = 0;
      for (const v of free.values()) t += v;
      if (t >= head.gpus) return { ok: true, spare: t - head.gpus };
    }
    let best: string | undefined;
    let bestFree = -1;
    for (const [id, v] of free)
      if (v >= head.gpus && v > bestFree) {
        best = id;
        bestFree = v;
      }
    return best ? { ok: true, site: best, spare: bestFree - head.gpus } : { ok: false, spare: 0 };
  };
  let c = check();
  if (c.ok) {
    // fits by count now but blocked (power cap): reserve now
    return { jobId: head.id, shadowS: nowS, sites: new Set(c.site ? [c.site] : free.keys()), extraGpus: c.spare };
  }
  const ends = running.filter((r) => Number.isFinite(r.expectedEndS)).sort((a, b) => a.expectedEndS - b.expectedEndS);
  for (const r of ends) {
    for (const p of r.allocation.parts) {
      const v = free.get(p.siteId);
      if (v !== undefined) free.set(p.siteId, v + p.gpus);
    }
    c = check();
    if (c.ok)
      return {
        jobId: head.id,
        shadowS: Math.max(nowS, r.expectedEndS),
        sites: new Set(c.site ? [c.site] : free.keys()),
        extraGpus: c.spare,
      };
  }
  return null; // never fits from running jobs alone (down site, too large): no reservation
}

/**
 * The same reservation as `reserve`, walking `byEnd` (the caller's running jobs with a finite end, sorted by it,
 * less those in `skip`) merged with `startedNow` (this pass's starts) instead of sorting all running jobs: O(jobs
 * that end before the head starts). When jobs ending at the same instant decide it, the order among them matters
 * (spare GPUs, site), so it asks `reserve` over `running` (the caller's order) to stay exactly the same.
 */
export function reserveSorted(
  head: JobRequest,
  state: ClusterState,
  byEnd: readonly RunningJob[],
  skip: ReadonlySet<string>,
  startedNow: readonly RunningJob[],
  running: () => readonly RunningJob[],
  nowS: number,
): Reservation | null {
  const sites = eligibleSites(head, state);
  if (sites.length === 0) return null;
  const ids = sites.map((s) => s.id);
  const free = sites.map((s) => s.freeGpus);
  const slot = new Map(ids.map((id, i) => [id, i]));
  const multi = multiSiteAllowed(head);
  // index of the site that fits the head (the first with the most free GPUs), -1 for all of them, -2 none
  const fit = (): number => {
    if (multi && free.reduce((a, b) => a + b, 0) >= head.gpus) return -1;
    let best = -2;
    for (let i = 0; i < free.length; i++) if (free[i] >= head.gpus && (best < 0 || free[i] > free[best])) best = i;
    return best;
  };
  const result = (at: number, shadowS: number): Reservation => {
    const spare = at === -1 ? free.reduce((a, b) => a + b, 0) - head.gpus : free[at] - head.gpus;
    return { jobId: head.id, shadowS, sites: new Set(at === -1 ? ids : [ids[at]]), extraGpus: spare };
  };
  let at = fit();
  if (at !== -2) return result(at, nowS);
  const mine = startedNow
    .filter((r) => Number.isFinite(r.expectedEndS))
    .sort((a, b) => a.expectedEndS - b.expectedEndS);
  let i = 0;
  let j = 0;
  let prevEndS = NaN;
  const next = (): RunningJob | undefined => {
    while (i < byEnd.length && skip.has(byEnd[i].job.id)) i++;
    if (i < byEnd.length && (j >= mine.length || byEnd[i].expectedEndS <= mine[j].expectedEndS)) return byEnd[i++];
    return j < mine.length ? mine[j++] : undefined;
  };
  for (let r = next(); r; r = next()) {
    for (const p of r.allocation.parts) {
      const k = slot.get(p.siteId);
      if (k !== undefined) free[k] += p.gpus;
    }
    at = fit();
    if (at !== -2) {
      const after = next();
      if (r.expectedEndS === prevEndS || after?.expectedEndS === r.expectedEndS)
        return reserve(head, state, running(), nowS);
      return result(at, Math.max(nowS, r.expectedEndS));
    }
    prevEndS = r.expectedEndS;
  }
  return null;
}

export function touches(alloc: Allocation, sites: Set<string>): number {
  let n = 0;
  for (const p of alloc.parts) if (sites.has(p.siteId)) n += p.gpus;
  return n;
}

/** Cheap test whether a job could start without delaying the reservation (before placing it). */
export function mayBackfill(job: JobRequest, res: Reservation, work: ClusterState, nowS: number): boolean {
  if (nowS + (job.durationS ?? Infinity) <= res.shadowS) return true;
  if (job.gpus <= res.extraGpus) return true;
  const multi = multiSiteAllowed(job);
  let outside = 0;
  for (const s of work.sites) {
    if (s.status !== 'up' || res.sites.has(s.id) || !jurisdictionAllowed(job, s.jurisdiction)) continue;
    outside = multi ? outside + s.freeGpus : Math.max(outside, s.freeGpus);
  }
  return job.gpus <= outside;
}
