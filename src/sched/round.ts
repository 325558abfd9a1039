// One scheduling pass, shared by the simulator and the live control plane.
import { whyNotPlaced, eligibleSites, multiSiteAllowed } from './placement.js';
import { allocate, cloneState, jurisdictionAllowed, release } from './state.js';
import type {
  Allocation,
  ClusterState,
  Decision,
  JobRequest,
  RoundOptions,
  RoundResult,
  RunningJob,
  SchedulingPolicy,
} from './types.js';

interface Reservation {
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
function reserve(
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

function touches(alloc: Allocation, sites: Set<string>): number {
  let n = 0;
  for (const p of alloc.parts) if (sites.has(p.siteId)) n += p.gpus;
  return n;
}

/**
 * Run one scheduling pass: order the queue, start what fits (topology-aware, sovereignty, power
 * caps), preempt where the policy says so, backfill behind a blocked head without delaying it,
 * and hold the rest with a reason. Pure except for `state` when `opts.mutate` is true.
 *
 * Cost: the policy's ordering (O(n) on an already ordered queue: pass back `result.queue`), then
 * O(sites) per job that cannot start; placements cost O(domains of the chosen pod). The backfill
 * reservation is computed at most once, and only when a later job could start at all. Once the
 * cluster has fewer free GPUs than the smallest remaining request (and preemption is off or
 * exhausted) the rest of the queue is held without being examined.
 */
export function scheduleRound(
  policy: SchedulingPolicy,
  state: ClusterState,
  queue: readonly JobRequest[],
  running: readonly RunningJob[],
  nowS: number,
  opts: RoundOptions = {},
): RoundResult {
  const work = opts.mutate ? state : cloneState(state);
  const emitHolds = opts.emitHolds ?? true;
  const ordered = policy.orderQueue(queue, work, nowS);
  const decisions: Decision[] = [];
  let started = 0;
  let preempted = 0;
  let held = 0;
  let nextWakeS: number | undefined;
  const n = ordered.length;
  // suffix minimum of requested GPUs, for the early stop
  const sufMin = new Float64Array(n + 1);
  sufMin[n] = Infinity;
  for (let i = n - 1; i >= 0; i--) sufMin[i] = Math.min(sufMin[i + 1], ordered[i].gpus);
  // running jobs still eligible as victims (copied lazily: most rounds never need it)
  let victimsPool: RunningJob[] | null = null;
  const pool = (): RunningJob[] => (victimsPool ??= running.slice());
  const startedNow: RunningJob[] = [];
  // EASY backfill: the first job blocked for capacity gets a reservation, computed lazily (only
  // when a later job could start at all), and later jobs may not delay it
  let blockedHead: JobRequest | null = null;
  let reservation: Reservation | null | undefined;
  let blocked = false; // strict (non-backfill) policies stop after the first blocked job
  const canPreempt = policy.preempts ?? true;
  const remaining: JobRequest[] = [];
  const localityWaitS = opts.localityWaitS ?? 0;
  let maxDomainGpus = 1;
  if (localityWaitS > 0)
    for (const s of work.sites) for (const p of s.pods) maxDomainGpus = Math.max(maxDomainGpus, p.domainGpus);

  const hold = (job: JobRequest, d: Decision & { type: 'hold' }): void => {
    held++;
    remaining.push(job);
    if (emitHolds) decisions.push(d);
  };

  /** Cheap test whether a job could start without delaying the reservation (before placing it). */
  const mayBackfill = (job: JobRequest, res: Reservation): boolean => {
    if (nowS + (job.durationS ?? Infinity) <= res.shadowS) return true;
    if (job.gpus <= res.extraGpus) return true;
    const multi = multiSiteAllowed(job);
    let outside = 0;
    for (const s of work.sites) {
      if (s.status !== 'up' || res.sites.has(s.id) || !jurisdictionAllowed(job, s.jurisdiction)) continue;
      outside = multi ? outside + s.freeGpus : Math.max(outside, s.freeGpus);
    }
    return job.gpus <= outside;
  };

  for (let i = 0; i < n; i++) {
    const job = ordered[i];
    const preemptOk = canPreempt && blockedHead === null;
    if (blocked || (!preemptOk && work.freeGpus < sufMin[i])) {
      for (let k = i; k < n; k++) {
        remaining.push(ordered[k]);
        if (emitHolds)
          decisions.push({ type: 'hold', jobId: ordered[k].id, reason: blocked ? 'reservation' : 'no-capacity' });
      }
      held += n - i;
      break;
    }
    const h = policy.shouldHold?.(job, work, nowS);
    if (h) {
      if (h.untilS !== undefined && (nextWakeS === undefined || h.untilS < nextWakeS)) nextWakeS = h.untilS;
      hold(job, {
        type: 'hold',
        jobId: job.id,
        reason: h.reason,
        ...(h.untilS !== undefined ? { untilS: h.untilS } : {}),
      });
      continue;
    }
    let alloc: Allocation | null = null;
    if (job.gpus <= work.freeGpus) {
      if (blockedHead) {
        if (reservation === undefined) {
          reservation = reserve(
            blockedHead,
            work,
            startedNow.length ? [...(victimsPool ?? running), ...startedNow] : (victimsPool ?? running),
            nowS,
          );
        }
        if (reservation && !mayBackfill(job, reservation)) {
          hold(job, { type: 'hold', jobId: job.id, reason: 'reservation' });
          continue;
        }
      }
      alloc = policy.place(job, work, nowS);
      const untilS = job.submitTimeS + localityWaitS;
      if (alloc && localityWaitS > 0 && nowS < untilS && alloc.domains > Math.ceil(job.gpus / maxDomainGpus)) {
        // spread over more domains than it needs: wait for a consolidated placement until untilS
        if (nextWakeS === undefined || untilS < nextWakeS) nextWakeS = untilS;
        hold(job, { type: 'hold', jobId: job.id, reason: 'locality', untilS });
        continue;
      }
      if (alloc && reservation) {
        const endS = nowS + (job.durationS ?? Infinity);
        const use = touches(alloc, reservation.sites);
        if (endS > reservation.shadowS && use > 0) {
          if (use <= reservation.extraGpus) reservation.extraGpus -= use;
          else alloc = null;
        }
        if (!alloc) {
          hold(job, { type: 'hold', jobId: job.id, reason: 'reservation' });
          continue;
        }
      }
    }
    if (!alloc && preemptOk) {
      const victims = policy.chooseVictims(job, work, victimsPool ?? running, nowS);
      if (victims.length > 0) {
        const vp = pool();
        const vjobs = victims
          .map((id) => vp.find((r) => r.job.id === id))
          .filter((r): r is RunningJob => r !== undefined);
        for (const v of vjobs) release(work, v.allocation, v.job.tenant);
        const a = policy.place(job, work, nowS);
        if (a) {
          for (const v of vjobs) {
            decisions.push({ type: 'preempt', jobId: v.job.id, forJobId: job.id });
            preempted++;
            vp.splice(vp.indexOf(v), 1);
          }
          alloc = a;
        } else {
          for (const v of vjobs) allocate(work, v.allocation, v.job.tenant);
        }
      }
    }
    if (alloc) {
      allocate(work, alloc, job.tenant);
      decisions.push({ type: 'start', jobId: job.id, allocation: alloc });
      started++;
      startedNow.push({ job, allocation: alloc, startTimeS: nowS, expectedEndS: nowS + (job.durationS ?? Infinity) });
      continue;
    }
    const reason = whyNotPlaced(job, work);
    hold(job, { type: 'hold', jobId: job.id, reason });
    if (!blockedHead && (reason === 'no-capacity' || reason === 'power-cap')) {
      if (policy.backfill === false) blocked = true;
      else blockedHead = job;
    }
  }
  return {
    decisions,
    started,
    preempted,
    held,
    state: work,
    queue: remaining,
    ...(nextWakeS !== undefined ? { nextWakeS } : {}),
  };
}

export { jurisdictionAllowed };
