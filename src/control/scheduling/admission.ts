// Admission: the effects of one pass's decisions, persisted in one transaction — the victims'
// requeues first (they free their GPUs; each victim's run is stopped, best effort, before its
// requeue is written), then the starts (queued -> admitted with the placement -> starting with the
// run key), after the hard quota check. Launches follow the commit, never precede it.
import { release, type Decision } from '../../sched/index.js';
import type { Job, Tenant } from '../domain.js';
import type { Transition } from '../store/types.js';
import { forEachLimit, type SchedulerContext, type StoredPart } from './context.js';
import type { ClusterSnapshot } from './cluster-view.js';
import { runKey, type Launcher } from './launcher.js';
import type { JobLookup } from './queue-manager.js';
import { requeueTransitions } from './requeue.js';

export interface Admitted {
  started: number;
  preempted: number;
  /** Starts held back by a hard quota. */
  quotaHeld: number;
}

export class Admission {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly launcher: Launcher,
  ) {}

  /** Writes the reason of jobs that can never be placed as configured (once: compared on every pass). */
  async recordHolds(holds: readonly { job: Job; reason: string }[]): Promise<void> {
    const { cp, log } = this.ctx;
    for (const h of holds) {
      try {
        await cp.store.updateJob(
          h.job.id,
          { reason: h.reason },
          cp.now(),
          'job.held',
          { reason: h.reason },
          h.job.version,
        );
        log.warn({ job: h.job.id, reason: h.reason }, 'job held');
      } catch (err) {
        log.info({ job: h.job.id, err: (err as Error).message }, 'hold reason not stored (job changed meanwhile)');
      }
    }
  }

  async apply(
    decisions: readonly Decision[],
    active: readonly Job[],
    byId: JobLookup,
    snap: ClusterSnapshot,
    tenants: readonly Tenant[],
  ): Promise<Admitted> {
    const at = this.ctx.cp.now();
    const victims = this.victims(decisions, active);
    const ts: Transition[] = victims.flatMap(({ job, forJobId }) =>
      requeueTransitions(job, `preempted for ${forJobId}`, at),
    );
    await forEachLimit(victims, 8, ({ job: v }) => this.launcher.stop(v, 'victim cancel'));
    const firstStart = ts.length;
    const { transitions, quotaHeld } = this.starts(decisions, byId, snap, tenants, at);
    ts.push(...transitions);
    const results = ts.length > 0 ? await this.ctx.cp.store.transitionMany(ts) : [];
    let preempted = 0;
    for (let i = 0; i < firstStart; i += 2) {
      const err = results[i] instanceof Error ? results[i] : results[i + 1] instanceof Error ? results[i + 1] : null;
      if (err) this.ctx.log.warn({ job: ts[i].jobId, err: (err as Error).message }, 'preemption skipped');
      else preempted++;
    }
    if (preempted > 0) this.ctx.log.info({ preempted }, 'jobs preempted and requeued');
    const launched: Job[] = [];
    for (let i = firstStart; i < results.length; i += 2) {
      const r = results[i + 1];
      if (!(r instanceof Error)) launched.push(r);
    }
    for (const job of launched) void this.launcher.launch(job);
    return { started: launched.length, preempted, quotaHeld };
  }

  private victims(decisions: readonly Decision[], active: readonly Job[]): { job: Job; forJobId: string }[] {
    const activeById = new Map(active.map((j) => [j.id, j]));
    const out: { job: Job; forJobId: string }[] = [];
    for (const d of decisions) {
      if (d.type !== 'preempt') continue;
      const job = activeById.get(d.jobId);
      if (job) out.push({ job, forJobId: d.forJobId });
    }
    return out;
  }

  /** queued -> admitted -> starting for each start within its tenant's hard quota. */
  private starts(
    decisions: readonly Decision[],
    byId: JobLookup,
    snap: ClusterSnapshot,
    tenants: readonly Tenant[],
    at: number,
  ): { transitions: Transition[]; quotaHeld: number } {
    const quota = new Map(tenants.map((t) => [t.id, t.quotaGpus]));
    const transitions: Transition[] = [];
    let quotaHeld = 0;
    for (const d of decisions) {
      if (d.type !== 'start') continue;
      const job = byId.get(d.jobId)!;
      const q = quota.get(job.tenantId);
      const u = snap.used.get(job.tenantId) ?? 0;
      if (q !== null && q !== undefined && u + (job.gpus ?? 0) > q) {
        // hard quota: hold; give the GPUs back for this pass
        release(snap.state, d.allocation, job.tenantId);
        quotaHeld++;
        continue;
      }
      snap.used.set(job.tenantId, u + (job.gpus ?? 0));
      const placement: StoredPart[] = d.allocation.parts.map((p) => ({
        site: p.siteId,
        gpus: p.gpus,
        pod: p.podId,
        domain: p.domain,
      }));
      const attempt = job.attempt + 1;
      transitions.push({
        jobId: job.id,
        to: 'admitted',
        from: ['queued'],
        expectVersion: job.version,
        patch: { placement },
        at,
        data: { spread: d.allocation.spread, sites: d.allocation.sites },
      });
      transitions.push({
        jobId: job.id,
        to: 'starting',
        from: ['admitted'],
        patch: { attempt, runId: runKey(job, attempt) },
        at,
      });
    }
    return { transitions, quotaHeld };
  }
}
