// Edge: starting and stopping replicas. A start reads the GPU book, checks the fit and writes the replica's row in
// one turn of the shared reservation (reservation.ts), then starts the run outside it; when no allowed site has the
// GPUs, it asks a lendable training job to suspend at its next checkpoint (loans.ts) instead.
import type { ServiceRecord } from '../store/services.js';
import { withTimeout } from '../scheduling/context.js';
import { loadTickBook, serviceSites } from './capacity.js';
import { replicaFit } from './gpu-holds.js';
import type { Loans } from './loans.js';
import type { ManagerContext, ServiceState } from './manager-context.js';
import { newReplica, replicaRunSpec, type Replica } from './replica.js';
import { toStored } from './replica-sync.js';
import { reservationOf } from './reservation.js';

export class ReplicaLifecycle {
  constructor(
    private readonly m: ManagerContext,
    private readonly loans: Loans,
  ) {}

  /** Starts one replica on the allowed, available site with the fewest of this service's replicas; null: none. */
  async start(s: ServiceRecord, st: ServiceState, services: readonly ServiceRecord[]): Promise<Replica | null> {
    const { o } = this.m;
    const up = serviceSites(o.fabric, o.bindings, s.spec).filter((id) => this.m.siteProblems.get(id) === null);
    if (up.length === 0) {
      st.scaling = `no site can take a replica (${[...this.m.siteProblems.values()].filter(Boolean).join('; ') || 'none allowed'})`;
      return null;
    }
    const r = await reservationOf(o.store).exclusive(() => this.place(s, st, services, up));
    if (!r) return null;
    const ex = o.bindings.get(r.site)!.executor;
    try {
      await withTimeout(ex.start(replicaRunSpec(s, r, o.runRoot)), 10_000, 'start');
      o.log.info({ service: s.id, replica: r.id, site: r.site, port: r.port }, 'service replica started');
      return r;
    } catch (err) {
      // its row goes with the next write of the rows (its GPUs stay held until then)
      st.replicas.delete(r.id);
      this.m.ports.release(r.host, r.port);
      st.scaling = `replica on ${r.site} could not start: ${(err as Error).message}`;
      o.log.warn({ service: s.id, site: r.site, err: (err as Error).message }, 'service replica start failed');
      return null;
    }
  }

  /** Inside the reservation: the fit against a fresh book and the replica's row, or a loan asked for, or why not. */
  private async place(
    s: ServiceRecord,
    st: ServiceState,
    services: readonly ServiceRecord[],
    up: string[],
  ): Promise<Replica | null> {
    const { o } = this.m;
    const count = (site: string) =>
      [...st.replicas.values()].filter((r) => r.site === site && r.state !== 'stopping').length;
    const book = await loadTickBook(o.store, o.fabric, services, this.m.allReplicas());
    const fit = replicaFit(book.book, s, book.quotaGpus.get(s.tenantId) ?? null, up);
    if (fit.reason) {
      // deferred (retried every tick) while the quota or every site's free GPUs leave no room, unless a job lends
      const lent = fit.short === 'gpus' ? await this.loans.ask(s, book, up) : null;
      st.scaling = lent ?? `replica deferred: ${fit.reason}`;
      return null;
    }
    const site = fit.sites.sort((a, b) => count(a) - count(b))[0];
    const host = o.bindings.get(site)!.executor.address ?? '127.0.0.1';
    const port = await this.m.ports.reserve(host);
    const r = newReplica(s, site, this.m.jurisdictionOf(site), host, port, o.now());
    st.replicas.set(r.id, r);
    // the row is the replica's hold on its GPUs: the scheduler's next pass reads it
    const row = toStored(r, o.now());
    await o.store.putReplica(row);
    this.m.sync.known([row]);
    return r;
  }

  async stop(st: ServiceState, r: Replica, reason: string): Promise<void> {
    if (r.state === 'stopping') return;
    const { o } = this.m;
    r.state = 'stopping';
    r.reason = reason;
    o.log.info({ service: r.serviceId, replica: r.id, site: r.site, reason }, 'service replica stopping');
    const ex = o.bindings.get(r.site)?.executor;
    try {
      if (ex) await withTimeout(ex.cancel(r.runKey), 10_000, 'cancel');
    } catch (err) {
      o.log.warn({ replica: r.id, err: (err as Error).message }, 'service replica cancel failed');
    } finally {
      st.replicas.delete(r.id);
      this.m.ports.release(r.host, r.port);
    }
  }
}
