// The policy's view of the cluster (the "cache" of Kueue), kept up to date between ticks instead of
// rebuilt: the fabric's capacity with every active job's allocation applied (diffed by job version:
// only jobs that started, moved or ended since the last pass are allocated or released), site
// status, tenant quotas. Each pass gets a clone it may mutate (one array of numbers per pod: cheap).
import {
  allocate,
  buildClusterState,
  cloneState,
  release,
  type ClusterState,
  type RunningJob,
} from '../../sched/index.js';
import type { Job, SiteState, Tenant } from '../domain.js';
import { applyHold, replicaHolds, type GpuHold } from '../services/gpu-holds.js';
import { reservationOf } from '../services/reservation.js';
import type { SchedulerContext } from './context.js';
import { allocationOf, jobRequest } from './requests.js';

interface AppliedEntry {
  version: number;
  tenant: string;
  running: RunningJob | null;
  seen: number;
}

export interface ClusterSnapshot {
  state: ClusterState;
  running: RunningJob[];
  /** GPUs held per tenant. */
  used: Map<string, number>;
}

export class ClusterView {
  private readonly base: ClusterState;
  private state: ClusterState;
  private tenantSig: string | null = null;
  private readonly applied = new Map<string, AppliedEntry>();
  private running: RunningJob[] | null = null;
  private epoch = 0;

  constructor(private readonly ctx: SchedulerContext) {
    this.base = buildClusterState(ctx.cp.fabric);
    this.state = cloneState(this.base);
  }

  /**
   * A snapshot for one pass: active allocations applied, site status from the store, and the GPUs live service
   * replicas hold (`holds`: taken from their sites and charged to their tenants, so jobs cannot over-commit a site).
   */
  snapshot(
    active: readonly Job[],
    tenants: Tenant[],
    sites: readonly SiteState[],
    holds: readonly GpuHold[] = [],
  ): ClusterSnapshot {
    this.syncTenants(tenants);
    const state = this.state;
    const seen = ++this.epoch;
    const used = new Map<string, number>();
    let changed = false;
    for (const job of active) {
      if (job.gpus) used.set(job.tenantId, (used.get(job.tenantId) ?? 0) + job.gpus);
      let e = this.applied.get(job.id);
      if (e && e.version !== job.version) {
        if (e.running) release(state, e.running.allocation, e.tenant);
        this.applied.delete(job.id);
        e = undefined;
        changed = true;
      }
      if (!e) {
        e = { version: job.version, tenant: job.tenantId, running: this.runningOf(job), seen };
        this.applied.set(job.id, e);
        changed = true;
      } else e.seen = seen;
    }
    for (const [id, e] of this.applied) {
      if (e.seen === seen) continue;
      if (e.running) release(state, e.running.allocation, e.tenant);
      this.applied.delete(id);
      changed = true;
    }
    if (changed || this.running === null) {
      // in the store's order, as a rebuilt view would list them (victim ties are broken by it)
      this.running = [];
      for (const job of active) {
        const r = this.applied.get(job.id)?.running;
        if (r) this.running.push(r);
      }
    }
    const siteStates = new Map(sites.map((s) => [s.id, s]));
    for (const s of state.sites) {
      const st = siteStates.get(s.id);
      s.status = !this.ctx.cp.bindings.has(s.id) || !st || st.status !== 'up' ? 'down' : st.drained ? 'draining' : 'up';
    }
    // a loan's hold counts once its job has let go of the GPUs (suspended at its checkpoint)
    const live = holds.filter((h) => h.lentBy === undefined || !this.applied.has(h.lentBy));
    return { state: this.withHolds(cloneState(state), live, used), running: this.running, used };
  }

  /** The replicas the store lists (the service manager writes each row before its run starts), and loans, as GPU holds. */
  async serviceHolds(): Promise<GpuHold[]> {
    const store = this.ctx.cp.store;
    const replicas = await store.listReplicas();
    const loans = [...reservationOf(store).loans.values()];
    return replicas.length === 0 ? loans : [...replicaHolds(await store.listServices(), replicas), ...loans];
  }

  /** Holds applied to a pass's clone only: they change every tick and are few (the cached state stays jobs only). */
  private withHolds(state: ClusterState, holds: readonly GpuHold[], used: Map<string, number>): ClusterState {
    for (const h of holds) {
      used.set(h.tenantId, (used.get(h.tenantId) ?? 0) + h.gpus);
      const { short } = applyHold(state, h);
      if (short > 0)
        this.ctx.log.warn({ replica: h.id, site: h.site, short }, 'service replica GPUs over-commit the site');
    }
    return state;
  }

  /** Quotas changed (rare): rebuild the view from scratch so that tenant usage is recounted. */
  private syncTenants(tenants: Tenant[]): void {
    const sig = tenants.map((t) => `${t.id}:${t.quotaGpus}`).join(',');
    if (sig === this.tenantSig) return;
    this.state = cloneState(this.base);
    this.state.tenants = tenants
      .filter((t) => t.quotaGpus !== null)
      .map((t) => ({ id: t.id, quotaGpus: t.quotaGpus!, usedGpus: 0, usedPowerW: 0 }));
    this.applied.clear();
    this.tenantSig = sig;
  }

  /** Applies an active job's allocation to the live view; null when it has none (or it no longer fits the fabric). */
  private runningOf(job: Job): RunningJob | null {
    const alloc = allocationOf(job);
    const req = alloc ? jobRequest(job) : null;
    if (!alloc || !req) return null;
    try {
      allocate(this.state, alloc, job.tenantId);
    } catch (err) {
      this.ctx.log.warn({ job: job.id, err: (err as Error).message }, 'allocation does not fit the fabric (changed?)');
      return null;
    }
    const startS = (job.startedAt ?? job.updatedAt) / 1000;
    return {
      job: req,
      allocation: alloc,
      startTimeS: startS,
      expectedEndS: req.durationS ? startS + req.durationS : Infinity,
    };
  }
}
