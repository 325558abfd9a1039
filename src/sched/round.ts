// One scheduling pass, shared by the simulator and the live control plane.
import { mayBackfill, reserve, reserveSorted, touches, type Reservation } from './backfill.js';
import { whyNotPlaced } from './placement.js';
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

/** The state of one pass, threaded through the steps below. */
interface Round {
  policy: SchedulingPolicy;
  work: ClusterState;
  running: readonly RunningJob[];
  nowS: number;
  emitHolds: boolean;
  decisions: Decision[];
  started: number;
  preempted: number;
  held: number;
  nextWakeS: number | undefined;
  /** Running jobs still eligible as victims (copied lazily: most rounds never need it). */
  victimsPool: RunningJob[] | null;
  startedNow: RunningJob[];
  /** EASY backfill: the first job blocked for capacity; its reservation is computed lazily (only when a later
   * job could start at all), and later jobs may not delay it. */
  blockedHead: JobRequest | null;
  reservation: Reservation | null | undefined;
  /** Strict (non-backfill) policies stop after the first blocked job. */
  blocked: boolean;
  remaining: JobRequest[];
  localityWaitS: number;
  maxDomainGpus: number;
  /** RoundOptions.runningByEnd, and the jobs preempted in this pass (no longer running). */
  byEnd: { readonly sorted: readonly RunningJob[] } | undefined;
  /** Ids of the jobs preempted in this pass, and the jobs (made on the first preemption: most passes have none). */
  preemptedIds: Set<string> | null;
  preemptedJobs: RunningJob[] | null;
}

/** A pass's result with the jobs it started and preempted as objects, each list in its decisions' order. */
export interface RoundOutcome extends RoundResult {
  /** The jobs started, with their allocations (the simulator maps them to its runs without a lookup by id). */
  startedJobs: readonly RunningJob[];
  /** The running jobs preempted. */
  preemptedJobs: readonly RunningJob[];
}

const NO_IDS: ReadonlySet<string> = new Set();
const NO_JOBS: readonly RunningJob[] = Object.freeze([]);

function hold(r: Round, job: JobRequest, d: Decision & { type: 'hold' }): void {
  r.held++;
  r.remaining.push(job);
  if (r.emitHolds) r.decisions.push(d);
}

function wakeAt(r: Round, untilS: number): void {
  if (r.nextWakeS === undefined || untilS < r.nextWakeS) r.nextWakeS = untilS;
}

/** Hold ordered[i..] without examining them (blocked strict policy, or not enough free GPUs for any). */
function holdRest(r: Round, ordered: readonly JobRequest[], i: number): void {
  for (let k = i; k < ordered.length; k++) {
    r.remaining.push(ordered[k]);
    if (r.emitHolds)
      r.decisions.push({ type: 'hold', jobId: ordered[k].id, reason: r.blocked ? 'reservation' : 'no-capacity' });
  }
  r.held += ordered.length - i;
}

/** The policy's own hold (quota, carbon window...); true when the job was held. */
function policyHold(r: Round, job: JobRequest): boolean {
  const h = r.policy.shouldHold?.(job, r.work, r.nowS);
  if (!h) return false;
  if (h.untilS !== undefined) wakeAt(r, h.untilS);
  hold(r, job, {
    type: 'hold',
    jobId: job.id,
    reason: h.reason,
    ...(h.untilS !== undefined ? { untilS: h.untilS } : {}),
  });
  return true;
}

/** Place a job in free GPUs without delaying the reservation; 'held' when it was held here, null when it did not fit. */
function placeFree(r: Round, job: JobRequest): Allocation | null | 'held' {
  const { work, nowS } = r;
  if (r.blockedHead) {
    if (r.reservation === undefined) {
      const pool = r.victimsPool ?? r.running;
      const all = () => (r.startedNow.length ? [...pool, ...r.startedNow] : pool);
      r.reservation = r.byEnd
        ? reserveSorted(r.blockedHead, work, r.byEnd.sorted, r.preemptedIds ?? NO_IDS, r.startedNow, all, nowS)
        : reserve(r.blockedHead, work, all(), nowS);
    }
    if (r.reservation && !mayBackfill(job, r.reservation, work, nowS)) {
      hold(r, job, { type: 'hold', jobId: job.id, reason: 'reservation' });
      return 'held';
    }
  }
  let alloc = r.policy.place(job, work, nowS);
  const untilS = job.submitTimeS + r.localityWaitS;
  if (alloc && r.localityWaitS > 0 && nowS < untilS && alloc.domains > Math.ceil(job.gpus / r.maxDomainGpus)) {
    // spread over more domains than it needs: wait for a consolidated placement until untilS
    wakeAt(r, untilS);
    hold(r, job, { type: 'hold', jobId: job.id, reason: 'locality', untilS });
    return 'held';
  }
  if (alloc && r.reservation) {
    const endS = nowS + (job.durationS ?? Infinity);
    const use = touches(alloc, r.reservation.sites);
    if (endS > r.reservation.shadowS && use > 0) {
      if (use <= r.reservation.extraGpus) r.reservation.extraGpus -= use;
      else alloc = null;
    }
    if (!alloc) {
      hold(r, job, { type: 'hold', jobId: job.id, reason: 'reservation' });
      return 'held';
    }
  }
  return alloc;
}

/** Free the policy's victims and place the job in their GPUs; undo when it still does not fit. */
function preemptFor(r: Round, job: JobRequest): Allocation | null {
  const { work, nowS } = r;
  const victims = r.policy.chooseVictims(job, work, r.victimsPool ?? r.running, nowS);
  if (victims.length === 0) return null;
  const vp = (r.victimsPool ??= r.running.slice());
  const vjobs = victims.map((id) => vp.find((x) => x.job.id === id)).filter((x): x is RunningJob => x !== undefined);
  for (const v of vjobs) release(work, v.allocation, v.job.tenant);
  const a = r.policy.place(job, work, nowS);
  if (!a) {
    for (const v of vjobs) allocate(work, v.allocation, v.job.tenant);
    return null;
  }
  for (const v of vjobs) {
    r.decisions.push({ type: 'preempt', jobId: v.job.id, forJobId: job.id });
    r.preempted++;
    (r.preemptedIds ??= new Set()).add(v.job.id);
    (r.preemptedJobs ??= []).push(v);
    vp.splice(vp.indexOf(v), 1);
  }
  return a;
}

function start(r: Round, job: JobRequest, alloc: Allocation): void {
  const { nowS } = r;
  allocate(r.work, alloc, job.tenant);
  r.decisions.push({ type: 'start', jobId: job.id, allocation: alloc });
  r.started++;
  r.startedNow.push({ job, allocation: alloc, startTimeS: nowS, expectedEndS: nowS + (job.durationS ?? Infinity) });
}

/** Hold a job that did not fit with the reason why; the first one blocked for capacity becomes the backfill head. */
function holdUnplaced(r: Round, job: JobRequest): void {
  const reason = whyNotPlaced(job, r.work);
  hold(r, job, { type: 'hold', jobId: job.id, reason });
  if (!r.blockedHead && (reason === 'no-capacity' || reason === 'power-cap')) {
    if (r.policy.backfill === false) r.blocked = true;
    else r.blockedHead = job;
  }
}

/** Scratch for scheduleRound's suffix minima, overwritten in full (indices 0..n) by every pass. */
let sufMinBuffer = new Float64Array(1024);

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
): RoundOutcome {
  const work = opts.mutate ? state : cloneState(state);
  const ordered = policy.orderQueue(queue, work, nowS);
  const n = ordered.length;
  // suffix minimum of requested GPUs, for the early stop (a reused buffer: the simulator runs a pass per event time)
  if (sufMinBuffer.length < n + 1) sufMinBuffer = new Float64Array(Math.max(n + 1, 2 * sufMinBuffer.length));
  const sufMin = sufMinBuffer;
  sufMin[n] = Infinity;
  for (let i = n - 1; i >= 0; i--) sufMin[i] = Math.min(sufMin[i + 1], ordered[i].gpus);
  const localityWaitS = opts.localityWaitS ?? 0;
  let maxDomainGpus = 1;
  if (localityWaitS > 0)
    for (const s of work.sites) for (const p of s.pods) maxDomainGpus = Math.max(maxDomainGpus, p.domainGpus);
  const r: Round = {
    policy,
    work,
    running,
    nowS,
    emitHolds: opts.emitHolds ?? true,
    decisions: [],
    started: 0,
    preempted: 0,
    held: 0,
    nextWakeS: undefined,
    victimsPool: null,
    startedNow: [],
    blockedHead: null,
    reservation: undefined,
    blocked: false,
    remaining: [],
    localityWaitS,
    maxDomainGpus,
    byEnd: opts.runningByEnd,
    preemptedIds: null,
    preemptedJobs: null,
  };
  const canPreempt = policy.preempts ?? true;
  for (let i = 0; i < n; i++) {
    const job = ordered[i];
    const preemptOk = canPreempt && r.blockedHead === null;
    if (r.blocked || (!preemptOk && work.freeGpus < sufMin[i])) {
      holdRest(r, ordered, i);
      break;
    }
    if (policyHold(r, job)) continue;
    let alloc = job.gpus <= work.freeGpus ? placeFree(r, job) : null;
    if (alloc === 'held') continue;
    if (!alloc && preemptOk) alloc = preemptFor(r, job);
    if (alloc) start(r, job, alloc);
    else holdUnplaced(r, job);
  }
  const { decisions, started, preempted, held, remaining, nextWakeS } = r;
  return {
    decisions,
    started,
    preempted,
    held,
    state: work,
    queue: remaining,
    ...(nextWakeS !== undefined ? { nextWakeS } : {}),
    startedJobs: r.startedNow,
    preemptedJobs: r.preemptedJobs ?? NO_JOBS,
  };
}

export { jurisdictionAllowed };
