// Lending training GPUs to serving (issue 15, "training and serving share sites"). Pure: which running job a service
// may borrow GPUs from when no allowed site has enough free for one more replica. The job is then suspended at its
// next checkpoint (scheduling/requeue.ts has the reasons, the run poller the suspend), so it loses at most the
// steps since that checkpoint, and is queued again to resume from it when the replica gives the GPUs back.
import type { Job } from '../domain.js';
import type { GpuBook } from './gpu-holds.js';

export type LendableJob = Pick<
  Job,
  'id' | 'tenantId' | 'state' | 'spec' | 'priority' | 'placement' | 'checkpoint' | 'startedAt'
>;

/** Why a job may not be lent, or null when it may (`tenantOptedOut`: its tenant keeps all its jobs' GPUs). */
export function lendRefusal(job: LendableJob, tenantOptedOut = false): string | null {
  if (job.state !== 'running') return `it is ${job.state}`;
  if (tenantOptedOut) return 'its tenant opted out (lendToServices: false)';
  if (!job.spec.checkpointable) return 'it does not checkpoint (it would lose its work)';
  if (!job.spec.preemptible) return 'it is not preemptible';
  if (job.spec.lendable === false) return 'it opted out (lendable: false)';
  // proof that it checkpoints, and a bound on what it loses: the wait is for its next one, one interval at most
  if (!job.checkpoint || job.startedAt === null || job.checkpoint.at < job.startedAt)
    return 'it has written no checkpoint in this run yet';
  const sites = new Set((job.placement ?? []).map((p) => p.site));
  if (sites.size !== 1) return 'it is not placed on exactly one site';
  return null;
}

export interface LenderChoice<J extends LendableJob = LendableJob> {
  job: J;
  site: string;
  /** The job's GPUs on that site (all of them come free when it is suspended). */
  gpus: number;
}

/**
 * The job to lend from: on an allowed site where its GPUs and the site's free ones make room for `need`; the lowest
 * priority first, then the one that checkpointed last (least work since), then the fewest GPUs, then the id.
 * Null when no running job may be lent or none frees enough.
 */
export function chooseLender<J extends LendableJob>(
  book: GpuBook,
  jobs: readonly J[],
  sites: readonly string[],
  need: number,
  optedOutTenants: ReadonlySet<string> = new Set(),
): LenderChoice<J> | null {
  const allowed = new Set(sites);
  const out: LenderChoice<J>[] = [];
  for (const job of jobs) {
    if (lendRefusal(job, optedOutTenants.has(job.tenantId)) !== null) continue;
    const site = job.placement![0].site;
    const gpus = job.placement!.reduce((n, p) => n + p.gpus, 0);
    if (!allowed.has(site) || Math.max(0, book.freeBySite.get(site) ?? 0) + gpus < need) continue;
    out.push({ job, site, gpus });
  }
  const lastCheckpoint = (j: LendableJob) => j.checkpoint?.at ?? j.startedAt ?? 0;
  out.sort(
    (a, b) =>
      a.job.priority - b.job.priority ||
      lastCheckpoint(b.job) - lastCheckpoint(a.job) ||
      a.gpus - b.gpus ||
      (a.job.id < b.job.id ? -1 : 1),
  );
  return out[0] ?? null;
}
