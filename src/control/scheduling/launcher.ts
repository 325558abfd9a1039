// Launch: a `starting` job's run is started (or adopted: start() is idempotent per run key) on the
// executor of its first part's site; the job goes `running` once the executor says so, `failed` when
// the launch can never succeed. Side-effect order for a start (never twice): the scheduler commits
// `starting` with the run key, then calls launch().
import { join, sep } from 'node:path';
import type { Job } from '../domain.js';
import type { SiteBinding } from '../control-plane.js';
import type { RunSpec } from '../executors/types.js';
import { LaunchError } from '../executors/types.js';
import { bestEffort, withTimeout, type SchedulerContext, type StoredPart } from './context.js';
import { GangLauncher } from './gang-launcher.js';
import { isGang, runsOf, siteCheckpointDir } from './gang.js';
import { datasetEnv, stageDatasets } from './staging.js';

/** The run key of one attempt of a job: the executor's idempotency key. */
export function runKey(job: Pick<Job, 'id'>, attempt: number): string {
  return `${job.id}.${attempt}`;
}

export class Launcher {
  private readonly gang: GangLauncher;

  constructor(private readonly ctx: SchedulerContext) {
    this.gang = new GangLauncher(ctx, this);
  }

  /** Stops every run of a job (each part of a gang), best effort: failures are logged. */
  async stop(job: Job, what: string): Promise<void> {
    await Promise.all(
      runsOf(this.ctx, job).map((r) =>
        bestEffort(
          this.ctx.log,
          what,
          { job: job.id, run: r.runKey, site: r.site },
          withTimeout(r.binding.executor.cancel(r.runKey), this.ctx.opts.executorTimeoutMs, `cancel ${r.runKey}`),
        ),
      ),
    );
  }

  markRunning(job: Job, externalId: string | null): Promise<void> {
    return this.transition(job, 'running', { startedAt: this.ctx.cp.now() }, { externalId });
  }

  markFailed(job: Job, reason: string): Promise<void> {
    return this.transition(job, 'failed', { reason, finishedAt: this.ctx.cp.now() });
  }

  /** The binding of the site that runs the job (its first placement part). */
  binding(job: Job): SiteBinding | undefined {
    const site = job.placement?.[0]?.site;
    return site ? this.ctx.cp.bindings.get(site) : undefined;
  }

  runSpec(job: Job): RunSpec {
    const placement = ((job.placement ?? []) as StoredPart[]).map((p) => ({
      site: p.site,
      gpus: p.gpus,
      ...(p.pod !== undefined && p.domain !== undefined ? { pod: p.pod, domain: p.domain } : {}),
    }));
    const tps = job.plan?.effectiveTokensPerSecond ?? job.plan?.tokensPerSecond;
    return {
      runKey: job.runId!,
      jobId: job.id,
      attempt: job.attempt,
      tenantId: job.tenantId,
      name: job.name,
      model: typeof job.spec.model === 'string' ? job.spec.model : job.spec.model.name,
      siteId: placement[0]?.site ?? '',
      placement,
      gpus: job.gpus ?? 0,
      command: job.spec.command,
      env: { ...job.spec.env, ...datasetEnv(job, placement[0]?.site ?? '') },
      checkpointDir: this.checkpointDir(job, placement[0]?.site ?? ''),
      resumeFrom: job.spec.checkpointable ? job.checkpoint : null,
      checkpointable: job.spec.checkpointable,
      expectedDurationS: job.spec.tokens && tps ? job.spec.tokens / tps : null,
    };
  }

  /**
   * The job's checkpoint folder (a gang's parts get their site's folder under it, see partSpecs). A one-site
   * run resuming a gang's checkpoint (failover) uses its own site's folder: replication made it whole there.
   */
  private checkpointDir(job: Job, site: string): string {
    const jobDir = join(this.ctx.opts.checkpointRoot, job.id);
    const fromGang = job.checkpoint?.path?.startsWith(join(jobDir, 'sites') + sep) ?? false;
    return fromGang && !isGang(this.ctx, job) ? siteCheckpointDir(jobDir, site) : jobDir;
  }

  /** admitted -> starting for a job admitted before a crash, then launch. */
  async begin(job: Job): Promise<void> {
    const attempt = job.attempt + 1;
    try {
      const started = await this.ctx.cp.store.transitionJob({
        jobId: job.id,
        to: 'starting',
        from: ['admitted'],
        expectVersion: job.version,
        patch: { attempt, runId: runKey(job, attempt) },
        at: this.ctx.cp.now(),
      });
      void this.launch(started);
    } catch (err) {
      this.ctx.log.warn({ job: job.id, err: (err as Error).message }, 'admitted job changed meanwhile; not begun');
    }
  }

  /** Launches (or adopts) the run of a `starting` job. */
  async launch(job: Job): Promise<void> {
    if (isGang(this.ctx, job)) return this.gang.launch(job);
    const { cp, log, inflight } = this.ctx;
    const b = this.binding(job);
    if (!b || !job.runId || inflight.has(job.runId)) return;
    inflight.add(job.runId);
    try {
      await stageDatasets(this.ctx, job, [b.siteId]); // a missing replica is copied first: part of the start delay
      const st = await withTimeout(b.executor.start(this.runSpec(job)), 30_000, `start ${job.runId}`);
      this.ctx.launchedHere.add(job.runId);
      if (st.phase === 'running' || st.phase === 'succeeded' || st.phase === 'failed') {
        await this.transition(job, 'running', { startedAt: cp.now() }, { externalId: st.externalId });
      }
      log.info({ job: job.id, run: job.runId, site: b.siteId, phase: st.phase }, 'run launched');
    } catch (err) {
      if (err instanceof LaunchError) {
        await this.transition(job, 'failed', { reason: `launch failed: ${err.message}`, finishedAt: cp.now() });
      } else {
        log.warn({ job: job.id, err: (err as Error).message }, 'launch failed; retried next tick');
      }
    } finally {
      inflight.delete(job.runId);
    }
  }

  /** starting -> running | failed; a job that moved on meanwhile (polled, cancelled) is left as it is. */
  private async transition(
    job: Job,
    to: 'running' | 'failed',
    patch: { startedAt?: number; finishedAt?: number; reason?: string },
    data?: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.ctx.cp.store.transitionJob({
        jobId: job.id,
        to,
        from: ['starting'],
        patch,
        at: this.ctx.cp.now(),
        ...(data ? { data } : {}),
      });
    } catch (err) {
      this.ctx.log.info({ job: job.id, to, err: (err as Error).message }, 'launch transition skipped (job moved on)');
    }
  }

  /** Waits for launches in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.ctx.inflight.size > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
