// Reconciliation: the store is the truth. Every executor's live runs that no active job wants
// (cancelled, suspended, moved, orphaned) are stopped; jobs found `admitted` after a crash are begun.
import type { Job } from '../domain.js';
import type { Executor, RunStatus } from '../executors/types.js';
import { bestEffort, withTimeout, type SchedulerContext } from './context.js';
import { runsOf } from './gang.js';
import type { Launcher } from './launcher.js';
import { isServiceRun } from '../services/replica.js';

export class Reconciler {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly launcher: Launcher,
  ) {}

  private executors(): Executor[] {
    return [...new Set([...this.ctx.cp.bindings.values()].map((b) => b.executor))];
  }

  async reconcile(active: readonly Job[]): Promise<void> {
    const { opts, log, inflight } = this.ctx;
    const wanted = new Set<string>();
    for (const j of active) {
      if (j.runId) wanted.add(j.runId);
      for (const r of runsOf(this.ctx, j)) wanted.add(r.runKey);
    }
    for (const ex of this.executors()) {
      let live: RunStatus[];
      try {
        live = await withTimeout(ex.list(), opts.executorTimeoutMs, 'list');
      } catch (err) {
        log.warn({ executor: ex.kind, err: (err as Error).message }, 'list failed; reconciled next tick');
        continue;
      }
      for (const r of live) {
        if (isServiceRun(r.runKey)) continue; // a service replica: the service manager's (src/control/services)
        if (wanted.has(r.runKey) || inflight.has(r.runKey) || inflight.has(r.runKey.replace(/\.p\d+$/, ''))) continue;
        log.info({ run: r.runKey }, 'stopping a run the store does not want (cancelled, suspended, moved or orphaned)');
        await bestEffort(log, 'reconcile cancel', { run: r.runKey, executor: ex.kind }, ex.cancel(r.runKey));
      }
    }
    // jobs found admitted after a crash (never launched) or starting (maybe launched): launch idempotently
    for (const j of active) {
      if (j.state === 'admitted') await this.launcher.begin(j);
    }
  }
}
