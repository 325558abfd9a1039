// Edge: what a new leader does once: adopt the replicas the store lists (the health checks then keep or replace
// each one) and stop replica runs no row names (their ports are unknown here; the count then brings new ones).
import { withTimeout } from '../scheduling/context.js';
import type { ManagerContext } from './manager-context.js';
import { isServiceRun } from './replica.js';
import { fromStored } from './replica-sync.js';

export async function adoptReplicas(m: ManagerContext): Promise<void> {
  const { store, bindings, log } = m.o;
  const services = new Set((await store.listServices()).map((s) => s.id));
  for (const row of await store.listReplicas()) {
    const ex = bindings.get(row.site)?.executor;
    if (!services.has(row.serviceId) || !ex || row.state === 'stopping') {
      if (ex) await withTimeout(ex.cancel(row.runKey), 10_000, 'cancel').catch(() => undefined);
      await store.deleteReplica(row.id);
      continue;
    }
    const st = m.state(row.serviceId);
    const r = st.replicas.get(row.id) ?? fromStored(row, m.jurisdictionOf(row.site));
    r.failedChecks = 0;
    st.replicas.set(r.id, r);
    m.ports.claim(r.host, r.port);
    m.sync.known([row]);
    log.info({ service: r.serviceId, replica: r.id, site: r.site }, 'service replica adopted');
  }
}

/** True when every executor could be listed (else the next tick tries again). */
export async function stopOrphanRuns(m: ManagerContext): Promise<boolean> {
  const known = new Set(m.allReplicas().map((r) => r.runKey));
  for (const b of new Set([...m.o.bindings.values()].map((x) => x.executor))) {
    if (!b.needsCommand) continue;
    try {
      for (const r of await withTimeout(b.list(), 5000, 'list'))
        if (isServiceRun(r.runKey) && !known.has(r.runKey)) await b.cancel(r.runKey);
    } catch (err) {
      m.o.log.warn({ err: (err as Error).message }, 'services: cannot list runs for orphans; next tick');
      return false;
    }
  }
  return true;
}
