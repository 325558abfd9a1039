// The leader's loop, thin: each tick runs the parts in order — site monitor (heartbeats, failover),
// run poller, reconciler, plan stage, then one scheduling pass (queue manager over the cluster view,
// admission of its decisions). The parts live in ./scheduling/ (one concern per file, as Kueue
// separates its queue manager, cache/snapshot, preemption and assignment) and share one context.
// Order of side effects for a start (never twice): commit `starting` with the run key, then launch;
// after a crash a job found `starting` is launched again with the same run key, which the executor
// adopts instead of starting twice.
import { createPolicy, isPolicyName, type ClusterState, type Decision, type SchedulingPolicy } from '../sched/index.js';
import type { Job, Tenant } from './domain.js';
import { JobView } from './job-view.js';
import type { ControlPlane } from './control-plane.js';
import type { RunSpec } from './executors/types.js';
import { Admission } from './scheduling/admission.js';
import { ClusterView } from './scheduling/cluster-view.js';
import { silentLogger, type Logger, type SchedulerContext } from './scheduling/context.js';
import { Launcher, runKey } from './scheduling/launcher.js';
import { PlanStage } from './scheduling/planning.js';
import { QueueManager, type JobLookup } from './scheduling/queue-manager.js';
import { Reconciler } from './scheduling/reconciler.js';
import { RunPoller } from './scheduling/run-poller.js';
import { SiteMonitor } from './scheduling/site-monitor.js';
import { reservationOf } from './services/reservation.js';

export type { Logger } from './scheduling/context.js';
export { crossSitePlan } from './scheduling/requests.js';

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
  /** How long every part of a cross-site gang may take to be allocated (default 60 s). */
  gangStartTimeoutMs?: number;
  /** Planning budget per tick in ms of `clock` (default 200). */
  planBudgetMs?: number;
  /** Monotonic ms for budgets and timings; the edge's clock (default performance.now). */
  clock?: () => number;
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

export class Scheduler {
  readonly cp: ControlPlane;
  readonly policy: SchedulingPolicy;
  /** Queued and active jobs, kept from the store's change feed (one full read, then only what changed). */
  readonly view: JobView;
  lastStats: TickStats | null = null;
  private readonly ctx: SchedulerContext;
  private readonly onTick: SchedulerOptions['onTick'];
  private readonly sites: SiteMonitor;
  private readonly launcher: Launcher;
  private readonly poller: RunPoller;
  private readonly reconciler: Reconciler;
  private readonly planner: PlanStage;
  private readonly cluster: ClusterView;
  private readonly queues: QueueManager;
  private readonly admission: Admission;
  private running = false;

  constructor(cp: ControlPlane, opts: SchedulerOptions) {
    this.cp = cp;
    const p = opts.policy ?? 'priority';
    if (typeof p === 'string') {
      if (!isPolicyName(p)) throw new Error(`unknown policy ${p}`);
      this.policy = createPolicy(p);
    } else this.policy = p;
    this.ctx = {
      cp,
      opts: {
        checkpointRoot: opts.checkpointRoot,
        heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 10_000,
        checkpointWaitMs: opts.checkpointWaitMs ?? 600_000,
        executorTimeoutMs: opts.executorTimeoutMs ?? 5_000,
        planBudgetMs: opts.planBudgetMs ?? 200,
        gangStartTimeoutMs: opts.gangStartTimeoutMs ?? 60_000,
      },
      log: opts.log ?? silentLogger,
      // the loop is the edge: it owns the process clock and hands it to the parts
      clock: opts.clock ?? (() => performance.now()),
      inflight: new Set(),
      launchedHere: new Set(),
    };
    this.onTick = opts.onTick;
    this.view = new JobView(cp.store);
    this.launcher = new Launcher(this.ctx);
    this.sites = new SiteMonitor(this.ctx, this.launcher);
    this.poller = new RunPoller(this.ctx, this.launcher);
    this.reconciler = new Reconciler(this.ctx, this.launcher);
    this.planner = new PlanStage(this.ctx);
    this.cluster = new ClusterView(this.ctx);
    this.queues = new QueueManager(this.ctx, this.policy);
    this.admission = new Admission(this.ctx, this.launcher);
  }

  /** Read every unfinished job again on the next tick (call on becoming leader: another replica scheduled meanwhile). */
  invalidate(): void {
    this.view.invalidate();
  }

  runKey(job: Pick<Job, 'id'>, attempt: number): string {
    return runKey(job, attempt);
  }

  runSpec(job: Job): RunSpec {
    return this.launcher.runSpec(job);
  }

  /** Launches (or adopts) the run of a `starting` job. */
  launch(job: Job): Promise<void> {
    return this.launcher.launch(job);
  }

  /** One tick; ticks never overlap. Returns null when a tick is already in progress. */
  async tick(): Promise<TickStats | null> {
    if (this.running) return null;
    this.running = true;
    const clock = this.ctx.clock;
    const t0 = clock();
    const phases: Record<string, number> = {};
    let t = t0;
    // between phases the loop serves API requests (each phase is bounded; planning also yields inside)
    const mark = async (name: string) => {
      const now = clock();
      phases[name] = now - t;
      await new Promise<void>((r) => setImmediate(r));
      t = clock();
    };
    try {
      const requeued = await this.sites.tick();
      await mark('heartbeats');
      await this.view.refresh();
      const finished = await this.poller.poll(this.view.active.list());
      await mark('poll');
      await this.view.refresh();
      await this.reconciler.reconcile(this.view.active.list());
      await mark('reconcile');
      await this.view.refresh();
      await this.planner.planPending(this.view.queued.list());
      await mark('plan');
      const s = await this.schedule();
      phases.schedule = clock() - t;
      const stats: TickStats = { ...s, finished, requeued, totalMs: clock() - t0 };
      this.lastStats = stats;
      this.onTick?.(stats.totalMs, phases);
      return stats;
    } finally {
      this.running = false;
    }
  }

  /**
   * The policy's decisions for a queue, without side effects (also what the benchmark times): a
   * cluster snapshot with the active jobs applied, then the queue manager's pass over it.
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
    const t0 = this.ctx.clock();
    const sites = await this.cp.store.listSites();
    const snap = this.cluster.snapshot(active, tenants, sites, await this.cluster.serviceHolds());
    const d = this.queues.decide(queuedJobs, snap, this.cp.now() / 1000);
    return { ...d, state: snap.state, used: snap.used, decideMs: this.ctx.clock() - t0 };
  }

  /** One scheduling pass: decisions from the policy, then their effects (batched). */
  async schedule(): Promise<Omit<TickStats, 'finished' | 'requeued' | 'totalMs'>> {
    await this.view.refresh();
    const queuedJobs = this.view.queued.list();
    if (queuedJobs.length === 0) return { started: 0, preempted: 0, held: 0, queued: 0, decideMs: 0 };
    const active = this.view.active.list();
    const tenants = await this.cp.store.listTenants();
    // from reading the replicas' GPUs to committing the starts, one at a time with the service manager's replica starts
    const { d, a } = await reservationOf(this.cp.store).exclusive(async () => {
      const d = await this.decide(queuedJobs, active, tenants);
      await this.admission.recordHolds(d.holds);
      // serve requests between the decide pass and its writes (the writes check each job's state and version)
      await new Promise<void>((r) => setImmediate(r));
      const snap = { state: d.state, running: [], used: d.used };
      return { d, a: await this.admission.apply(d.decisions, active, d.byId, snap, tenants) };
    });
    return {
      started: a.started,
      preempted: a.preempted,
      held: d.held + a.quotaHeld,
      queued: queuedJobs.length,
      decideMs: d.decideMs,
    };
  }

  /** Waits for launches in flight and the current tick (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.ctx.inflight.size > 0 || this.running) await new Promise((r) => setTimeout(r, 10));
  }
}
