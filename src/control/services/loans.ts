// Edge: the loans of training GPUs to services this leader made (lending.ts chooses the job). A loan asks the job to
// suspend at its next checkpoint; once the run poller has suspended it, the replica is started on the freed GPUs
// (its row written under the shared reservation) and only then is the job queued again, so the scheduler cannot
// hand it those GPUs back; when that replica goes (scaled down, replaced, stopped), the job's GPUs come free and
// it resumes from the checkpoint. Each step is in the job's event stream.
import type { Job } from '../domain.js';
import { isLendIntent, lendReason, lentTo, resumeAfterLoanTransition } from '../scheduling/requeue.js';
import type { ServiceRecord } from '../store/services.js';
import type { Logger } from '../scheduler.js';
import type { Store } from '../store/types.js';
import { chooseLender } from './lending.js';
import type { TickBook } from './capacity.js';
import { reservationOf } from './reservation.js';

interface Loan {
  jobId: string;
  serviceId: string;
  serviceName: string;
  site: string;
  /** The replica started on the job's GPUs (null: the job has not reached its checkpoint yet). */
  replicaId: string | null;
}

export interface LoanHooks {
  /** Starts one replica of the service; its id, or null when it could not. */
  startReplica(s: ServiceRecord): Promise<string | null>;
  /** Whether the service still wants one more replica than it runs. */
  wantsReplica(s: ServiceRecord): boolean;
  /** Whether the replica still runs. */
  replicaLive(replicaId: string): boolean;
}

export class Loans {
  private readonly byJob = new Map<string, Loan>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Loans of this service still waiting for their job's checkpoint (each counts as a replica on its way). */
  pending(serviceId: string): number {
    let n = 0;
    for (const l of this.byJob.values()) if (l.serviceId === serviceId && l.replicaId === null) n++;
    return n;
  }

  /**
   * Asks the best lender in `book` to suspend at its next checkpoint for one replica of `s` on `sites` (call under
   * the shared reservation: the book is the one the failed fit read). The reason, or null when no job may be lent.
   */
  async ask(s: ServiceRecord, book: TickBook, sites: readonly string[]): Promise<string | null> {
    const lender = chooseLender(book.book, book.active, sites, s.spec.gpusPerReplica, book.noLending);
    if (!lender) return null;
    const job = lender.job;
    const at = this.now();
    try {
      await this.store.transitionJob({
        jobId: job.id,
        to: 'checkpointing',
        from: ['running'],
        expectVersion: job.version,
        patch: { reason: lendReason(s.name) },
        at,
        data: { intent: 'lend', service: s.id, serviceName: s.name, site: lender.site, gpus: lender.gpus },
      });
    } catch (err) {
      this.log.info({ job: job.id, err: (err as Error).message }, 'lend skipped (the job changed meanwhile)');
      return null;
    }
    this.byJob.set(job.id, { jobId: job.id, serviceId: s.id, serviceName: s.name, site: lender.site, replicaId: null });
    // from its suspension until the replica's row holds them, no other job may take its GPUs
    reservationOf(this.store).loans.set(job.id, {
      id: `loan:${job.id}`,
      site: lender.site,
      tenantId: s.tenantId,
      gpus: s.spec.gpusPerReplica,
      lentBy: job.id,
    });
    this.log.info(
      { job: job.id, service: s.id, site: lender.site },
      `job lent to service ${s.name} at its next checkpoint`,
    );
    return `lending ${lender.gpus} GPU(s) of job ${job.id} on ${lender.site}: it suspends at its next checkpoint`;
  }

  /** One tick: start replicas on the GPUs of jobs suspended for a loan, queue them again, note the loans returned. */
  async advance(services: readonly ServiceRecord[], hooks: LoanHooks): Promise<void> {
    const byId = new Map(services.map((s) => [s.id, s]));
    const suspended = await this.lentJobs();
    for (const job of suspended) {
      const loan = this.byJob.get(job.id);
      const s = loan ? byId.get(loan.serviceId) : undefined;
      let replicaId: string | null = null;
      if (loan && s && hooks.wantsReplica(s)) replicaId = await hooks.startReplica(s);
      // the replica's row holds the GPUs now (or the loan is over): the loan's own hold goes
      reservationOf(this.store).loans.delete(job.id);
      // queued only now: the replica's row holds the GPUs, so the scheduler gives the job other GPUs or waits
      await this.resume(job, loan?.serviceName ?? lentTo(job) ?? 'unknown');
      if (loan && replicaId) loan.replicaId = replicaId;
      else this.byJob.delete(job.id);
    }
    for (const loan of [...this.byJob.values()]) {
      if (loan.replicaId === null) {
        const job = await this.store.getJob(loan.jobId);
        // still waiting for its checkpoint, or suspended for it (handled above next tick); else it moved on
        // (finished, cancelled, or a user's suspend took over)
        if (!job || (!isLendIntent(job) && lentTo(job) === null)) this.drop(loan.jobId);
      } else if (!hooks.replicaLive(loan.replicaId)) await this.returned(loan);
    }
  }

  private drop(jobId: string): void {
    this.byJob.delete(jobId);
    reservationOf(this.store).loans.delete(jobId);
  }

  /** Suspended jobs whose reason says they were lent (a previous leader's too: they are queued again). */
  private async lentJobs(): Promise<Job[]> {
    const page = await this.store.listJobs({ states: ['suspended'], limit: 10_000, order: 'oldest', cursor: null });
    return page.jobs.filter((j) => lentTo(j) !== null);
  }

  private async resume(job: Job, serviceName: string): Promise<void> {
    try {
      await this.store.transitionJob(resumeAfterLoanTransition(job, serviceName, this.now()));
      this.log.info({ job: job.id, resumeStep: job.checkpoint?.step ?? null }, 'lent job queued again');
    } catch (err) {
      this.log.info({ job: job.id, err: (err as Error).message }, 'lent job not queued (it changed meanwhile)');
    }
  }

  private async returned(loan: Loan): Promise<void> {
    this.drop(loan.jobId);
    const job = await this.store.getJob(loan.jobId);
    if (!job) return;
    await this.store.appendEvent({
      at: this.now(),
      type: 'job.loan-returned',
      jobId: job.id,
      tenantId: job.tenantId,
      siteId: loan.site,
      data: { service: loan.serviceId, serviceName: loan.serviceName, replica: loan.replicaId },
    });
    this.log.info({ job: job.id, service: loan.serviceId }, 'GPUs lent to a service returned');
  }
}
