// Heartbeats and failover: a site whose last heartbeat is older than the timeout goes down and its
// active jobs are fenced (best-effort cancel) and requeued; a site heard from again comes back up.
import { ACTIVE_STATES } from '../domain.js';
import { withTimeout, type SchedulerContext } from './context.js';
import { siteParts } from './gang.js';
import type { Launcher } from './launcher.js';
import { requeue } from './requeue.js';

export class SiteMonitor {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly launcher: Launcher,
  ) {}

  /** Polls executor heartbeats, updates site status; returns the number of jobs requeued by failover. */
  async tick(): Promise<number> {
    const { cp, opts, log } = this.ctx;
    const now = cp.now();
    await Promise.all(
      [...cp.bindings.values()]
        .filter((b) => b.heartbeat === 'executor')
        .map(async (b) => {
          try {
            await withTimeout(b.executor.heartbeat(), opts.executorTimeoutMs, `heartbeat ${b.siteId}`);
            await cp.store.recordHeartbeat(b.siteId, now);
          } catch (err) {
            log.warn({ site: b.siteId, err: (err as Error).message }, 'site heartbeat failed');
          }
        }),
    );
    let requeued = 0;
    for (const site of await cp.store.listSites()) {
      const fresh = site.lastHeartbeatAt !== null && now - site.lastHeartbeatAt <= opts.heartbeatTimeoutMs;
      if (fresh && site.status !== 'up') {
        await cp.store.setSiteStatus(site.id, 'up', now);
        await cp.store.appendEvent({ at: now, type: 'site.up', siteId: site.id });
        log.info({ site: site.id }, 'site up');
      } else if (!fresh && site.status === 'up') {
        await cp.store.setSiteStatus(site.id, 'down', now);
        await cp.store.appendEvent({
          at: now,
          type: 'site.down',
          siteId: site.id,
          data: { lastHeartbeatAt: site.lastHeartbeatAt },
        });
        log.warn({ site: site.id }, 'site missed its heartbeats: down');
        requeued += await this.failover(site.id);
      }
    }
    return requeued;
  }

  /**
   * Requeues every active job of a down site: checkpointable ones keep their checkpoint, others restart.
   * Every run of the job is fenced (a gang's parts on the other sites too); a job that spanned sites is
   * planned again for the sites still up.
   */
  private async failover(siteId: string): Promise<number> {
    const { cp } = this.ctx;
    const jobs = (await cp.store.listJobs({ states: [...ACTIVE_STATES], site: siteId, limit: 1_000_000 })).jobs;
    let n = 0;
    for (const job of jobs) {
      // fence: best effort, the site may be unreachable (its orphans are swept when it returns)
      await this.launcher.stop(job, 'fencing cancel');
      const replan = siteParts(job).length > 1;
      if (await requeue(this.ctx, job, `site ${siteId} down`, undefined, { replan })) n++;
    }
    return n;
  }
}
