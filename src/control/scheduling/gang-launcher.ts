// Launch of a cross-site gang on per-site executors (see gang.ts for the all-or-nothing rule).
import type { Job } from '../domain.js';
import { LaunchError, type RunStatus } from '../executors/types.js';
import { withTimeout, type SchedulerContext } from './context.js';
import { partSpecs, runsOf, type RunRef } from './gang.js';
import type { Launcher } from './launcher.js';
import { requeue } from './requeue.js';
import { stageDatasets } from './staging.js';

const POLL_MS = 200;

function released(s: RunStatus | null): boolean {
  return !!s && (s.phase === 'running' || s.phase === 'succeeded');
}

export class GangLauncher {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly launcher: Launcher,
  ) {}

  /** Starts every part held, releases them once all are held; a part not held in time stops the gang. */
  async launch(job: Job): Promise<void> {
    const { inflight, log } = this.ctx;
    const refs = runsOf(this.ctx, job);
    if (!job.runId || refs.length < 2 || inflight.has(job.runId)) return;
    inflight.add(job.runId);
    try {
      // every part's site gets the dataset before any part is started: the copies are part of the start delay
      try {
        await stageDatasets(
          this.ctx,
          job,
          refs.map((r) => r.site),
        );
      } catch (err) {
        if (!(err instanceof LaunchError)) throw err;
        await this.launcher.markFailed(job, `launch failed: ${err.message}`);
        return;
      }
      const statuses = await this.startAll(job, refs);
      if (statuses === null) return;
      const ready = await this.waitHeld(job, refs, statuses);
      if (!ready.ok) {
        await this.launcher.stop(job, 'gang stop');
        await requeue(this.ctx, job, ready.reason);
        return;
      }
      for (const [i, r] of refs.entries()) {
        if (released(ready.statuses[i])) continue;
        await withTimeout(
          r.binding.executor.release!(r.runKey),
          this.ctx.opts.executorTimeoutMs,
          `release ${r.runKey}`,
        );
      }
      this.ctx.launchedHere.add(job.runId);
      await this.launcher.markRunning(job, ready.statuses.map((s) => s?.externalId ?? '-').join(' '));
      log.info({ job: job.id, run: job.runId, sites: refs.map((r) => r.site) }, 'gang released on every site');
    } catch (err) {
      log.warn({ job: job.id, err: (err as Error).message }, 'gang launch interrupted; retried next tick');
    } finally {
      inflight.delete(job.runId);
    }
  }

  /** start() of every part, held (adopting parts that exist); null when the job failed for good. */
  private async startAll(job: Job, refs: readonly RunRef[]): Promise<(RunStatus | null)[] | null> {
    const specs = partSpecs(this.launcher.runSpec(job), refs, job, true);
    const started = await Promise.allSettled(
      refs.map((r, i) => withTimeout(r.binding.executor.start(specs[i]), 30_000, `start ${r.runKey}`)),
    );
    const bad = started.findIndex((x) => x.status === 'rejected' && x.reason instanceof LaunchError);
    if (bad >= 0) {
      const why = ((started[bad] as PromiseRejectedResult).reason as Error).message;
      await this.launcher.stop(job, 'gang stop');
      await this.launcher.markFailed(job, `launch failed on site ${refs[bad].site}: ${why}; gang stopped`);
      return null;
    }
    return started.map((x) => (x.status === 'fulfilled' ? x.value : null));
  }

  /** Polls the parts until every one is held (or the gang was already released), or the timeout. */
  private async waitHeld(
    job: Job,
    refs: readonly RunRef[],
    first: (RunStatus | null)[],
  ): Promise<{ ok: true; statuses: (RunStatus | null)[] } | { ok: false; reason: string }> {
    const { clock, opts } = this.ctx;
    const deadline = clock() + opts.gangStartTimeoutMs;
    let statuses = first;
    for (;;) {
      // once any part runs, the gang is committed (a crash cut the release): release the rest
      if (statuses.some(released)) return { ok: true, statuses };
      const dead = statuses.findIndex((s) => s && (s.phase === 'failed' || s.phase === 'cancelled'));
      if (dead >= 0)
        return {
          ok: false,
          reason: `gang: the part on ${refs[dead].site} ended before the gang started (${statuses[dead]!.reason})`,
        };
      if (statuses.every((s) => s?.held)) return { ok: true, statuses };
      if (clock() > deadline) {
        const late = statuses.findIndex((s) => !s?.held);
        const why = statuses[late]?.reason ?? 'no answer from its executor';
        return {
          ok: false,
          reason: `gang: the part on ${refs[late].site} was not allocated within ${opts.gangStartTimeoutMs} ms (${why}); the other parts were released and nothing ran`,
        };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      statuses = await this.statuses(refs);
      if (statuses.some((s) => s === null || s.phase === 'unknown')) {
        // a part whose start did not get through (site briefly unreachable): start it again
        const again = await this.startAll(job, refs);
        if (again === null) return { ok: false, reason: 'gang: launch failed' };
        statuses = again;
      }
    }
  }

  private statuses(refs: readonly RunRef[]): Promise<(RunStatus | null)[]> {
    return Promise.all(
      refs.map(async (r) => {
        try {
          const m = await withTimeout(r.binding.executor.status([r.runKey]), this.ctx.opts.executorTimeoutMs, 'status');
          return m.get(r.runKey) ?? null;
        } catch (err) {
          this.ctx.log.warn({ run: r.runKey, site: r.site, err: (err as Error).message }, 'gang part status failed');
          return null;
        }
      }),
    );
  }
}
