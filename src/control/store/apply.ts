// The state-machine step both backends apply inside their transaction.
import type { Job } from '../domain.js';
import { ConflictError, IllegalTransitionError, canTransition } from '../domain.js';
import type { JobPatch, NewEvent, Transition } from './types.js';
import { sitesKey } from './rows.js';

export interface JobUpdate {
  /** Column -> value, already serialized for SQL. */
  columns: Record<string, string | number | null>;
  event: NewEvent & { from: string | null; to: string | null };
}

export function patchColumns(patch: JobPatch): Record<string, string | number | null> {
  const c: Record<string, string | number | null> = {};
  if ('placement' in patch) {
    c.placement = patch.placement ? JSON.stringify(patch.placement) : null;
    c.sites = sitesKey(patch.placement);
  }
  if (patch.attempt !== undefined) c.attempt = patch.attempt;
  if ('runId' in patch) c.run_id = patch.runId ?? null;
  if ('checkpoint' in patch) c.checkpoint = patch.checkpoint ? JSON.stringify(patch.checkpoint) : null;
  if ('reason' in patch) c.reason = patch.reason ?? null;
  if ('exitCode' in patch) c.exit_code = patch.exitCode ?? null;
  if ('plan' in patch) c.plan = patch.plan === undefined || patch.plan === null ? null : JSON.stringify(patch.plan);
  if ('gpus' in patch) c.gpus = patch.gpus ?? null;
  if ('startedAt' in patch) c.started_at = patch.startedAt ?? null;
  if ('finishedAt' in patch) c.finished_at = patch.finishedAt ?? null;
  return c;
}

export function applyTransition(job: Job, t: Transition): JobUpdate {
  if (t.expectVersion !== undefined && job.version !== t.expectVersion) {
    throw new ConflictError(`job ${job.id} changed (version ${job.version}, expected ${t.expectVersion})`);
  }
  if (t.from && !t.from.includes(job.state)) {
    throw new ConflictError(`job ${job.id} is ${job.state}, expected ${t.from.join(' or ')}`);
  }
  if (!canTransition(job.state, t.to)) throw new IllegalTransitionError(job.id, job.state, t.to);
  const columns = patchColumns(t.patch ?? {});
  columns.state = t.to;
  columns.updated_at = t.at;
  columns.version = job.version + 1;
  const site = t.patch?.placement?.[0]?.site ?? job.placement?.[0]?.site ?? null;
  return {
    columns,
    event: {
      at: t.at,
      type: 'job.transition',
      jobId: job.id,
      tenantId: job.tenantId,
      siteId: site,
      from: job.state,
      to: t.to,
      data: {
        ...(t.data ?? {}),
        ...(t.patch?.reason ? { reason: t.patch.reason } : {}),
        // where the GPUs were from here on: cost and energy per job read it back (api/usage.ts)
        ...(t.patch?.placement ? { placement: t.patch.placement } : {}),
        attempt: t.patch?.attempt ?? job.attempt,
      },
    },
  };
}
