// The leader's loop: heartbeats and failover, run polling, reconciliation with the executors, planning,
// and one scheduling pass per tick through the same src/sched policies as the digital twin.
// Order of side effects for a start (never twice): commit `starting` with the run key, then launch;
// after a crash a job found `starting` is launched again with the same run key, which the executor
// adopts instead of starting twice.
import {
  allocate,
  buildClusterState,
  cloneState,
  createPolicy,
  isPolicyName,
  release,
  scheduleRound,
  type Allocation,
  type ClusterState,
  type Decision,
  type JobRequest,
  type RunningJob,
  type SchedulingPolicy,
  type SiteState as SchedSite,
} from '../sched/index.js';
import type { Checkpoint, Job, PlacementPart, Tenant } from './domain.js';
import { ACTIVE_STATES } from './domain.js';
import { JobView } from './job-view.js';
import type { ControlPlane, SiteBinding } from './control-plane.js';
import type { Executor, RunSpec, RunStatus } from './executors/types.js';
import { ExecutorUnavailableError, LaunchError } from './executors/types.js';
import type { Transition } from './store/types.js';
import { join } from 'node:path';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

export interface SchedulerOptions {
  policy?: string | SchedulingPolicy;
  /** Where jobs write checkpoints: <checkpointRoot>/<jobId> (shared by all attempts and sites). */
  checkpointRoot: string;
  /** A site whose last heartbeat is older than this is down (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** How long a draining/suspending job may wait for its next checkpoint before it is stopped anyway (default 10 min). */
  checkpointWaitMs?: number;
  /** Executor calls slower than this count as a missed heartbeat (default 5 s). */
  executorTimeoutMs?: number;
  log?: Logger;
  /** Called after each tick with its duration (metrics). */
  onTick?: (ms: number, phases: Record<string, number>) => void;
}

export interface TickStats {
  started: number;
  preempted: number;
  held: number;
  finished: number;
  requeued: number;
  queued: number;
  decideMs: number;
  totalMs: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new ExecutorUnavailableError(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A group of queued jobs that may use the same sites, with the order the last pass left them in. */
interface QueueGroup {
  sites: Set<string>;
  order: JobRequest[];
  /** Epoch of the last pass that had a job of this group. */
  seen: number;
  /** Every site of the group is driven by an executor that runs one gang across sites (the twin). */
  spans: boolean;
  /** GPUs of the group's largest site. */
  maxSiteGpus: number;
  /** Executor kinds of the group's sites (for hold reasons). */
  kinds: string;
}

/** The planner's strategies that split one gang across sites (src/planner; also src/sim/job-plans.ts). */
const CROSS_SITE_STRATEGIES = new Set(['hierarchical-dp', 'pipeline-across-sites', 'diloco']);

/** Whether a job's plan runs one gang across sites. */
export function crossSitePlan(plan: unknown): boolean {
  if (!plan || typeof plan !== 'object') return false;
  const p = plan as { strategy?: unknown; placement?: { site?: unknown }[] };
  if (typeof p.strategy === 'string' && CROSS_SITE_STRATEGIES.has(p.strategy)) return true;
  return Array.isArray(p.placement) && new Set(p.placement.map((x) => x?.site)).size > 1;
}

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

interface AppliedEntry {
  version: number;
  tenant: string;
  running: RunningJob | null;
  seen: number;
}

type JobLookup = Pick<Map<string, Job>, 'get'>;

/** Placement parts as stored: site and GPUs, plus the pod/domain the policy chose. */
interface StoredPart extends PlacementPart {
  pod?: string;
  domain?: number;
}

export class Scheduler {
  readonly cp: ControlPlane;
  readonly policy: SchedulingPolicy;
  private readonly opts: Required<Omit<SchedulerOptions, 'policy' | 'onTick' | 'log'>> &
    Pick<SchedulerOptions, 'onTick'>;
  private readonly log: Logger;
  private readonly baseState: ClusterState;
  private readonly inflight = new Set<string>();
  /** Run keys whose start() returned in this process (a pending one is just waiting, e.g. in Slurm's queue). */
  private readonly launchedHere = new Set<string>();
  private readonly planCache = new Map<string, unknown>();
  /** The live cluster view (active allocations applied), kept between passes. */
  private readonly live: {
    state: ClusterState;
    tenantSig: string | null;
    applied: Map<string, AppliedEntry>;
    running: RunningJob[] | null;
    epoch: number;
  };
  private readonly queueCache = new Map<string, QueueEntry>();
  private readonly groups = new Map<string, QueueGroup>();
  private readonly groupBySpec = new Map<string, QueueGroup>();
  /** Queued and active jobs, kept from the store's change feed (one full read, then only what changed). */
  readonly view: JobView;
  private running = false;
  lastStats: TickStats | null = null;

  constructor(cp: ControlPlane, opts: SchedulerOptions) {
    this.cp = cp;
    const p = opts.policy ?? 'priority';
    if (typeof p === 'string') {
      if (!isPolicyName(p)) throw new Error(`unknown policy ${p}`);
      this.policy = createPolicy(p);
    } else this.policy = p;
    this.opts = {
      checkpointRoot: opts.checkpointRoot,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 10_000,
      checkpointWaitMs: opts.checkpointWaitMs ?? 600_000,
      executorTimeoutMs: opts.executorTimeoutMs ?? 5_000,
      onTick: opts.onTick,
    };
    this.log = opts.log ?? silent;
    this.baseState = buildClusterState(cp.fabric);
    this.live = { state: cloneState(this.baseState), tenantSig: null, applied: new Map(), running: null, epoch: 0 };
    this.view = new JobView(cp.store);
  }

  /** Read every unfinished job again on the next tick (call on becoming leader: another replica scheduled meanwhile). */
  invalidate(): void {
    this.view.invalidate();
  }

  private binding(job: Job): SiteBinding | undefined {
    const site = job.placement?.[0]?.site;
    return site ? this.cp.bindings.get(site) : undefined;
  }

  private executors(): Executor[] {
    return [...new Set([...this.cp.bindings.values()].map((b) => b.executor))];
  }

  runKey(job: Pick<Job, 'id'>, attempt: number): string {
    return `${job.id}.${attempt}`;
  }

  /** One tick; ticks never overlap. Returns null when a tick is already in progress. */
  async tick(): Promise<TickStats | null> {
    if (this.running) return null;
    this.running = true;
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const mark = (name: string, since: number) => (phases[name] = performance.now() - since);
    try {
      let t = performance.now();
      const requeuedByFailover = await this.heartbeats();
      mark('heartbeats', t);
      t = performance.now();
      await this.view.refresh();
      const polled = await this.pollRuns(this.view.active.list());
      mark('poll', t);
      t = performance.now();
      await this.reconcile();
      mark('reconcile', t);
      t = performance.now();
      await this.planPending();
      mark('plan', t);
      t = performance.now();
      const s = await this.schedule();
      mark('schedule', t);
      const stats: TickStats = {
        ...s,
        finished: polled,
        requeued: requeuedByFailover,
        totalMs: performance.now() - t0,
      };
      this.lastStats = stats;
      this.opts.onTick?.(stats.totalMs, phases);
      return stats;
    } finally {
      this.running = false;
    }
  }

  // ---- heartbeats and failover ----

  private async heartbeats(): Promise<number> {
    const now = this.cp.now();
    await Promise.all(
      [...this.cp.bindings.values()]
        .filter((b) => b.heartbeat === 'executor')
        .map(async (b) => {
          try {
            await withTimeout(b.executor.heartbeat(), this.opts.executorTimeoutMs, `heartbeat ${b.siteId}`);
            await this.cp.store.recordHeartbeat(b.siteId, now);
          } catch (err) {
            this.log.warn({ site: b.siteId, err: (err as Error).message }, 'site heartbeat failed');
          }
        }),
    );
    let requeued = 0;
    for (const site of await this.cp.store.listSites()) {
      const fresh = site.lastHeartbeatAt !== null && now - site.lastHeartbeatAt <= this.opts.heartbeatTimeoutMs;
      if (fresh && site.status !== 'up') {
        await this.cp.store.setSiteStatus(site.id, 'up', now);
        await this.cp.store.appendEvent({ at: now, type: 'site.up', siteId: site.id });
        this.log.info({ site: site.id }, 'site up');
      } else if (!fresh && site.status === 'up') {
        await this.cp.store.setSiteStatus(site.id, 'down', now);
        await this.cp.store.appendEvent({
          at: now,
          type: 'site.down',
          siteId: site.id,
          data: { lastHeartbeatAt: site.lastHeartbeatAt },
        });
        this.log.warn({ site: site.id }, 'site missed its heartbeats: down');
        requeued += await this.failover(site.id);
      }
    }
    return requeued;
  }

  /** Requeues every active job of a down site: checkpointable ones keep their checkpoint, others restart. */
  private async failover(siteId: string): Promise<number> {
    const jobs = (await this.cp.store.listJobs({ states: [...ACTIVE_STATES], site: siteId, limit: 1_000_000 })).jobs;
    const b = this.cp.bindings.get(siteId);
    let n = 0;
    for (const job of jobs) {
      if (b && job.runId) {
        // fence: best effort, the site may be unreachable (its orphans are swept when it returns)
        await withTimeout(b.executor.cancel(job.runId), 2000, 'cancel').catch(() => {});
      }
      if (await this.requeue(job, `site ${siteId} down`)) n++;
    }
    return n;
  }

  /** The two transitions of a requeue: active -> preempted -> queued, keeping the checkpoint only for checkpointable jobs. */
  private requeueTransitions(
    job: Job,
    reason: string,
    at: number,
    checkpoint?: Checkpoint | null,
  ): [Transition, Transition] {
    const keep = job.spec.checkpointable ? (checkpoint ?? job.checkpoint) : null;
    return [
      { jobId: job.id, to: 'preempted', from: [job.state], expectVersion: job.version, patch: { reason }, at },
      {
        jobId: job.id,
        to: 'queued',
        from: ['preempted'],
        patch: {
          placement: null,
          runId: null,
          checkpoint: keep,
          reason: keep ? `${reason}; resumes from step ${keep.step}` : `${reason}; restarts from scratch`,
        },
        at,
        data: { resumeStep: keep?.step ?? null },
      },
    ];
  }

  /** active -> preempted -> queued, keeping the checkpoint only for checkpointable jobs. */
  private async requeue(job: Job, reason: string, checkpoint?: Checkpoint | null): Promise<boolean> {
    const keep = job.spec.checkpointable ? (checkpoint ?? job.checkpoint) : null;
    const r = await this.cp.store.transitionMany(this.requeueTransitions(job, reason, this.cp.now(), checkpoint));
    const err = r.find((x) => x instanceof Error);
    if (err) {
      this.log.warn({ job: job.id, err: (err as Error).message }, 'requeue skipped');
      return false;
    }
    this.log.info({ job: job.id, reason, resumeStep: keep?.step ?? null }, 'job requeued');
    return true;
  }

  // ---- polling runs ----

  private async pollRuns(active: readonly Job[]): Promise<number> {
    const bySite = new Map<SiteBinding, Job[]>();
    for (const job of active) {
      if (!job.runId || (job.state !== 'starting' && job.state !== 'running' && job.state !== 'checkpointing'))
        continue;
      const b = this.binding(job);
      if (!b) continue;
      const list = bySite.get(b);
      if (list) list.push(job);
      else bySite.set(b, [job]);
    }
    const drained = new Set((await this.cp.store.listSites()).filter((s) => s.drained).map((s) => s.id));
    let finished = 0;
    await Promise.all(
      [...bySite].map(async ([b, jobs]) => {
        let statuses: Map<string, RunStatus>;
        try {
          statuses = await withTimeout(
            b.executor.status(jobs.map((j) => j.runId!)),
            this.opts.executorTimeoutMs,
            `status ${b.siteId}`,
          );
        } catch (err) {
          this.log.warn({ site: b.siteId, err: (err as Error).message }, 'poll failed');
          return;
        }
        for (const job of jobs) {
          try {
            // a gang across sites moves when any of its sites drains
            const siteDrained = (job.placement ?? []).some((p) => drained.has(p.site)) || drained.has(b.siteId);
            finished += await this.onStatus(job, statuses.get(job.runId!)!, siteDrained, b);
          } catch (err) {
            this.log.warn({ job: job.id, err: (err as Error).message }, 'status update skipped');
          }
        }
      }),
    );
    return finished;
  }

  private async onStatus(job: Job, st: RunStatus, siteDrained: boolean, b: SiteBinding): Promise<number> {
    const now = this.cp.now();
    let cur = job;
    if (st.checkpoint && (!job.checkpoint || st.checkpoint.step > job.checkpoint.step)) {
      const checkpoint: Checkpoint = { step: st.checkpoint.step, path: st.checkpoint.path, at: now, site: b.siteId };
      cur = await this.cp.store.updateJob(job.id, { checkpoint }, now, 'job.checkpoint', {
        step: checkpoint.step,
        path: checkpoint.path,
      });
      if (job.state === 'checkpointing') {
        // the checkpoint a drain or suspend was waiting for
        await b.executor.cancel(job.runId!).catch(() => {});
        if (job.reason === 'suspend') {
          await this.cp.store.transitionJob({
            jobId: job.id,
            to: 'suspended',
            from: ['checkpointing'],
            patch: { reason: `suspended at step ${checkpoint.step}`, placement: null, runId: null },
            at: now,
          });
        } else {
          await this.requeue(cur, `moved off drained site ${b.siteId}`, checkpoint);
        }
        return 1;
      }
    }
    if (st.phase !== 'pending') this.launchedHere.delete(job.runId!);
    switch (st.phase) {
      case 'pending':
        // A run this process did not launch, still pending: after a crash that may be a launch its
        // launcher never finished (local: claimed, not committed). start() is idempotent: it adopts
        // the run, and completes an interrupted launch under the same run key.
        if (cur.state === 'starting' && !this.inflight.has(job.runId!) && !this.launchedHere.has(job.runId!))
          void this.launch(cur);
        return 0;
      case 'running':
        if (cur.state === 'starting') {
          await this.cp.store.transitionJob({
            jobId: job.id,
            to: 'running',
            from: ['starting'],
            patch: { startedAt: now },
            at: now,
            data: { externalId: st.externalId },
          });
        } else if (cur.state === 'running' && siteDrained && cur.spec.checkpointable) {
          await this.cp.store.transitionJob({
            jobId: job.id,
            to: 'checkpointing',
            from: ['running'],
            patch: { reason: 'drain' },
            at: now,
            data: { intent: 'drain' },
          });
        } else if (cur.state === 'checkpointing' && cur.reason === 'drain' && !siteDrained) {
          await this.cp.store.transitionJob({
            jobId: job.id,
            to: 'running',
            from: ['checkpointing'],
            patch: { reason: null },
            at: now,
            data: { intent: 'undrain' },
          });
        } else if (cur.state === 'checkpointing' && now - cur.updatedAt > this.opts.checkpointWaitMs) {
          await b.executor.cancel(job.runId!).catch(() => {});
          if (cur.reason === 'suspend') {
            await this.cp.store.transitionJob({
              jobId: job.id,
              to: 'suspended',
              from: ['checkpointing'],
              patch: { reason: 'suspended (no new checkpoint in time)', placement: null, runId: null },
              at: now,
            });
          } else
            await this.requeue(
              cur,
              `no checkpoint within ${this.opts.checkpointWaitMs} ms on drained site ${b.siteId}`,
            );
          return 1;
        }
        return 0;
      case 'succeeded':
        await this.cp.store.transitionJob({
          jobId: job.id,
          to: 'succeeded',
          from: [cur.state],
          patch: { exitCode: st.exitCode ?? 0, finishedAt: now, reason: null },
          at: now,
        });
        return 1;
      case 'failed':
        await this.cp.store.transitionJob({
          jobId: job.id,
          to: 'failed',
          from: [cur.state],
          patch: { exitCode: st.exitCode, finishedAt: now, reason: st.reason },
          at: now,
        });
        return 1;
      case 'cancelled':
        // stopped outside the control plane (scancel, kill): record it
        await this.cp.store.transitionJob({
          jobId: job.id,
          to: 'cancelled',
          from: [cur.state],
          patch: {
            exitCode: st.exitCode,
            finishedAt: now,
            reason: `stopped outside the control plane: ${st.reason ?? ''}`.trim(),
          },
          at: now,
        });
        return 1;
      case 'unknown':
        if (cur.state === 'starting') {
          if (!this.inflight.has(job.runId!)) void this.launch(cur);
          return 0;
        }
        await this.requeue(cur, `run ${job.runId} lost by the ${b.executor.kind} executor`);
        return 1;
    }
  }

  // ---- reconciliation: the store is the truth; runs it does not want are stopped ----

  private async reconcile(): Promise<void> {
    await this.view.refresh();
    const active = this.view.active.list();
    const wanted = new Set(active.map((j) => j.runId).filter((r): r is string => r !== null));
    for (const ex of this.executors()) {
      let live: RunStatus[];
      try {
        live = await withTimeout(ex.list(), this.opts.executorTimeoutMs, 'list');
      } catch {
        continue;
      }
      for (const r of live) {
        if (wanted.has(r.runKey) || this.inflight.has(r.runKey)) continue;
        this.log.info(
          { run: r.runKey },
          'stopping a run the store does not want (cancelled, suspended, moved or orphaned)',
        );
        await ex.cancel(r.runKey).catch(() => {});
      }
    }
    // jobs found admitted after a crash (never launched) or starting (maybe launched): launch idempotently
    for (const j of active) {
      if (j.state === 'admitted') await this.begin(j);
    }
  }

  // ---- planning ----

  private async planPending(): Promise<void> {
    const planner = this.cp.planner;
    if (!planner) return;
    await this.view.refresh();
    const deadline = performance.now() + 200;
    for (const job of this.view.queued.list()) {
      if (job.plan !== null) continue;
      if (performance.now() > deadline) break;
      const key = JSON.stringify([job.spec.model, job.spec.gpus, job.spec.tokens, job.spec.allowedJurisdictions]);
      let plan = this.planCache.get(key);
      if (plan === undefined) {
        try {
          const sites = this.cp.eligibleSites(job.spec);
          const r = await planner(
            {
              model: job.spec.model,
              ...(job.spec.gpus !== null ? { gpus: job.spec.gpus } : {}),
              ...(job.spec.tokens !== null ? { tokens: job.spec.tokens } : {}),
              sites,
              ...(job.spec.allowedJurisdictions ? { allow: job.spec.allowedJurisdictions } : {}),
              top: 1,
            },
            this.cp.fabric,
          );
          plan = r.plans[0] ?? { error: 'no feasible plan' };
        } catch (err) {
          plan = { error: (err as Error).message };
        }
        this.planCache.set(key, plan);
      }
      const gpus =
        job.gpus ?? (plan as { placement?: { gpus: number }[] }).placement?.reduce((a, p) => a + p.gpus, 0) ?? null;
      await this.cp.store.updateJob(job.id, { plan, gpus }, this.cp.now(), 'job.planned').catch(() => {});
    }
  }

  // ---- scheduling ----

  /**
   * The policy's request for a job. `allowMultiSite`: one gang may span sites only when the job needs
   * it (its plan is a cross-site strategy, or it is larger than any single site it may use) and every
   * site it may use is driven by an executor that runs one gang across sites (the twin).
   */
  private request(job: Job, group: QueueGroup | null = null): JobRequest | null {
    if (!job.gpus) return null;
    const plan = job.plan as { tokensPerSecond?: number; effectiveTokensPerSecond?: number } | null;
    const tps = plan?.effectiveTokensPerSecond ?? plan?.tokensPerSecond;
    const spec = job.spec;
    const req: JobRequest = {
      id: job.id,
      tenant: job.tenantId,
      priority: job.priority,
      gpus: job.gpus,
      kind: 'pretraining',
      modelId: typeof spec.model === 'string' ? spec.model : spec.model.name,
      preemptible: spec.preemptible,
      checkpointable: spec.checkpointable,
      submitTimeS: job.createdAt / 1000,
      allowMultiSite: false,
    };
    if (spec.allowedJurisdictions) req.allowedJurisdictions = spec.allowedJurisdictions;
    if (spec.deadline) req.deadlineS = spec.deadline / 1000;
    if (spec.tokens && tps) req.durationS = spec.tokens / tps;
    if (spec.tokens) req.tokens = spec.tokens;
    if (
      group
        ? group.spans && (job.gpus > group.maxSiteGpus || crossSitePlan(job.plan))
        : (job.placement ?? []).some((p, _, a) => p.site !== a[0].site)
    ) {
      req.allowMultiSite = true;
    }
    return req;
  }

  /** Why a job can never be placed as things are configured, or null. */
  private holdReason(job: Job, g: QueueGroup): string | null {
    if (!job.gpus || g.spans || g.sites.size < 2 || job.gpus <= g.maxSiteGpus) return null;
    return (
      `held: needs ${job.gpus} GPUs, more than any single site it may use has (at most ${g.maxSiteGpus}), ` +
      `and the executors of its sites (${[...g.sites].join(', ')}: ${g.kinds}) cannot run one gang across sites; ` +
      `ask for at most ${g.maxSiteGpus} GPUs, or run it on sites driven by the twin executor`
    );
  }

  private allocationOf(job: Job): Allocation | null {
    const parts = job.placement as StoredPart[] | null;
    if (!parts || parts.length === 0 || parts.some((p) => p.pod === undefined || p.domain === undefined)) return null;
    const sites = [...new Set(parts.map((p) => p.site))];
    return {
      jobId: job.id,
      gpus: parts.reduce((a, p) => a + p.gpus, 0),
      parts: parts.map((p) => ({ siteId: p.site, podId: p.pod!, domain: p.domain!, gpus: p.gpus })),
      sites,
      pods: new Set(parts.map((p) => `${p.site}/${p.pod}`)).size,
      domains: parts.length,
      spread: sites.length > 1 ? 'multi-site' : 'site',
    };
  }

  /**
   * The policy's view, kept up to date between ticks instead of rebuilt: the fabric's capacity with
   * every active job's allocation applied (diffed by job version: only jobs that started, moved or
   * ended since the last pass are allocated or released), site status, tenant quotas. Returns a
   * clone the pass may mutate (one array of numbers per pod: cheap), the running jobs, and GPUs held per tenant.
   */
  async clusterState(
    active: readonly Job[],
    tenants: Tenant[],
  ): Promise<{ state: ClusterState; running: RunningJob[]; used: Map<string, number> }> {
    const live = this.live;
    const sig = tenants.map((t) => `${t.id}:${t.quotaGpus}`).join(',');
    if (sig !== live.tenantSig) {
      // quotas changed (rare): rebuild the view from scratch so that tenant usage is recounted
      live.state = cloneState(this.baseState);
      live.state.tenants = tenants
        .filter((t) => t.quotaGpus !== null)
        .map((t) => ({ id: t.id, quotaGpus: t.quotaGpus!, usedGpus: 0, usedPowerW: 0 }));
      live.applied.clear();
      live.tenantSig = sig;
    }
    const state = live.state;
    const seen = ++live.epoch;
    const used = new Map<string, number>();
    let changed = false;
    for (const job of active) {
      if (job.gpus) used.set(job.tenantId, (used.get(job.tenantId) ?? 0) + job.gpus);
      let e = live.applied.get(job.id);
      if (e && e.version !== job.version) {
        if (e.running) release(state, e.running.allocation, e.tenant);
        live.applied.delete(job.id);
        e = undefined;
        changed = true;
      }
      if (!e) {
        e = { version: job.version, tenant: job.tenantId, running: this.runningOf(job, state), seen };
        live.applied.set(job.id, e);
        changed = true;
      } else e.seen = seen;
    }
    for (const [id, e] of live.applied) {
      if (e.seen === seen) continue;
      if (e.running) release(state, e.running.allocation, e.tenant);
      live.applied.delete(id);
      changed = true;
    }
    if (changed || live.running === null) {
      // in the store's order, as a rebuilt view would list them (victim ties are broken by it)
      live.running = [];
      for (const job of active) {
        const r = live.applied.get(job.id)?.running;
        if (r) live.running.push(r);
      }
    }
    const siteStates = new Map((await this.cp.store.listSites()).map((s) => [s.id, s]));
    for (const s of state.sites) {
      const st = siteStates.get(s.id);
      s.status = !this.cp.bindings.has(s.id) || !st || st.status !== 'up' ? 'down' : st.drained ? 'draining' : 'up';
    }
    return { state: cloneState(state), running: live.running, used };
  }

  /** Applies an active job's allocation to the live view; null when it has none (or it no longer fits the fabric). */
  private runningOf(job: Job, state: ClusterState): RunningJob | null {
    const alloc = this.allocationOf(job);
    const req = alloc ? this.request(job) : null;
    if (!alloc || !req) return null;
    try {
      allocate(state, alloc, job.tenantId);
    } catch (err) {
      this.log.warn({ job: job.id, err: (err as Error).message }, 'allocation does not fit the fabric (changed?)');
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

  /**
   * The policy's decisions for a queue, without side effects (also what the benchmark times).
   * Job requests are cached by job version and each group's queue is passed in the order the
   * previous pass left it (`result.queue`, new arrivals appended), so ordering is O(n) and an
   * unchanged job costs a map lookup.
   */
  async decide(
    queuedJobs: readonly Job[],
    active: readonly Job[],
    tenants: Tenant[],
  ): Promise<{
    decisions: Decision[];
    held: number;
    /** Jobs that can never be placed as configured and do not show why yet. */
    holds: { job: Job; reason: string }[];
    state: ClusterState;
    used: Map<string, number>;
    byId: JobLookup;
    decideMs: number;
  }> {
    const t0 = performance.now();
    const { state, running, used } = await this.clusterState(active, tenants);
    const nowS = this.cp.now() / 1000;
    const cache = this.queueCache;
    const seen = ++this.live.epoch;
    const waitForPlans = this.cp.planner !== null;
    const fresh = new Map<QueueGroup, JobRequest[]>();
    const order: QueueGroup[] = [];
    const holds: { job: Job; reason: string }[] = [];
    let held = 0;
    for (const job of queuedJobs) {
      let e = cache.get(job.id);
      if (!e || e.version !== job.version) {
        // unplanned: planned on a coming tick (planPending)
        const group = !job.gpus || (waitForPlans && job.plan === null) ? null : this.group(job);
        const hold = group ? this.holdReason(job, group) : null;
        const req = group && !hold ? this.request(job, group) : null;
        e = { version: job.version, job, req, group, hold, seen, queued: false };
        cache.set(job.id, e);
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
    for (const [id, e] of cache) if (e.seen !== seen) cache.delete(id);
    const byId: JobLookup = { get: (id: string) => cache.get(id)?.job };
    const decisions: Decision[] = [];
    const statuses = state.sites.map((s) => s.status);
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
      state.sites.forEach((s: SchedSite, i) => (s.status = g.sites.has(s.id) ? statuses[i] : 'down'));
      const r = scheduleRound(this.policy, state, queue, running, nowS, { mutate: true, emitHolds: false });
      g.order = r.queue;
      for (const q of queue) cache.get(q.id)!.queued = true;
      for (const d of r.decisions) if (d.type === 'start') cache.get(d.jobId)!.queued = false;
      for (const d of r.decisions) decisions.push(d);
      held += r.held;
    }
    state.sites.forEach((s, i) => (s.status = statuses[i]));
    return { decisions, held, holds, state, used, byId, decideMs: performance.now() - t0 };
  }

  /** The group of a job: the sites it may use (executor kind, command, jurisdictions); cached per spec shape. */
  private group(job: Job): QueueGroup {
    const spec = job.spec;
    const ek = `${spec.executor ?? ''}|${spec.command ? 1 : 0}|${spec.allowedJurisdictions ? spec.allowedJurisdictions.join(',') : ''}`;
    let g = this.groupBySpec.get(ek);
    if (!g) {
      const sites = this.cp.eligibleSites(spec);
      const key = sites.join(',');
      g = this.groups.get(key);
      if (!g) {
        const executors = sites.map((id) => this.cp.bindings.get(id)!.executor);
        g = {
          sites: new Set(sites),
          order: [],
          seen: 0,
          spans: sites.length > 1 && executors.every((x) => x.spansSites),
          maxSiteGpus: Math.max(0, ...this.cp.fabric.sites.filter((s) => sites.includes(s.id)).map((s) => s.gpus)),
          kinds: [...new Set(executors.map((x) => x.kind))].join(', '),
        };
        this.groups.set(key, g);
      }
      this.groupBySpec.set(ek, g);
    }
    return g;
  }

  /** One scheduling pass: decisions from the policy, then their effects (batched). */
  async schedule(): Promise<Omit<TickStats, 'finished' | 'requeued' | 'totalMs'>> {
    const store = this.cp.store;
    await this.view.refresh();
    const queuedJobs = this.view.queued.list();
    if (queuedJobs.length === 0) return { started: 0, preempted: 0, held: 0, queued: 0, decideMs: 0 };
    const active = this.view.active.list();
    const tenants = await store.listTenants();
    const quota = new Map(tenants.map((t) => [t.id, t.quotaGpus]));
    const d0 = await this.decide(queuedJobs, active, tenants);
    const { decisions, state, used, byId, decideMs } = d0;
    let held = d0.held;
    // jobs that cannot be placed as configured say why (once: the reason is compared on every pass)
    for (const h of d0.holds) {
      await store
        .updateJob(h.job.id, { reason: h.reason }, this.cp.now(), 'job.held', { reason: h.reason }, h.job.version)
        .catch(() => {});
      this.log.warn({ job: h.job.id, reason: h.reason }, 'job held');
    }

    // Effects, persisted in one transaction: the victims' requeues first (they free their GPUs), then
    // the starts. A victim's run is stopped (best effort) before its requeue is written.
    const at = this.cp.now();
    let preempted = 0;
    const activeById = new Map(active.map((j) => [j.id, j]));
    const victims: Job[] = [];
    const ts: Transition[] = [];
    for (const d of decisions) {
      if (d.type !== 'preempt') continue;
      const victim = activeById.get(d.jobId);
      if (!victim) continue;
      victims.push(victim);
      ts.push(...this.requeueTransitions(victim, `preempted for ${d.forJobId}`, at));
    }
    await forEachLimit(victims, 8, async (v) => {
      const b = this.binding(v);
      if (b && v.runId)
        await withTimeout(b.executor.cancel(v.runId), this.opts.executorTimeoutMs, 'cancel').catch(() => {});
    });
    const firstStart = ts.length;
    const starts: Job[] = [];
    for (const d of decisions) {
      if (d.type !== 'start') continue;
      const job = byId.get(d.jobId)!;
      const q = quota.get(job.tenantId);
      const u = used.get(job.tenantId) ?? 0;
      if (q !== null && q !== undefined && u + (job.gpus ?? 0) > q) {
        // hard quota: hold; give the GPUs back for this pass
        release(state, d.allocation, job.tenantId);
        held++;
        continue;
      }
      used.set(job.tenantId, u + (job.gpus ?? 0));
      const placement: StoredPart[] = d.allocation.parts.map((p) => ({
        site: p.siteId,
        gpus: p.gpus,
        pod: p.podId,
        domain: p.domain,
      }));
      const attempt = job.attempt + 1;
      const runKey = this.runKey(job, attempt);
      ts.push({
        jobId: job.id,
        to: 'admitted',
        from: ['queued'],
        expectVersion: job.version,
        patch: { placement },
        at,
        data: { spread: d.allocation.spread, sites: d.allocation.sites },
      });
      ts.push({ jobId: job.id, to: 'starting', from: ['admitted'], patch: { attempt, runId: runKey }, at });
      starts.push(job);
    }
    const results = ts.length > 0 ? await store.transitionMany(ts) : [];
    for (let i = 0; i < firstStart; i += 2) {
      const err = results[i] instanceof Error ? results[i] : results[i + 1] instanceof Error ? results[i + 1] : null;
      if (err) this.log.warn({ job: ts[i].jobId, err: (err as Error).message }, 'preemption skipped');
      else preempted++;
    }
    if (preempted > 0) this.log.info({ preempted }, 'jobs preempted and requeued');
    const launched: Job[] = [];
    for (let i = firstStart; i < results.length; i += 2) {
      const r = results[i + 1];
      if (!(r instanceof Error)) launched.push(r);
    }
    for (const job of launched) void this.launch(job);
    return { started: launched.length, preempted, held, queued: queuedJobs.length, decideMs };
  }

  /** admitted -> starting for a job admitted before a crash. */
  private async begin(job: Job): Promise<void> {
    const attempt = job.attempt + 1;
    const started = await this.cp.store
      .transitionJob({
        jobId: job.id,
        to: 'starting',
        from: ['admitted'],
        expectVersion: job.version,
        patch: { attempt, runId: this.runKey(job, attempt) },
        at: this.cp.now(),
      })
      .catch(() => null);
    if (started) void this.launch(started);
  }

  runSpec(job: Job): RunSpec {
    const placement = ((job.placement ?? []) as StoredPart[]).map((p) => ({
      site: p.site,
      gpus: p.gpus,
      ...(p.pod !== undefined && p.domain !== undefined ? { pod: p.pod, domain: p.domain } : {}),
    }));
    const plan = job.plan as { tokensPerSecond?: number; effectiveTokensPerSecond?: number } | null;
    const tps = plan?.effectiveTokensPerSecond ?? plan?.tokensPerSecond;
    return {
      runKey: job.runId!,
      jobId: job.id,
      attempt: job.attempt,
      tenantId: job.tenantId,
      name: job.name,
      model: typeof job.spec.model === 'string' ? job.spec.model : job.spec.model.name,
      siteId: placement[0]?.site ?? '',
      placement,
      gpus: job.gpus ?? 0,
      command: job.spec.command,
      env: job.spec.env,
      checkpointDir: join(this.opts.checkpointRoot, job.id),
      resumeFrom: job.spec.checkpointable ? job.checkpoint : null,
      checkpointable: job.spec.checkpointable,
      expectedDurationS: job.spec.tokens && tps ? job.spec.tokens / tps : null,
    };
  }

  /** Launches (or adopts) the run of a `starting` job. */
  async launch(job: Job): Promise<void> {
    const b = this.binding(job);
    if (!b || !job.runId || this.inflight.has(job.runId)) return;
    this.inflight.add(job.runId);
    try {
      const st = await withTimeout(b.executor.start(this.runSpec(job)), 30_000, `start ${job.runId}`);
      this.launchedHere.add(job.runId);
      if (st.phase === 'running' || st.phase === 'succeeded' || st.phase === 'failed') {
        await this.cp.store
          .transitionJob({
            jobId: job.id,
            to: 'running',
            from: ['starting'],
            patch: { startedAt: this.cp.now() },
            at: this.cp.now(),
            data: { externalId: st.externalId },
          })
          .catch(() => {});
      }
      this.log.info({ job: job.id, run: job.runId, site: b.siteId, phase: st.phase }, 'run launched');
    } catch (err) {
      if (err instanceof LaunchError) {
        await this.cp.store
          .transitionJob({
            jobId: job.id,
            to: 'failed',
            from: ['starting'],
            patch: { reason: `launch failed: ${err.message}`, finishedAt: this.cp.now() },
            at: this.cp.now(),
          })
          .catch(() => {});
      } else {
        this.log.warn({ job: job.id, err: (err as Error).message }, 'launch failed; retried next tick');
      }
    } finally {
      this.inflight.delete(job.runId);
    }
  }

  /** Waits for launches in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0 || this.running) await new Promise((r) => setTimeout(r, 10));
  }
}
