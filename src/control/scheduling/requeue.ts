// Requeues: active -> preempted -> queued in one batch, keeping the checkpoint only for checkpointable
// jobs (shared by failover, preemption, drains and lost runs).
import type { Checkpoint, Job } from '../domain.js';
import type { Transition } from '../store/types.js';
import type { SchedulerContext } from './context.js';

export interface RequeueOptions {
  /** Drop the plan (and a planned GPU count): a cross-site job that lost a site is planned again. */
  replan?: boolean;
}

/** The two transitions of a requeue. */
export function requeueTransitions(
  job: Job,
  reason: string,
  at: number,
  checkpoint?: Checkpoint | null,
  opts: RequeueOptions = {},
): [Transition, Transition] {
  const keep = job.spec.checkpointable ? (checkpoint ?? job.checkpoint) : null;
  return [
    { jobId: job.id, to: 'preempted', from: [job.state], expectVersion: job.version, patch: { reason }, at },
    {
      jobId: job.id,
      to: 'queued',
      from: ['preempted'],
      patch: {
        placement: null,
        runId: null,
        checkpoint: keep,
        reason: keep ? `${reason}; resumes from step ${keep.step}` : `${reason}; restarts from scratch`,
        // planned again for the sites still up (a plan's GPU count may be what no longer fits)
        ...(opts.replan ? { plan: null, gpus: job.spec.gpus } : {}),
      },
      at,
      data: { resumeStep: keep?.step ?? null },
    },
  ];
}

/** Writes a requeue; false (logged) when the job changed meanwhile. */
export async function requeue(
  ctx: SchedulerContext,
  job: Job,
  reason: string,
  checkpoint?: Checkpoint | null,
  opts: RequeueOptions = {},
): Promise<boolean> {
  const keep = job.spec.checkpointable ? (checkpoint ?? job.checkpoint) : null;
  const r = await ctx.cp.store.transitionMany(requeueTransitions(job, reason, ctx.cp.now(), checkpoint, opts));
  const err = r.find((x) => x instanceof Error);
  if (err) {
    ctx.log.warn({ job: job.id, err: (err as Error).message }, 'requeue skipped');
    return false;
  }
  ctx.log.info({ job: job.id, reason, resumeStep: keep?.step ?? null }, 'job requeued');
  return true;
}
