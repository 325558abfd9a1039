// Run polling: one status() call per site per tick for the runs of its starting/running/checkpointing
// jobs, and the job transitions that follow (running, finished, lost, drain and suspend checkpoints).
import type { Checkpoint, Job } from '../domain.js';
import type { SiteBinding } from '../control-plane.js';
import type { RunStatus } from '../executors/types.js';
import { withTimeout, type SchedulerContext } from './context.js';
import { combineGang, runsOf, type RunRef } from './gang.js';
import type { Launcher } from './launcher.js';
import { isSuspendIntent, requeue, suspendedReason } from './requeue.js';
import { StragglerWatch } from './stragglers.js';
import { CheckpointReplicator } from './gang-replication.js';

export class RunPoller {
  private readonly lastProgress = new Map<string, { step: number; at: number }>();
  private readonly stragglers = new StragglerWatch();
  private readonly replicator: CheckpointReplicator;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly launcher: Launcher,
  ) {
    this.replicator = new CheckpointReplicator(ctx);
  }

  /** Polls the runs of the active jobs (every part of a gang); returns how many jobs finished or moved. */
  async poll(active: readonly Job[]): Promise<number> {
    const { cp } = this.ctx;
    const bySite = new Map<SiteBinding, RunRef[]>();
    const polled: { job: Job; refs: RunRef[] }[] = [];
    for (const job of active) {
      if (!job.runId || (job.state !== 'starting' && job.state !== 'running' && job.state !== 'checkpointing'))
        continue;
      const refs = runsOf(this.ctx, job);
      if (refs.length === 0) continue;
      polled.push({ job, refs });
      for (const r of refs) {
        const list = bySite.get(r.binding);
        if (list) list.push(r);
        else bySite.set(r.binding, [r]);
      }
    }
    const drained = new Set((await cp.store.listSites()).filter((s) => s.drained).map((s) => s.id));
    const statuses = await this.statuses(bySite);
    let finished = 0;
    for (const { job, refs } of polled) {
      const sts = refs.map((r) => statuses.get(r.binding)?.get(r.runKey));
      if (sts.some((x) => x === undefined)) continue; // a site did not answer: next tick
      try {
        // a gang across sites moves when any of its sites drains
        const siteDrained = (job.placement ?? []).some((p) => drained.has(p.site));
        for (const [i, r] of refs.entries()) await this.recordProgress(job, r.site, sts[i]!);
        if (refs.length === 1) finished += await this.onStatus(job, sts[0]!, siteDrained, refs[0].binding);
        else finished += await this.onGangStatus(job, refs, sts as RunStatus[], siteDrained);
      } catch (err) {
        this.ctx.log.warn({ job: job.id, err: (err as Error).message }, 'status update skipped');
      }
    }
    return finished;
  }

  /** One status() call per site; a site that fails or times out is left out (logged). */
  private async statuses(bySite: Map<SiteBinding, RunRef[]>): Promise<Map<SiteBinding, Map<string, RunStatus>>> {
    const out = new Map<SiteBinding, Map<string, RunStatus>>();
    await Promise.all(
      [...bySite].map(async ([b, refs]) => {
        try {
          const m = await withTimeout(
            b.executor.status(refs.map((r) => r.runKey)),
            this.ctx.opts.executorTimeoutMs,
            `status ${b.siteId}`,
          );
          out.set(b, m);
        } catch (err) {
          this.ctx.log.warn({ site: b.siteId, err: (err as Error).message }, 'poll failed');
        }
      }),
    );
    return out;
  }

  /** A gang's parts: any part that ends stops the whole gang; otherwise the combined status drives the job. */
  private async onGangStatus(job: Job, refs: RunRef[], sts: RunStatus[], siteDrained: boolean): Promise<number> {
    const st = combineGang(refs, sts, job.runId!);
    if (job.state !== 'starting') this.replicator.observe(job, refs); // copies the newest checkpoint to every site
    const ended = st.phase === 'failed' || st.phase === 'cancelled' || st.phase === 'unknown';
    if (!ended || (job.state === 'starting' && st.phase === 'unknown'))
      return this.onStatus(job, st, siteDrained, refs[0].binding);
    if (job.state === 'starting' && this.ctx.inflight.has(job.runId!)) return 0; // the launcher decides
    await this.launcher.stop(job, 'gang stop');
    const { cp } = this.ctx;
    const progressed = job.checkpoint !== null && job.startedAt !== null && job.checkpoint.at >= job.startedAt;
    if (job.spec.checkpointable && progressed) {
      await requeue(this.ctx, job, st.reason ?? 'a part of the gang ended', undefined, { replan: true });
    } else {
      await cp.store.transitionJob({
        jobId: job.id,
        to: 'failed',
        from: [job.state],
        patch: { exitCode: st.exitCode, finishedAt: cp.now(), reason: st.reason },
        at: cp.now(),
      });
    }
    return 1;
  }

  /** A `job.progress` event per run when its trainer reported a new step (at most one per run per second). */
  private async recordProgress(job: Job, site: string, st: RunStatus): Promise<void> {
    const p = st.progress;
    if (!p || typeof p.step !== 'number') return;
    const key = `${job.id}|${site}`;
    const last = this.lastProgress.get(key);
    const now = this.ctx.cp.now();
    if (last && (last.step === p.step || now - last.at < 1000)) return;
    this.lastProgress.set(key, { step: p.step, at: now });
    if (this.lastProgress.size > 10_000) this.lastProgress.clear(); // bounded; at worst one extra event per run
    await this.ctx.cp.store.appendEvent({
      at: now,
      type: 'job.progress',
      jobId: job.id,
      tenantId: job.tenantId,
      siteId: site,
      data: { ...p, site, attempt: job.attempt },
    });
    const compute = p.computeSeconds ?? p.stepTimeSeconds;
    const planS = job.plan && job.plan.error === undefined ? job.plan.stepTimeSeconds : null;
    const slow =
      typeof compute === 'number' ? this.stragglers.observe(job.id, job.attempt, site, compute, planS) : null;
    if (slow) {
      this.ctx.log.warn({ job: job.id, ...slow }, 'straggler part');
      await this.ctx.cp.store.appendEvent({
        at: now,
        type: 'job.straggler',
        jobId: job.id,
        tenantId: job.tenantId,
        siteId: site,
        data: { ...slow, attempt: job.attempt },
      });
    }
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
    const { cp } = this.ctx;
    if (!st.checkpoint || (job.checkpoint && st.checkpoint.step <= job.checkpoint.step)) return { job, moved: false };
    const now = cp.now();
    const checkpoint: Checkpoint = { step: st.checkpoint.step, path: st.checkpoint.path, at: now, site: b.siteId };
    const cur = await cp.store.updateJob(job.id, { checkpoint }, now, 'job.checkpoint', {
      step: checkpoint.step,
      path: checkpoint.path,
    });
    if (job.state !== 'checkpointing') return { job: cur, moved: false };
    // the checkpoint a drain or suspend was waiting for
    await this.launcher.stop(job, 'cancel after checkpoint');
    if (isSuspendIntent(job.reason)) {
      await cp.store.transitionJob({
        jobId: job.id,
        to: 'suspended',
        from: ['checkpointing'],
        patch: { reason: suspendedReason(job.reason, checkpoint.step), placement: null, runId: null },
        at: now,
      });
    } else {
      await requeue(this.ctx, cur, `moved off drained site ${b.siteId}`, checkpoint);
    }
    return { job: cur, moved: true };
  }

  /** A running run: starting -> running, drain <-> undrain, or a checkpoint wait that ran out. */
  private async onRunning(cur: Job, st: RunStatus, siteDrained: boolean, b: SiteBinding): Promise<number> {
    const { cp, opts } = this.ctx;
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
      await this.launcher.stop(cur, 'cancel after checkpoint wait');
      if (isSuspendIntent(cur.reason)) {
        await cp.store.transitionJob({
          jobId: cur.id,
          to: 'suspended',
          from: ['checkpointing'],
          patch: { reason: suspendedReason(cur.reason, null), placement: null, runId: null },
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
