// Run polling: one status() call per site per tick for the runs of its starting/running/checkpointing
// jobs, and the job transitions that follow (running, finished, lost, drain and suspend checkpoints).
import type { Checkpoint, Job } from '../domain.js';
import type { SiteBinding } from '../control-plane.js';
import type { RunStatus } from '../executors/types.js';
import { bestEffort, withTimeout, type SchedulerContext } from './context.js';
import type { Launcher } from './launcher.js';
import { requeue } from './requeue.js';

export class RunPoller {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly launcher: Launcher,
  ) {}

  /** Polls the runs of the active jobs; returns how many jobs finished or moved. */
  async poll(active: readonly Job[]): Promise<number> {
    const { cp, opts, log } = this.ctx;
    const bySite = new Map<SiteBinding, Job[]>();
    for (const job of active) {
      if (!job.runId || (job.state !== 'starting' && job.state !== 'running' && job.state !== 'checkpointing'))
        continue;
      const b = this.launcher.binding(job);
      if (!b) continue;
      const list = bySite.get(b);
      if (list) list.push(job);
      else bySite.set(b, [job]);
    }
    const drained = new Set((await cp.store.listSites()).filter((s) => s.drained).map((s) => s.id));
    let finished = 0;
    await Promise.all(
      [...bySite].map(async ([b, jobs]) => {
        let statuses: Map<string, RunStatus>;
        try {
          statuses = await withTimeout(
            b.executor.status(jobs.map((j) => j.runId!)),
            opts.executorTimeoutMs,
            `status ${b.siteId}`,
          );
        } catch (err) {
          log.warn({ site: b.siteId, err: (err as Error).message }, 'poll failed');
          return;
        }
        for (const job of jobs) {
          try {
            // a gang across sites moves when any of its sites drains
            const siteDrained = (job.placement ?? []).some((p) => drained.has(p.site)) || drained.has(b.siteId);
            finished += await this.onStatus(job, statuses.get(job.runId!)!, siteDrained, b);
          } catch (err) {
            log.warn({ job: job.id, err: (err as Error).message }, 'status update skipped');
          }
        }
      }),
    );
    return finished;
  }

  private async onStatus(job: Job, st: RunStatus, siteDrained: boolean, b: SiteBinding): Promise<number> {
    const ck = await this.onCheckpoint(job, st, b);
    if (ck.moved) return 1;
    const cur = ck.job;
    if (st.phase !== 'pending') this.ctx.launchedHere.delete(job.runId!);
    switch (st.phase) {
      case 'pending':
        // A run this process did not launch, still pending: after a crash that may be a launch its
        // launcher never finished (local: claimed, not committed). start() is idempotent: it adopts
        // the run, and completes an interrupted launch under the same run key.
        if (cur.state === 'starting' && !this.ctx.inflight.has(job.runId!) && !this.ctx.launchedHere.has(job.runId!))
          void this.launcher.launch(cur);
        return 0;
      case 'running':
        return this.onRunning(cur, st, siteDrained, b);
      case 'succeeded':
      case 'failed':
      case 'cancelled':
        await this.onFinished(cur, st);
        return 1;
      case 'unknown':
        if (cur.state === 'starting') {
          if (!this.ctx.inflight.has(job.runId!)) void this.launcher.launch(cur);
          return 0;
        }
        await requeue(this.ctx, cur, `run ${job.runId} lost by the ${b.executor.kind} executor`);
        return 1;
    }
  }

  /**
   * Records a newer checkpoint; when the job was waiting for one (drain or suspend), stops the run and
   * moves the job (`moved`).
   */
  private async onCheckpoint(job: Job, st: RunStatus, b: SiteBinding): Promise<{ job: Job; moved: boolean }> {
    const { cp, log } = this.ctx;
    if (!st.checkpoint || (job.checkpoint && st.checkpoint.step <= job.checkpoint.step)) return { job, moved: false };
    const now = cp.now();
    const checkpoint: Checkpoint = { step: st.checkpoint.step, path: st.checkpoint.path, at: now, site: b.siteId };
    const cur = await cp.store.updateJob(job.id, { checkpoint }, now, 'job.checkpoint', {
      step: checkpoint.step,
      path: checkpoint.path,
    });
    if (job.state !== 'checkpointing') return { job: cur, moved: false };
    // the checkpoint a drain or suspend was waiting for
    await bestEffort(log, 'cancel after checkpoint', { job: job.id, site: b.siteId }, b.executor.cancel(job.runId!));
    if (job.reason === 'suspend') {
      await cp.store.transitionJob({
        jobId: job.id,
        to: 'suspended',
        from: ['checkpointing'],
        patch: { reason: `suspended at step ${checkpoint.step}`, placement: null, runId: null },
        at: now,
      });
    } else {
      await requeue(this.ctx, cur, `moved off drained site ${b.siteId}`, checkpoint);
    }
    return { job: cur, moved: true };
  }

  /** A running run: starting -> running, drain <-> undrain, or a checkpoint wait that ran out. */
  private async onRunning(cur: Job, st: RunStatus, siteDrained: boolean, b: SiteBinding): Promise<number> {
    const { cp, opts, log } = this.ctx;
    const now = cp.now();
    if (cur.state === 'starting') {
      await cp.store.transitionJob({
        jobId: cur.id,
        to: 'running',
        from: ['starting'],
        patch: { startedAt: now },
        at: now,
        data: { externalId: st.externalId },
      });
    } else if (cur.state === 'running' && siteDrained && cur.spec.checkpointable) {
      await cp.store.transitionJob({
        jobId: cur.id,
        to: 'checkpointing',
        from: ['running'],
        patch: { reason: 'drain' },
        at: now,
        data: { intent: 'drain' },
      });
    } else if (cur.state === 'checkpointing' && cur.reason === 'drain' && !siteDrained) {
      await cp.store.transitionJob({
        jobId: cur.id,
        to: 'running',
        from: ['checkpointing'],
        patch: { reason: null },
        at: now,
        data: { intent: 'undrain' },
      });
    } else if (cur.state === 'checkpointing' && now - cur.updatedAt > opts.checkpointWaitMs) {
      await bestEffort(log, 'cancel after checkpoint wait', { job: cur.id }, b.executor.cancel(cur.runId!));
      if (cur.reason === 'suspend') {
        await cp.store.transitionJob({
          jobId: cur.id,
          to: 'suspended',
          from: ['checkpointing'],
          patch: { reason: 'suspended (no new checkpoint in time)', placement: null, runId: null },
          at: now,
        });
      } else
        await requeue(this.ctx, cur, `no checkpoint within ${opts.checkpointWaitMs} ms on drained site ${b.siteId}`);
      return 1;
    }
    return 0;
  }

  /** A finished run: succeeded, failed, or stopped outside the control plane (scancel, kill). */
  private async onFinished(cur: Job, st: RunStatus): Promise<void> {
    const now = this.ctx.cp.now();
    const patch =
      st.phase === 'succeeded'
        ? { exitCode: st.exitCode ?? 0, finishedAt: now, reason: null }
        : st.phase === 'failed'
          ? { exitCode: st.exitCode, finishedAt: now, reason: st.reason }
          : {
              exitCode: st.exitCode,
              finishedAt: now,
              reason: `stopped outside the control plane: ${st.reason ?? ''}`.trim(),
            };
    await this.ctx.cp.store.transitionJob({
      jobId: cur.id,
      to: st.phase as 'succeeded' | 'failed' | 'cancelled',
      from: [cur.state],
      patch,
      at: now,
    });
  }
}
