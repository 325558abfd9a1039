// Replicas in the store (table service_replicas): the leader writes what changed after each tick, every other
// control-plane replica reads them to route (so any replica of the API serves generate calls), and a new leader
// adopts them (health-checked again) instead of stopping and restarting replicas that still serve.
import type { Logger } from '../scheduler.js';
import type { StoredReplica } from '../store/services.js';
import type { Store } from '../store/types.js';
import type { Replica } from './replica.js';

export function toStored(r: Replica, at: number): StoredReplica {
  return {
    id: r.id,
    serviceId: r.serviceId,
    site: r.site,
    runKey: r.runKey,
    host: r.host,
    port: r.port,
    state: r.state,
    startedAt: r.startedAt,
    healthyAt: r.healthyAt,
    reason: r.reason,
    updatedAt: at,
  };
}

export function fromStored(row: StoredReplica, jurisdiction: string): Replica {
  return {
    id: row.id,
    serviceId: row.serviceId,
    site: row.site,
    jurisdiction,
    runKey: row.runKey,
    host: row.host,
    port: row.port,
    state: row.state,
    inflight: 0,
    ttftEwmaMs: null,
    tpotEwmaMs: null,
    startedAt: row.startedAt,
    healthyAt: row.healthyAt,
    failedChecks: 0,
    reason: row.reason,
  };
}

/** What the leader last wrote per replica, so a tick writes only the rows that changed. */
export class ReplicaSync {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Marks rows as already stored (adopted from the store). */
  known(rows: readonly StoredReplica[]): void {
    for (const r of rows) this.written.set(r.id, '');
  }

  forget(): void {
    this.written.clear();
  }

  async write(replicas: readonly Replica[], at: number): Promise<void> {
    const live = new Set<string>();
    try {
      for (const r of replicas) {
        live.add(r.id);
        const key = `${r.state}|${r.healthyAt}|${r.reason}`;
        if (this.written.get(r.id) === key) continue;
        await this.store.putReplica(toStored(r, at));
        this.written.set(r.id, key);
      }
      for (const id of [...this.written.keys()]) {
        if (live.has(id)) continue;
        await this.store.deleteReplica(id);
        this.written.delete(id);
      }
    } catch (err) {
      // the next tick writes again (the rows only steer followers and a future leader)
      this.log.warn({ err: (err as Error).message }, 'services: cannot write replica rows');
    }
  }
}

/**
 * A follower's copy of the leader's replicas: rows become Replica records, keeping the ones it already has (their
 * in-flight counts and measured EWMAs are this process's own), dropping those the leader removed.
 */
export function followRows(
  byService: Map<string, Map<string, Replica>>,
  rows: readonly StoredReplica[],
  jurisdictionOf: (site: string) => string,
): void {
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    let m = byService.get(row.serviceId);
    if (!m) byService.set(row.serviceId, (m = new Map()));
    const have = m.get(row.id);
    if (!have) m.set(row.id, fromStored(row, jurisdictionOf(row.site)));
    else
      Object.assign(have, {
        state: row.state,
        host: row.host,
        port: row.port,
        healthyAt: row.healthyAt,
        reason: row.reason,
      });
  }
  for (const m of byService.values()) for (const id of [...m.keys()]) if (!seen.has(id)) m.delete(id);
}
