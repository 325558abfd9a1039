// Topology-aware gang placement, shared by every policy: fill one scale-up domain if the job fits,
// else whole domains of one pod, else several pods of one site, else (when allowed) several sites.
// Hard constraints checked here: site up (not draining/down), jurisdiction allowed, power cap.
import { gpusWithinPowerCap, withinPowerCap } from '../core/power.js';
import { bestFitDomainOf } from './free-index.js';
import { jurisdictionAllowed, marginalPowerW } from './state.js';
import type {
  Allocation,
  AllocationPart,
  ClusterState,
  HoldReason,
  JobRequest,
  PodState,
  SiteState,
  SpreadClass,
} from './types.js';

export interface PlaceOptions {
  /**
   * Site preference: lower score is better. Default: best fit (the site whose free GPUs exceed the
   * job's by the least, which keeps big holes for big jobs).
   */
  siteScore?: (site: SiteState, job: JobRequest) => number;
}

/** Sites a job may use now (hard constraints only: status, sovereignty). */
export function eligibleSites(job: JobRequest, state: ClusterState): SiteState[] {
  const out: SiteState[] = [];
  for (const s of state.sites) if (s.status === 'up' && jurisdictionAllowed(job, s.jurisdiction)) out.push(s);
  return out;
}

export function multiSiteAllowed(job: JobRequest): boolean {
  return job.allowMultiSite ?? job.kind === 'pretraining';
}

/** Marginal facility W per GPU of a site's most power-hungry pod (an upper bound for any spread of a job). */
function maxMarginalWPerGpu(site: SiteState): number {
  let perGpu = 0;
  for (const p of site.pods) perGpu = Math.max(perGpu, p.busyPowerPerGpuW - p.idlePowerPerGpuW);
  return perGpu;
}

/** Whether the job's GPUs, turning busy, keep the site within its cap (rule: src/core/power.ts). */
function sitePowerOk(site: SiteState, gpus: number): boolean {
  return withinPowerCap(site.powerDrawW, gpus * maxMarginalWPerGpu(site), site.powerCapW);
}

/** Power headroom of a site expressed in GPUs (of its most power-hungry pod). */
function powerHeadroomGpus(site: SiteState): number {
  return gpusWithinPowerCap(site.powerCapW, maxMarginalWPerGpu(site), site.powerDrawW);
}

/**
 * Scratch marks of the domains taken whole by `placeInPod`, reused across calls (zeroed after each use) so that the
 * hot path allocates no array per placement. Not observable outside the call.
 */
let takenMarks = new Uint8Array(64);
function takenScratch(domains: number): Uint8Array {
  if (takenMarks.length < domains) takenMarks = new Uint8Array(Math.max(domains, takenMarks.length * 2));
  return takenMarks;
}

let orderScratch = new Int32Array(64);
let rankScratch = new Int32Array(128);

/**
 * The domains with free GPUs, most free first and ties by index, into `orderScratch` (returns how many): a counting
 * sort over the free counts (each at most the domain size), without a comparator closure or array per call.
 */
function largestFreeFirst(free: readonly number[]): number {
  let maxFree = 0;
  let n = 0;
  for (const f of free) {
    if (f <= 0) continue;
    n++;
    if (f > maxFree) maxFree = f;
  }
  if (rankScratch.length < maxFree + 1) rankScratch = new Int32Array(maxFree + 1);
  if (orderScratch.length < n) orderScratch = new Int32Array(Math.max(n, orderScratch.length * 2));
  const start = rankScratch; // start[maxFree - f]: first slot of the domains with f free
  start.fill(0, 0, maxFree + 1);
  for (const f of free) if (f > 0) start[maxFree - f]++;
  for (let r = 0, pos = 0; r <= maxFree; r++) {
    const c = start[r];
    start[r] = pos;
    pos += c;
  }
  for (let i = 0; i < free.length; i++) if (free[i] > 0) orderScratch[start[maxFree - free[i]]++] = i;
  return n;
}

/** Pick GPUs inside one pod (pod.freeGpus >= gpus is required). Domains first, fewest domains. */
function placeInPod(pod: PodState, gpus: number, parts: AllocationPart[]): void {
  const free = pod.domainFree;
  const D = pod.domainGpus;
  if (gpus <= D) {
    const best = bestFitDomainOf(pod, gpus);
    if (best >= 0) {
      parts.push({ siteId: pod.siteId, podId: pod.id, domain: best, gpus });
      return;
    }
  } else {
    // whole free domains first
    let need = gpus;
    const cap = pod.domainCapacity;
    const mark = takenScratch(free.length);
    for (let i = 0; i < free.length && need >= D; i++) {
      if (free[i] === cap[i] && free[i] > 0 && free[i] <= need) {
        mark[i] = 1;
        need -= free[i];
      }
    }
    if (need === 0 || need < D) {
      // remainder: best-fit single domain not already taken
      let best = -1;
      let bestFree = Infinity;
      if (need > 0) {
        for (let i = 0; i < free.length; i++) {
          const f = free[i];
          if (f >= need && f < bestFree && mark[i] === 0) {
            best = i;
            bestFree = f;
            if (f === need) break;
          }
        }
      }
      if (need === 0 || best >= 0) {
        for (let i = 0; i < free.length; i++)
          if (mark[i] === 1) parts.push({ siteId: pod.siteId, podId: pod.id, domain: i, gpus: free[i] });
        mark.fill(0, 0, free.length);
        if (need > 0) parts.push({ siteId: pod.siteId, podId: pod.id, domain: best, gpus: need });
        return;
      }
    }
    mark.fill(0, 0, free.length);
  }
  // fragmented: largest free domains first (ties: lower index first)
  const n = largestFreeFirst(free);
  let need = gpus;
  for (let k = 0; k < n; k++) {
    if (need <= 0) break;
    const i = orderScratch[k];
    const take = Math.min(free[i], need);
    parts.push({ siteId: pod.siteId, podId: pod.id, domain: i, gpus: take });
    need -= take;
  }
  if (need > 0) throw new Error(`placeInPod: pod ${pod.id} lacks ${need} GPUs (bug: caller checked freeGpus)`);
}

/** Place within one site (site.freeGpus >= gpus required): one pod if possible (best fit), else pods largest-free first. */
function placeInSite(site: SiteState, gpus: number, parts: AllocationPart[]): void {
  let bestPod: PodState | null = null;
  for (const p of site.pods) {
    if (p.freeGpus >= gpus && (bestPod === null || p.freeGpus < bestPod.freeGpus)) bestPod = p;
  }
  if (bestPod) {
    // prefer a pod where the job fits in one domain when it is domain-sized
    // (the first such pod, best-fit domain in it; one scan of its domains: no domain holds more than domainGpus)
    if (gpus <= bestPod.domainGpus) {
      for (const p of site.pods) {
        if (p.freeGpus < gpus || gpus > p.domainGpus) continue;
        const d = bestFitDomainOf(p, gpus);
        if (d >= 0) {
          parts.push({ siteId: p.siteId, podId: p.id, domain: d, gpus });
          return;
        }
      }
    }
    placeInPod(bestPod, gpus, parts);
    return;
  }
  const pods = site.pods.filter((p) => p.freeGpus > 0).sort((a, b) => b.freeGpus - a.freeGpus);
  let need = gpus;
  for (const p of pods) {
    if (need <= 0) break;
    const take = Math.min(p.freeGpus, need);
    placeInPod(p, take, parts);
    need -= take;
  }
  if (need > 0) throw new Error('placeInSite: not enough GPUs (bug)');
}

export function summarize(jobId: string, gpus: number, parts: AllocationPart[]): Allocation {
  // a literal for the first site: an array grown from [] by push holds 17 slots, and allocations live as long as
  // their jobs (issue 12: the simulator's survivors are most of its GC time)
  let sites: string[] | null = null;
  let pods = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (sites === null) sites = [p.siteId];
    else if (!sites.includes(p.siteId)) sites.push(p.siteId);
    if (!podSeenBefore(parts, i)) pods++;
  }
  sites ??= [];
  const spread: SpreadClass = sites.length > 1 ? 'multi-site' : pods > 1 ? 'site' : parts.length > 1 ? 'pod' : 'domain';
  return { jobId, gpus, parts, sites, pods, domains: parts.length, spread };
}

/** Whether an earlier part is on part i's pod (the placers group parts by pod, so the previous one usually is). */
function podSeenBefore(parts: readonly AllocationPart[], i: number): boolean {
  const { siteId, podId } = parts[i];
  for (let j = i - 1; j >= 0; j--) if (parts[j].podId === podId && parts[j].siteId === siteId) return true;
  return false;
}

/**
 * Topology-aware gang placement under the hard constraints. Returns null when the job cannot
 * start now. `siteScore` lets a policy prefer sites (carbon, price); ties keep fabric order.
 */
export function placeGang(job: JobRequest, state: ClusterState, opts: PlaceOptions = {}): Allocation | null {
  const g = job.gpus;
  if (g <= 0 || g > state.freeGpus) return null;
  const score = opts.siteScore ?? bestFitScore;
  // single site (no candidate list: this runs for every job the scheduler tries)
  let candidates = 0;
  let best: SiteState | null = null;
  let bestScore = Infinity;
  for (const s of state.sites) {
    if (!isCandidate(s, job)) continue;
    candidates++;
    if (s.freeGpus < g || !sitePowerOk(s, g)) continue;
    const sc = score(s, job);
    if (sc < bestScore) {
      best = s;
      bestScore = sc;
    }
  }
  if (best) {
    const parts: AllocationPart[] = [];
    placeInSite(best, g, parts);
    return summarize(job.id, g, parts.slice()); // exact size (see summarize)
  }
  if (candidates < 2 || !multiSiteAllowed(job)) return null;
  return placeMultiSite(job, state, score);
}

/** Default site preference: best fit (the least free GPUs left over). */
function bestFitScore(s: SiteState, j: JobRequest): number {
  return s.freeGpus - j.gpus;
}

function isCandidate(s: SiteState, job: JobRequest): boolean {
  return s.status === 'up' && s.freeGpus >= 1 && jurisdictionAllowed(job, s.jurisdiction);
}

/** Several sites, fewest sites first: largest usable capacity first. */
function placeMultiSite(
  job: JobRequest,
  state: ClusterState,
  score: (site: SiteState, job: JobRequest) => number,
): Allocation | null {
  const g = job.gpus;
  const usable = state.sites
    .filter((s) => isCandidate(s, job))
    .map((s) => ({ s, n: Math.min(s.freeGpus, powerHeadroomGpus(s)) }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n || score(a.s, job) - score(b.s, job));
  let total = 0;
  for (const u of usable) total += u.n;
  if (total < g) return null;
  const parts: AllocationPart[] = [];
  let need = g;
  for (const u of usable) {
    if (need <= 0) break;
    const take = Math.min(u.n, need);
    placeInSite(u.s, take, parts);
    need -= take;
  }
  return summarize(job.id, g, parts.slice());
}

/** Why a job cannot start now (for hold decisions). */
export function whyNotPlaced(job: JobRequest, state: ClusterState): HoldReason {
  let allowedCap = 0;
  let allowedFree = 0;
  let anyAllowed = false;
  let powerBlocked = false;
  for (const s of state.sites) {
    if (!jurisdictionAllowed(job, s.jurisdiction)) continue;
    anyAllowed = true;
    allowedCap += s.totalGpus;
    if (s.status !== 'up') continue;
    allowedFree += s.freeGpus;
    if (s.freeGpus >= job.gpus && !sitePowerOk(s, job.gpus)) powerBlocked = true;
  }
  if (!anyAllowed) return 'sovereignty';
  if (job.gpus > allowedCap) return 'too-large';
  if (powerBlocked) return 'power-cap';
  if (allowedFree === 0 && allowedCap > 0) return 'no-capacity';
  return 'no-capacity';
}

export { marginalPowerW };
