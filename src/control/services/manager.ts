// The service manager (the leader's): keeps each service's replicas running on real executors. Every tick it
// checks each site (site-availability.ts), each replica's run and health (replica-health.ts), moves the loans of
// training GPUs on (loans.ts), asks the autoscaler how many replicas each service wants from the measured load, and
// starts or stops replicas to match (replica-lifecycle.ts: spread over the allowed sites, fewest replicas first).
import { DEFAULT_SCALE_POLICY, decideScale } from './autoscaler.js';
import { adoptReplicas, stopOrphanRuns } from './adoption.js';
import { Loans } from './loans.js';
import {
  newServiceState,
  resolveManagerOptions,
  type ManagerContext,
  type ResolvedManagerOptions,
  type ServiceManagerOptions,
  type ServiceState,
} from './manager-context.js';
import { PortAllocator, type Replica } from './replica.js';
import { refreshReplicas } from './replica-health.js';
import { ReplicaLifecycle } from './replica-lifecycle.js';
import { ReplicaSync, followRows } from './replica-sync.js';
import { siteAvailability } from './site-availability.js';
import { ewma, summarize, type RequestRecord } from './stats.js';
import type { ServiceRecord } from '../store/services.js';

export { serviceSites } from './capacity.js';
export type { ServiceManagerOptions, ServiceState } from './manager-context.js';

export class ServiceManager implements ManagerContext {
  private readonly states = new Map<string, ServiceState>();
  readonly ports = new PortAllocator();
  readonly o: ResolvedManagerOptions;
  readonly sync: ReplicaSync;
  /** Why each site cannot take replicas now (null: it can), as of the last tick. */
  siteProblems = new Map<string, string | null>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private orphansChecked = false;
  /** Whether the last tick ran as the leader (only the leader starts and stops replicas). */
  private leading = false;
  private services: ServiceRecord[] = [];
  private readonly loans: Loans;
  private readonly lifecycle: ReplicaLifecycle;

  constructor(opts: ServiceManagerOptions) {
    this.o = resolveManagerOptions(opts, DEFAULT_SCALE_POLICY);
    this.sync = new ReplicaSync(opts.store, opts.log);
    this.loans = new Loans(opts.store, opts.log, opts.now);
    this.lifecycle = new ReplicaLifecycle(this, this.loans);
  }

  state(serviceId: string): ServiceState {
    let st = this.states.get(serviceId);
    if (!st) this.states.set(serviceId, (st = newServiceState()));
    return st;
  }

  jurisdictionOf(site: string): string {
    return this.o.fabric.sites.find((s) => s.id === site)?.jurisdiction ?? '';
  }

  allReplicas(): Replica[] {
    return [...this.states.values()].flatMap((st) => [...st.replicas.values()]);
  }

  start(): void {
    const loop = async () => {
      if (this.stopping) return;
      this.running = this.tick().catch((err) =>
        this.o.log.error({ err: (err as Error).message }, 'services tick failed'),
      );
      await this.running;
      this.running = null;
      if (!this.stopping) this.timer = setTimeout(loop, this.o.tickMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  /**
   * Stops the loop and, when this process leads, every replica (a follower's copies are the leader's to keep);
   * a leader killed without close() leaves its replicas to the next leader, which adopts them.
   */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (!this.leading) return;
    const all = [...this.states.values()].flatMap((st) =>
      [...st.replicas.values()].map((r) => this.lifecycle.stop(st, r, 'shutdown')),
    );
    await Promise.all(all);
    await this.sync.write([], this.o.now());
  }

  async tick(): Promise<void> {
    if (!this.o.isLeader()) {
      if (this.leading) {
        this.leading = false;
        this.orphansChecked = false;
        this.sync.forget();
      }
      return this.follow();
    }
    this.leading = true;
    if (!this.orphansChecked) {
      await adoptReplicas(this);
      this.orphansChecked = await stopOrphanRuns(this);
    }
    await this.lead();
    await this.sync.write(this.allReplicas(), this.o.now());
  }

  private async lead(): Promise<void> {
    const services = await this.o.store.listServices();
    this.services = services;
    this.siteProblems = await siteAvailability(this.o.store, this.o.bindings, this.o.healthTimeoutMs);
    const ids = new Set(services.map((s) => s.id));
    for (const [id, st] of this.states) {
      if (ids.has(id)) continue;
      await Promise.all([...st.replicas.values()].map((r) => this.lifecycle.stop(st, r, 'service deleted')));
      this.states.delete(id);
    }
    await this.loans.advance(services, {
      startReplica: async (s) => (await this.lifecycle.start(s, this.state(s.id), this.services))?.id ?? null,
      wantsReplica: (s) => this.liveReplicas(this.state(s.id)).length < (this.state(s.id).desired ?? 0),
      replicaLive: (id) => this.allReplicas().some((r) => r.id === id && r.state !== 'stopping'),
    });
    for (const s of services) await this.reconcile(s);
  }

  private liveReplicas(st: ServiceState): Replica[] {
    return [...st.replicas.values()].filter((r) => r.state !== 'stopping');
  }

  /** A follower routes to the leader's replicas as the store has them. */
  private async follow(): Promise<void> {
    const byService = new Map([...this.states].map(([id, st]) => [id, st.replicas]));
    followRows(byService, await this.o.store.listReplicas(), (site) => this.jurisdictionOf(site));
    for (const [id, m] of byService) this.state(id).replicas = m;
  }

  private async reconcile(s: ServiceRecord): Promise<void> {
    const st = this.state(s.id);
    await refreshReplicas(this, s, st, (x, r, why) => this.lifecycle.stop(x, r, why));
    const now = this.o.now();
    const live = this.liveReplicas(st);
    const healthy = live.filter((r) => r.state === 'healthy').length;
    // the replicas' own counts include what followers routed; this router's count covers replicas that do not report
    const reported = live.reduce((n, r) => n + (r.reportedInflight ?? 0), 0);
    const m = summarize(st.log.since(now - this.o.scaleWindowS * 1000), now, this.o.scaleWindowS, {
      inflight: st.inflight,
      healthyReplicas: healthy,
    });
    const d = decideScale(
      {
        desired: st.desired ?? Math.max(s.minReplicas, Math.min(1, s.maxReplicas)),
        min: s.minReplicas,
        max: s.maxReplicas,
        healthy,
        inflight: Math.max(st.inflight, reported),
        ttftP99Ms: m.ttftP99Ms,
        ttftSloMs: s.spec.slo.ttftP99Ms,
        nowMs: now,
        lastChangeMs: st.lastChangeMs,
        lowSinceMs: st.lowSinceMs,
      },
      this.o.policy,
    );
    if (d.desired !== st.desired) st.lastChangeMs = now;
    if (d.reason) {
      st.scaling = d.reason;
      this.o.log.info({ service: s.id, desired: d.desired }, `service ${s.name}: ${d.reason}`);
    }
    st.desired = d.desired;
    st.lowSinceMs = d.lowSinceMs;
    // a loan waiting for its job's checkpoint is a replica on its way
    for (let n = live.length + this.loans.pending(s.id); n < d.desired; n++)
      if (!(await this.lifecycle.start(s, st, this.services))) break;
    // the newest go first (starting ones before any that serve)
    const extra = live.sort(
      (a, b) => Number(a.state === 'healthy') - Number(b.state === 'healthy') || b.startedAt - a.startedAt,
    );
    await Promise.all(
      extra.slice(0, Math.max(0, live.length - d.desired)).map((r) => this.lifecycle.stop(st, r, 'scaled down')),
    );
  }

  /**
   * The router's report of one request (its replica's EWMAs follow the measured TTFT and TPOT). The TTFT EWMA follows
   * the replica's own time to its first token when it reports one: the router adds the network round trip to it, so
   * a TTFT measured across a real link would count that link twice.
   */
  record(serviceId: string, rec: RequestRecord, replica: Replica | null, replicaTtftMs: number | null = null): void {
    this.state(serviceId).log.add(rec);
    if (replica && rec.error === null && rec.ttftMs !== null) {
      replica.ttftEwmaMs = ewma(replica.ttftEwmaMs, replicaTtftMs ?? rec.ttftMs);
      if (rec.tpotMs !== null && rec.outputTokens > 1) replica.tpotEwmaMs = ewma(replica.tpotEwmaMs, rec.tpotMs);
    }
  }

  /** A replica whose connection failed: out of the rotation at once (the next tick replaces it if it stays down). */
  suspect(r: Replica, why: string): void {
    if (r.state !== 'healthy') return;
    r.state = 'unhealthy';
    r.failedChecks = Math.max(r.failedChecks, this.o.unhealthyAfter - 1);
    r.reason = why;
  }

  /** Scale from zero: a request found no replica while the service may have one. */
  wantOne(s: ServiceRecord): void {
    const st = this.state(s.id);
    if ((st.desired ?? 0) === 0 && s.maxReplicas > 0) {
      st.desired = 1;
      st.lastChangeMs = this.o.now();
      st.scaling = 'up 0 -> 1: a request arrived';
    }
  }
}
