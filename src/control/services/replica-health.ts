// Edge: each tick's look at a service's replicas: site loss, runs the executor says ended, health checks. Every
// replica found unfit is stopped (the replica count then brings a new one).
import { withTimeout } from '../scheduling/context.js';
import type { ServiceRecord } from '../store/services.js';
import { serviceSites } from './capacity.js';
import type { ManagerContext, ServiceState } from './manager-context.js';
import { checkHealth, type Replica } from './replica.js';

type Stop = (st: ServiceState, r: Replica, reason: string) => Promise<void>;

export async function refreshReplicas(m: ManagerContext, s: ServiceRecord, st: ServiceState, stop: Stop) {
  const live = [...st.replicas.values()].filter((r) => r.state !== 'stopping');
  const bySite = new Map<string, Replica[]>();
  for (const r of live) bySite.set(r.site, [...(bySite.get(r.site) ?? []), r]);
  const allowed = new Set(serviceSites(m.o.fabric, m.o.bindings, s.spec));
  await Promise.all(
    [...bySite].map(async ([site, rs]) => {
      const problem = m.siteProblems.get(site) ?? (allowed.has(site) ? null : `site ${site} is no longer allowed`);
      if (problem) return Promise.all(rs.map((r) => stop(st, r, problem)));
      const ex = m.o.bindings.get(site)!.executor;
      const status = await withTimeout(ex.status(rs.map((r) => r.runKey)), 5000, 'status').catch(() => null);
      await Promise.all(
        rs.map(async (r) => {
          const run = status?.get(r.runKey);
          if (run && run.phase !== 'running' && run.phase !== 'pending')
            return stop(st, r, `process ${run.phase}${run.reason ? `: ${run.reason}` : ''}`);
          await checkReplica(m, st, r, stop);
        }),
      );
    }),
  );
}

async function checkReplica(m: ManagerContext, st: ServiceState, r: Replica, stop: Stop): Promise<void> {
  const problem = await checkHealth(r, m.o.healthTimeoutMs);
  const now = m.o.now();
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
    if (now - r.startedAt > m.o.startTimeoutMs)
      await stop(st, r, `not healthy ${m.o.startTimeoutMs / 1000} s after its start (${problem})`);
    return;
  }
  r.failedChecks++;
  r.reason = problem;
  if (r.failedChecks >= m.o.unhealthyAfter) await stop(st, r, `unhealthy: ${problem}`);
  else r.state = 'unhealthy';
}
