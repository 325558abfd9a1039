// The service manager (the leader's): keeps each service's replicas running on real executors. Every tick it
// checks each site (store status, drain, the executor's heartbeat), each replica's run (the executor's status)
// and health (GET /healthz), replaces dead or unhealthy replicas, asks the autoscaler how many it wants from the
// measured load, and starts or stops replicas to match (spread over the allowed sites, fewest replicas first).
import type { Fabric } from '../../fabric/types.js';
import type { SiteBinding } from '../control-plane.js';
import type { Logger } from '../scheduler.js';
import { withTimeout } from '../scheduling/context.js';
import type { ServiceRecord } from '../store/services.js';
import type { Store } from '../store/types.js';
import { DEFAULT_SCALE_POLICY, decideScale, type ScalePolicy } from './autoscaler.js';
import { loadTickBook, serviceSites, type TickBook } from './capacity.js';

export { serviceSites } from './capacity.js';
import { bookReplica, replicaFit } from './gpu-holds.js';
import { PortAllocator, checkHealth, isServiceRun, newReplica, replicaRunSpec, type Replica } from './replica.js';
import { ReplicaSync, followRows, fromStored } from './replica-sync.js';
import { RequestLog, ewma, summarize, type RequestRecord } from './stats.js';

export interface ServiceManagerOptions {
  store: Store;
  fabric: Fabric;
  bindings: ReadonlyMap<string, SiteBinding>;
  isLeader: () => boolean;
  now: () => number;
  log: Logger;
  /** Folder replicas run in (their RunSpec.checkpointDir is under it). */
  runRoot: string;
  tickMs?: number;
  healthTimeoutMs?: number;
  /** A replica not healthy this long after its start is replaced (default 60 s: torch imports take seconds). */
  startTimeoutMs?: number;
  /** Failed health checks in a row that replace a replica (default 3: a busy replica answers late, not never). */
  unhealthyAfter?: number;
  /** Seconds of requests the autoscaler looks at (default 10). */
  scaleWindowS?: number;
  policy?: ScalePolicy;
}

export interface ServiceState {
  replicas: Map<string, Replica>;
  log: RequestLog;
  desired: number | null;
  lastChangeMs: number;
  lowSinceMs: number | null;
  scaling: string | null;
  inflight: number;
}

export class ServiceManager {
  private readonly states = new Map<string, ServiceState>();
  private readonly ports = new PortAllocator();
  private readonly o: Required<Omit<ServiceManagerOptions, 'policy'>> & { policy: ScalePolicy };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private orphansChecked = false;
  /** Whether the last tick ran as the leader (only the leader starts and stops replicas). */
  private leading = false;
  private readonly sync: ReplicaSync;
  /** Why each site cannot take replicas now (null: it can), as of the last tick. */
  siteProblems = new Map<string, string | null>();
  private services: ServiceRecord[] = [];
  /** This tick's GPU book (jobs + replicas), read at the first start it needs. */
  private book: TickBook | null = null;

  constructor(opts: ServiceManagerOptions) {
    this.o = {
      tickMs: 500,
      healthTimeoutMs: 2000,
      startTimeoutMs: 60_000,
      unhealthyAfter: 3,
      scaleWindowS: 10,
      ...opts,
      policy: opts.policy ?? DEFAULT_SCALE_POLICY,
    };
    this.sync = new ReplicaSync(opts.store, opts.log);
  }

  state(serviceId: string): ServiceState {
    let st = this.states.get(serviceId);
    if (!st) {
      st = {
        replicas: new Map(),
        log: new RequestLog(),
        desired: null,
        lastChangeMs: 0,
        lowSinceMs: null,
        scaling: null,
        inflight: 0,
      };
      this.states.set(serviceId, st);
    }
    return st;
  }

  jurisdictionOf(site: string): string {
    return this.o.fabric.sites.find((s) => s.id === site)?.jurisdiction ?? '';
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
      [...st.replicas.values()].map((r) => this.stopReplica(st, r, 'shutdown')),
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
      await this.adopt();
      await this.stopOrphans();
    }
    await this.lead();
    const all = [...this.states.values()].flatMap((st) => [...st.replicas.values()]);
    await this.sync.write(all, this.o.now());
  }

  private async lead(): Promise<void> {
    const services = await this.o.store.listServices();
    this.services = services;
    this.book = null;
    this.siteProblems = await this.siteAvailability();
    const ids = new Set(services.map((s) => s.id));
    for (const [id, st] of this.states) {
      if (ids.has(id)) continue;
      await Promise.all([...st.replicas.values()].map((r) => this.stopReplica(st, r, 'service deleted')));
      this.states.delete(id);
    }
    for (const s of services) await this.reconcile(s);
  }

  /** A follower routes to the leader's replicas as the store has them. */
  private async follow(): Promise<void> {
    const byService = new Map([...this.states].map(([id, st]) => [id, st.replicas]));
    followRows(byService, await this.o.store.listReplicas(), (site) => this.jurisdictionOf(site));
    for (const [id, m] of byService) this.state(id).replicas = m;
  }

  /** A new leader takes over the replicas the store lists (the health checks then keep or replace each one). */
  private async adopt(): Promise<void> {
    const services = new Set((await this.o.store.listServices()).map((s) => s.id));
    const rows = await this.o.store.listReplicas();
    for (const row of rows) {
      const ex = this.o.bindings.get(row.site)?.executor;
      if (!services.has(row.serviceId) || !ex || row.state === 'stopping') {
        if (ex) await withTimeout(ex.cancel(row.runKey), 10_000, 'cancel').catch(() => undefined);
        await this.o.store.deleteReplica(row.id);
        continue;
      }
      const st = this.state(row.serviceId);
      const r = st.replicas.get(row.id) ?? fromStored(row, this.jurisdictionOf(row.site));
      r.failedChecks = 0;
      st.replicas.set(r.id, r);
      this.ports.claim(r.host, r.port);
      this.sync.known([row]);
      this.o.log.info({ service: r.serviceId, replica: r.id, site: r.site }, 'service replica adopted');
    }
  }

  /** Replica runs no store row names (their ports are unknown here): stopped, then replaced. */
  private async stopOrphans(): Promise<void> {
    const known = new Set([...this.states.values()].flatMap((st) => [...st.replicas.values()].map((r) => r.runKey)));
    for (const b of new Set([...this.o.bindings.values()].map((x) => x.executor))) {
      if (!b.needsCommand) continue;
      try {
        for (const r of await withTimeout(b.list(), 5000, 'list'))
          if (isServiceRun(r.runKey) && !known.has(r.runKey)) await b.cancel(r.runKey);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'services: cannot list runs for orphans; next tick');
        return;
      }
    }
    this.orphansChecked = true;
  }

  private async siteAvailability(): Promise<Map<string, string | null>> {
    const states = new Map((await this.o.store.listSites()).map((s) => [s.id, s]));
    const out = new Map<string, string | null>();
    await Promise.all(
      [...this.o.bindings.values()].map(async (b) => {
        const st = states.get(b.siteId);
        if (st?.status === 'down') return out.set(b.siteId, `site ${b.siteId} is down`);
        if (st?.drained) return out.set(b.siteId, `site ${b.siteId} is drained`);
        try {
          await withTimeout(b.executor.heartbeat(), this.o.healthTimeoutMs, 'heartbeat');
          out.set(b.siteId, null);
        } catch (err) {
          out.set(b.siteId, `site ${b.siteId}: executor unreachable (${(err as Error).message})`);
        }
      }),
    );
    return out;
  }

  private async reconcile(s: ServiceRecord): Promise<void> {
    const st = this.state(s.id);
    await this.refreshReplicas(s, st);
    const now = this.o.now();
    const live = [...st.replicas.values()].filter((r) => r.state !== 'stopping');
    const healthy = live.filter((r) => r.state === 'healthy').length;
    // the replicas' own counts include what followers routed; this router's count covers replicas that do not report
    const reported = live.reduce((n, r) => n + (r.reportedInflight ?? 0), 0);
    const inflight = Math.max(st.inflight, reported);
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
        inflight,
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
    for (let n = live.length; n < d.desired; n++) if (!(await this.startReplica(s, st))) break;
    // the newest go first (starting ones before any that serve)
    const extra = live.sort(
      (a, b) => Number(a.state === 'healthy') - Number(b.state === 'healthy') || b.startedAt - a.startedAt,
    );
    await Promise.all(
      extra.slice(0, Math.max(0, live.length - d.desired)).map((r) => this.stopReplica(st, r, 'scaled down')),
    );
  }

  /** Site loss, dead runs, health: every replica found unfit is stopped (the count then brings a new one). */
  private async refreshReplicas(s: ServiceRecord, st: ServiceState): Promise<void> {
    const live = [...st.replicas.values()].filter((r) => r.state !== 'stopping');
    const bySite = new Map<string, Replica[]>();
    for (const r of live) bySite.set(r.site, [...(bySite.get(r.site) ?? []), r]);
    const allowed = new Set(serviceSites(this.o.fabric, this.o.bindings, s.spec));
    await Promise.all(
      [...bySite].map(async ([site, rs]) => {
        const problem = this.siteProblems.get(site) ?? (allowed.has(site) ? null : `site ${site} is no longer allowed`);
        if (problem) return Promise.all(rs.map((r) => this.stopReplica(st, r, problem)));
        const ex = this.o.bindings.get(site)!.executor;
        const status = await withTimeout(ex.status(rs.map((r) => r.runKey)), 5000, 'status').catch(() => null);
        await Promise.all(
          rs.map(async (r) => {
            const phase = status?.get(r.runKey)?.phase;
            if (phase && phase !== 'running' && phase !== 'pending')
              return this.stopReplica(
                st,
                r,
                `process ${phase}${status?.get(r.runKey)?.reason ? `: ${status.get(r.runKey)!.reason}` : ''}`,
              );
            await this.checkReplica(st, r);
          }),
        );
      }),
    );
  }

  private async checkReplica(st: ServiceState, r: Replica): Promise<void> {
    const problem = await checkHealth(r, this.o.healthTimeoutMs);
    const now = this.o.now();
    if (problem === null) {
      r.failedChecks = 0;
      if (r.state !== 'healthy') {
        r.state = 'healthy';
        r.healthyAt ??= now;
        r.reason = null;
      }
      return;
    }
    if (r.state === 'starting') {
      if (now - r.startedAt > this.o.startTimeoutMs)
        await this.stopReplica(st, r, `not healthy ${this.o.startTimeoutMs / 1000} s after its start (${problem})`);
      return;
    }
    r.failedChecks++;
    r.reason = problem;
    if (r.failedChecks >= this.o.unhealthyAfter) await this.stopReplica(st, r, `unhealthy: ${problem}`);
    else r.state = 'unhealthy';
  }

  /** Starts one replica on the allowed, available site with the fewest of this service's replicas. */
  private async startReplica(s: ServiceRecord, st: ServiceState): Promise<boolean> {
    const count = (site: string) =>
      [...st.replicas.values()].filter((r) => r.site === site && r.state !== 'stopping').length;
    const up = serviceSites(this.o.fabric, this.o.bindings, s.spec).filter((id) => this.siteProblems.get(id) === null);
    if (up.length === 0) {
      st.scaling = `no site can take a replica (${[...this.siteProblems.values()].filter(Boolean).join('; ') || 'none allowed'})`;
      return false;
    }
    // deferred (retried every tick) while the tenant's quota or every site's free GPUs leave no room
    const book = (this.book ??= await this.loadBook());
    const fit = replicaFit(book.book, s, book.quotaGpus.get(s.tenantId) ?? null, up);
    if (fit.reason) return ((st.scaling = `replica deferred: ${fit.reason}`), false);
    const site = fit.sites.sort((a, b) => count(a) - count(b))[0];
    bookReplica(book.book, s.tenantId, site, s.spec.gpusPerReplica);
    const ex = this.o.bindings.get(site)!.executor;
    const host = ex.address ?? '127.0.0.1';
    const port = await this.ports.reserve(host);
    const r = newReplica(s, site, this.jurisdictionOf(site), host, port, this.o.now());
    st.replicas.set(r.id, r);
    try {
      await withTimeout(ex.start(replicaRunSpec(s, r, this.o.runRoot)), 10_000, 'start');
      this.o.log.info({ service: s.id, replica: r.id, site, port }, 'service replica started');
      return true;
    } catch (err) {
      st.replicas.delete(r.id);
      this.ports.release(host, port);
      st.scaling = `replica on ${site} could not start: ${(err as Error).message}`;
      this.o.log.warn({ service: s.id, site, err: (err as Error).message }, 'service replica start failed');
      return false;
    }
  }

  private loadBook(): Promise<TickBook> {
    const mine = [...this.states.values()].flatMap((st) => [...st.replicas.values()]);
    return loadTickBook(this.o.store, this.o.fabric, this.services, mine);
  }

  private async stopReplica(st: ServiceState, r: Replica, reason: string): Promise<void> {
    if (r.state === 'stopping') return;
    r.state = 'stopping';
    r.reason = reason;
    this.o.log.info({ service: r.serviceId, replica: r.id, site: r.site, reason }, 'service replica stopping');
    const ex = this.o.bindings.get(r.site)?.executor;
    try {
      if (ex) await withTimeout(ex.cancel(r.runKey), 10_000, 'cancel');
    } catch (err) {
      this.o.log.warn({ replica: r.id, err: (err as Error).message }, 'service replica cancel failed');
    } finally {
      st.replicas.delete(r.id);
      this.ports.release(r.host, r.port);
    }
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
