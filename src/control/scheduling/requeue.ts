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

// Lending a job's GPUs to a service (services/lending.ts decides): the job waits for its next checkpoint
// (`checkpointing` with a lend reason), is suspended there by the run poller like a user's suspend, and is queued
// again as soon as the replica holds its GPUs, so it resumes from that checkpoint when they come back.
const LEND_PREFIX = 'lend to service ';
const LENT_PREFIX = 'lent to service ';

/** The reason a running job carries while it waits for the checkpoint at which it is lent. */
export function lendReason(serviceName: string): string {
  return `${LEND_PREFIX}${serviceName}`;
}

/** Whether a checkpointing job waits to be lent to a service. */
export function isLendIntent(job: Pick<Job, 'state' | 'reason'>): boolean {
  return job.state === 'checkpointing' && (job.reason?.startsWith(LEND_PREFIX) ?? false);
}

/** Whether a checkpointing job waits to be suspended (a user's suspend or a loan to a service), not moved. */
export function isSuspendIntent(reason: string | null): boolean {
  return reason === 'suspend' || (reason?.startsWith(LEND_PREFIX) ?? false);
}

/** The reason of the suspended job: at its checkpoint's step, or without one when the wait ran out. */
export function suspendedReason(intent: string | null, step: number | null): string {
  const lent = intent?.startsWith(LEND_PREFIX) ? `${LENT_PREFIX}${intent.slice(LEND_PREFIX.length)}` : null;
  if (step === null) return lent ? `${lent} (no new checkpoint in time)` : 'suspended (no new checkpoint in time)';
  return lent ? `${lent} at step ${step}` : `suspended at step ${step}`;
}

/** The service a suspended job was lent to (from its reason), or null. */
export function lentTo(job: Pick<Job, 'state' | 'reason'>): string | null {
  if (job.state !== 'suspended' || !job.reason?.startsWith(LENT_PREFIX)) return null;
  return job.reason.slice(LENT_PREFIX.length).replace(/ (at step \d+|\(no new checkpoint in time\))$/, '');
}

/** suspended -> queued for a lent job: it keeps its checkpoint and waits for GPUs (its own come back later). */
export function resumeAfterLoanTransition(job: Job, serviceName: string, at: number): Transition {
  const keep = job.spec.checkpointable ? job.checkpoint : null;
  return {
    jobId: job.id,
    to: 'queued',
    from: ['suspended'],
    expectVersion: job.version,
    patch: {
      placement: null,
      runId: null,
      checkpoint: keep,
      reason: `its GPUs are lent to service ${serviceName}; ${keep ? `resumes from step ${keep.step}` : 'restarts from scratch'}`,
    },
    at,
    data: { lentTo: serviceName, resumeStep: keep?.step ?? null },
  };
}
