// The queue manager: queued jobs grouped by the sites they may use, each group's queue kept in the
// order the previous pass left it (`result.queue`, new arrivals appended) so the policy's ordering is
// O(n); JobRequests cached by job version. `decide` runs the policy (src/sched) per group over one
// shared cluster snapshot, without side effects (also what the benchmark times).
import { scheduleRound, type Decision, type JobRequest, type SchedulingPolicy } from '../../sched/index.js';
import type { Job } from '../domain.js';
import type { SchedulerContext } from './context.js';
import type { ClusterSnapshot } from './cluster-view.js';
import { holdReason, jobRequest, type QueueGroup } from './requests.js';

interface QueueEntry {
  version: number;
  job: Job;
  /** Null: not schedulable yet (no GPU count, or waiting for its plan), or held (`hold`). */
  req: JobRequest | null;
  group: QueueGroup | null;
  /** Why the job cannot be placed however long it waits (shown as its reason), or null. */
  hold: string | null;
  seen: number;
  /** Whether it was in its group's queue in the last pass (so it is in `order`). */
  queued: boolean;
}

export type JobLookup = Pick<Map<string, Job>, 'get'>;

export interface Decided {
  decisions: Decision[];
  held: number;
  /** Jobs that can never be placed as configured and do not show why yet. */
  holds: { job: Job; reason: string }[];
  byId: JobLookup;
}

export class QueueManager {
  private readonly cache = new Map<string, QueueEntry>();
  private readonly groups = new Map<string, QueueGroup>();
  private readonly groupBySpec = new Map<string, QueueGroup>();
  private epoch = 0;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly policy: SchedulingPolicy,
  ) {}

  /** The policy's decisions for the queue over `snap` (mutated: starts allocate, preemptions release). */
  decide(queuedJobs: readonly Job[], snap: ClusterSnapshot, nowS: number): Decided {
    const seen = ++this.epoch;
    const { order, fresh, holds, held } = this.classify(queuedJobs, seen);
    const cache = this.cache;
    for (const [id, e] of cache) if (e.seen !== seen) cache.delete(id);
    const byId: JobLookup = { get: (id: string) => cache.get(id)?.job };
    const decisions: Decision[] = [];
    const { state, running } = snap;
    const statuses = state.sites.map((s) => s.status);
    let heldN = held;
    for (const g of this.groups.values()) if (g.seen !== seen) g.order = [];
    for (const g of order) {
      // last pass's order of the jobs still queued and unchanged, then the new arrivals
      const queue: JobRequest[] = [];
      for (const r of g.order) {
        const e = cache.get(r.id);
        if (e && e.req === r) queue.push(r);
      }
      const f = fresh.get(g);
      if (f) for (const r of f) queue.push(r);
      state.sites.forEach((s, i) => (s.status = g.sites.has(s.id) ? statuses[i] : 'down'));
      const r = scheduleRound(this.policy, state, queue, running, nowS, { mutate: true, emitHolds: false });
      g.order = r.queue;
      for (const q of queue) cache.get(q.id)!.queued = true;
      for (const d of r.decisions) if (d.type === 'start') cache.get(d.jobId)!.queued = false;
      for (const d of r.decisions) decisions.push(d);
      heldN += r.held;
    }
    state.sites.forEach((s, i) => (s.status = statuses[i]));
    return { decisions, held: heldN, holds, byId };
  }

  /** Refreshes cache entries; returns the groups in the order of their oldest queued job and the new arrivals. */
  private classify(queuedJobs: readonly Job[], seen: number) {
    const waitForPlans = this.ctx.cp.planner !== null;
    const fresh = new Map<QueueGroup, JobRequest[]>();
    const order: QueueGroup[] = [];
    const holds: { job: Job; reason: string }[] = [];
    let held = 0;
    for (const job of queuedJobs) {
      let e = this.cache.get(job.id);
      if (!e || e.version !== job.version) {
        // unplanned: planned on a coming tick (PlanStage)
        const group = !job.gpus || (waitForPlans && job.plan === null) ? null : this.group(job);
        const hold = group ? holdReason(job, group, group.capacity) : null;
        const req = group && !hold ? jobRequest(job, group) : null;
        e = { version: job.version, job, req, group, hold, seen, queued: false };
        this.cache.set(job.id, e);
      } else {
        e.job = job;
        e.seen = seen;
      }
      if (e.hold) {
        held++;
        if (job.reason !== e.hold) holds.push({ job, reason: e.hold });
        continue;
      }
      if (!e.req || !e.group) continue;
      if (e.group.seen !== seen) {
        // groups run in the order of their oldest queued job (they share the state, in turn)
        e.group.seen = seen;
        order.push(e.group);
      }
      if (!e.queued) {
        // a new arrival in its group (or changed since the last pass)
        let f = fresh.get(e.group);
        if (!f) fresh.set(e.group, (f = []));
        f.push(e.req);
      }
    }
    return { order, fresh, holds, held };
  }

  /** The group of a job: the sites it may use (executor kind, command, jurisdictions, sites); cached per spec shape. */
  private group(job: Job): QueueGroup {
    const { cp } = this.ctx;
    const spec = job.spec;
    const ek = `${spec.executor ?? ''}|${spec.command ? 1 : 0}|${spec.allowedJurisdictions ? spec.allowedJurisdictions.join(',') : ''}|${spec.sites ? spec.sites.join(',') : '*'}`;
    let g = this.groupBySpec.get(ek);
    if (!g) {
      const sites = cp.eligibleSites(spec);
      const key = sites.join(',');
      g = this.groups.get(key);
      if (!g) {
        const executors = sites.map((id) => cp.bindings.get(id)!.executor);
        // a site's capacity for one run: its GPUs, or less when its executor caps a run (local: processes)
        const capacity = cp.fabric.sites
          .filter((s) => sites.includes(s.id))
          .map((s) => ({
            id: s.id,
            jurisdiction: s.jurisdiction,
            totalGpus: Math.min(s.gpus, cp.bindings.get(s.id)!.executor.maxGpusPerRun ?? Infinity),
          }));
        g = {
          sites: new Set(sites),
          order: [],
          seen: 0,
          // one engine runs the whole gang (twin), or the control plane runs one part per site (local, Slurm)
          spans: sites.length > 1 && (executors.every((x) => x.spansSites) || executors.every((x) => x.runsGangParts)),
          maxSiteGpus: Math.max(0, ...capacity.map((s) => s.totalGpus)),
          kinds: [...new Set(executors.map((x) => x.kind))].join(', '),
          capacity,
        };
        this.groups.set(key, g);
      }
      this.groupBySpec.set(ek, g);
    }
    return g;
  }
}
