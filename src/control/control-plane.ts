// The control plane's operations: what the API may do (submit, cancel, suspend, resume, drain) with
// tenant isolation, quotas and sovereignty enforced here, whatever the client sends. Side effects on
// executors happen only in the scheduler loop run by the leader (scheduler.ts).
import { randomBytes } from 'node:crypto';
import { jurisdictionAllowed } from '../core/jurisdiction.js';
import { isOperator } from './auth.js';
import type { Fabric } from '../fabric/types.js';
import type { InputIssue, Job, JobSpec, Principal, SiteState, Tenant } from './domain.js';
import { ACTIVE_STATES, DomainError, InvalidInputError, NotFoundError, TERMINAL_STATES } from './domain.js';
import type { Executor } from './executors/types.js';
import type { MeasuredView } from '../contract/responses.js';
import { gpuIssues, issue, jobSpecFromBody, noSiteIssue, requestIssues, unknownSiteIssues } from './job-submission.js';
import { datasetIssues } from './scheduling/staging.js';
import { MeasuredReader } from './measured.js';
import type { PlannerFn } from './planner.js';
import type { SubmitJobBody } from './schemas.js';
import type { JobPage, Store } from './store/types.js';

export interface SiteBinding {
  siteId: string;
  executor: Executor;
  /** 'executor': the executor's poll is the heartbeat; 'agent': an agent POSTs /v1/sites/:id/heartbeat. */
  heartbeat: 'executor' | 'agent';
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export interface SiteView extends SiteState {
  name: string;
  jurisdiction: string;
  gpus: number;
  executor: string | null;
  heartbeat: 'executor' | 'agent' | null;
  usedGpus: number;
}

export function newJobId(): string {
  // time-ordered prefix + randomness: readable, unique across replicas
  return `job_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

export class ControlPlane {
  readonly store: Store;
  readonly fabric: Fabric;
  readonly bindings: Map<string, SiteBinding>;
  readonly now: () => number;
  planner: PlannerFn | null;
  private readonly tenantCache = new Map<string, { t: Tenant | null; until: number }>();
  private readonly measuredReader: MeasuredReader;

  constructor(opts: {
    store: Store;
    fabric: Fabric;
    sites: SiteBinding[];
    now?: () => number;
    planner?: PlannerFn | null;
  }) {
    this.store = opts.store;
    this.fabric = opts.fabric;
    this.bindings = new Map(opts.sites.map((s) => [s.siteId, s]));
    this.now = opts.now ?? Date.now;
    this.planner = opts.planner ?? null;
    this.measuredReader = new MeasuredReader(this.store);
    for (const s of opts.sites) {
      if (!this.fabric.sites.some((f) => f.id === s.siteId))
        throw new Error(`site ${s.siteId} is not in fabric ${this.fabric.name}`);
    }
  }

  async init(): Promise<void> {
    const at = this.now();
    for (const s of this.fabric.sites) await this.store.upsertSite(s.id, at);
  }

  /** Tenants change rarely and every submission reads one: cache briefly. */
  async tenant(id: string): Promise<Tenant> {
    const t = this.now();
    const hit = this.tenantCache.get(id);
    if (hit && hit.until > t) {
      if (!hit.t) throw new NotFoundError('tenant', id);
      return hit.t;
    }
    const ten = await this.store.getTenant(id);
    this.tenantCache.set(id, { t: ten, until: t + 2000 });
    if (!ten) throw new NotFoundError('tenant', id);
    return ten;
  }

  forgetTenant(id: string): void {
    this.tenantCache.delete(id);
  }

  /** Sites a job may run on given its spec: bound to an executor that can run it, in an allowed jurisdiction. */
  eligibleSites(spec: Pick<JobSpec, 'executor' | 'command' | 'allowedJurisdictions' | 'sites'>): string[] {
    const out: string[] = [];
    for (const site of this.fabric.sites) {
      const b = this.bindings.get(site.id);
      if (!b) continue;
      if (spec.sites && !spec.sites.includes(site.id)) continue;
      if (spec.executor && b.executor.kind !== spec.executor) continue;
      if (b.executor.needsCommand && !spec.command) continue;
      // a command goes only where it runs: a twin site would accept it and run nothing
      if (spec.command && !b.executor.needsCommand) continue;
      if (!jurisdictionAllowed(spec.allowedJurisdictions, site.jurisdiction)) continue;
      out.push(site.id);
    }
    return out;
  }

  async submitJob(
    p: Principal,
    body: SubmitJobBody,
    idempotencyKey: string | null,
  ): Promise<{ job: Job; created: boolean }> {
    if (p.role === 'viewer') throw new ForbiddenError('viewers cannot submit jobs');
    const tenant = await this.tenant(p.tenantId);
    const { allowed, issues } = requestIssues(body, tenant);
    issues.push(...unknownSiteIssues(body.sites, this.fabric), ...datasetIssues(body.datasets, this.fabric));
    const spec = jobSpecFromBody(body, allowed);
    const sites = this.eligibleSites(spec);
    const commandIssue = this.commandIssue(spec, sites);
    if (commandIssue && issues.length === 0) issues.push(commandIssue);
    else if (sites.length === 0 && issues.length === 0)
      issues.push(noSiteIssue(spec, this.fabric, this.describeSites()));
    issues.push(...gpuIssues(spec, tenant, this.fabric, sites, this.planner !== null));
    if (spec.deadline !== null && spec.deadline <= this.now())
      issues.push(issue('deadline', 'the deadline is in the past', 'give a future date-time'));
    if (issues.length > 0) throw new InvalidInputError(issues, 422);
    return this.store.submitJob({
      id: newJobId(),
      tenantId: tenant.id,
      name: body.name,
      spec,
      gpus: spec.gpus,
      priority: spec.priority,
      idempotencyKey,
      at: this.now(),
    });
  }

  /** A command sent only to sites whose executor simulates jobs (the twin): refused, never accepted and ignored. */
  private commandIssue(spec: JobSpec, sites: readonly string[]): InputIssue | null {
    const simulated = spec.command !== null && sites.length === 0 ? this.eligibleSites({ ...spec, command: null }) : [];
    if (simulated.length === 0) return null;
    const runners = this.fabric.sites.filter((s) => this.bindings.get(s.id)?.executor.needsCommand).map((s) => s.id);
    return issue(
      'command',
      `the sites this job may use (${simulated.map((id) => `${id}: ${this.bindings.get(id)?.executor.kind}`).join(', ')}) simulate jobs and cannot run a command`,
      runners.length > 0
        ? `send it where commands run (sites ${runners.join(', ')}: drop an executor or jurisdictions that exclude them), or leave out command to simulate the job`
        : 'add a site with a local or Slurm executor (superfactory serve --config), or leave out command to simulate the job',
    );
  }

  private describeSites(): string {
    return this.fabric.sites
      .map((s) => `${s.id} (${s.jurisdiction}, ${this.bindings.get(s.id)?.executor.kind ?? 'no executor'})`)
      .join(', ');
  }

  /** A job the principal may see: 404 when missing, 403 when another tenant's (operators see all; tenant admins their own). */
  /** What the job's current attempt measured (its trainer's progress reports), or null. */
  measured(job: Job): Promise<MeasuredView | null> {
    return this.measuredReader.measured(job);
  }

  async visibleJob(p: Principal, id: string): Promise<Job> {
    const job = await this.store.getJob(id);
    if (!job) throw new NotFoundError('job', id);
    if (job.tenantId !== p.tenantId && !isOperator(p)) throw new ForbiddenError(`job ${id} belongs to another tenant`);
    return job;
  }

  async listJobs(
    p: Principal,
    q: { tenant?: string; state?: Job['state'][]; site?: string; cursor?: string; limit?: number },
  ): Promise<JobPage> {
    let tenantId = q.tenant;
    if (!isOperator(p)) {
      if (tenantId && tenantId !== p.tenantId) throw new ForbiddenError('you may list only your own tenant’s jobs');
      tenantId = p.tenantId;
    }
    if (q.site !== undefined && !this.fabric.sites.some((s) => s.id === q.site)) {
      throw new InvalidInputError(
        [
          {
            path: 'site',
            message: `unknown site ${q.site}`,
            hint: `use a site of ${this.fabric.name}: ${this.fabric.sites.map((s) => s.id).join(', ')}`,
          },
        ],
        400,
      );
    }
    return this.store.listJobs({
      tenantId,
      states: q.state,
      site: q.site,
      cursor: q.cursor ?? null,
      limit: q.limit ?? 50,
    });
  }

  private actable(p: Principal, job: Job): void {
    if (p.role === 'viewer') throw new ForbiddenError('viewers cannot change jobs');
    if (job.tenantId !== p.tenantId && !isOperator(p))
      throw new ForbiddenError(`job ${job.id} belongs to another tenant`);
  }

  /** Cancels a job; its run (if any) is stopped by the leader's reconciliation. Idempotent on cancelled jobs. */
  async cancelJob(p: Principal, id: string): Promise<Job> {
    const job = await this.visibleJob(p, id);
    this.actable(p, job);
    if (job.state === 'cancelled') return job;
    if (TERMINAL_STATES.has(job.state))
      throw new InvalidInputError(
        [issue('state', `job is already ${job.state}`, 'only unfinished jobs can be cancelled')],
        422,
      );
    // the token's name (a person or a tool, as its issuer named it), not its id: what an operator reads
    const by = (await this.store.getToken(p.tokenId))?.name ?? p.tokenId;
    return this.store.transitionJob({
      jobId: id,
      to: 'cancelled',
      from: [job.state],
      patch: { reason: `cancelled by ${by}`, finishedAt: this.now() },
      at: this.now(),
    });
  }

  /** Suspends: a checkpointable running job first takes its next checkpoint; others stop now. */
  async suspendJob(p: Principal, id: string): Promise<Job> {
    const job = await this.visibleJob(p, id);
    this.actable(p, job);
    if (job.state === 'suspended') return job;
    if ((job.state === 'running' || job.state === 'checkpointing') && job.spec.checkpointable) {
      if (job.state === 'checkpointing')
        return this.store.updateJob(id, { reason: 'suspend' }, this.now(), 'job.suspend-requested');
      return this.store.transitionJob({
        jobId: id,
        to: 'checkpointing',
        from: ['running'],
        patch: { reason: 'suspend' },
        at: this.now(),
        data: { intent: 'suspend' },
      });
    }
    if (!['queued', 'admitted', 'starting', 'running'].includes(job.state)) {
      throw new InvalidInputError(
        [issue('state', `a ${job.state} job cannot be suspended`, 'suspend a queued or running job')],
        422,
      );
    }
    return this.store.transitionJob({
      jobId: id,
      to: 'suspended',
      from: [job.state],
      patch: { reason: 'suspended by user' },
      at: this.now(),
    });
  }

  async resumeJob(p: Principal, id: string): Promise<Job> {
    const job = await this.visibleJob(p, id);
    this.actable(p, job);
    if (job.state !== 'suspended')
      throw new InvalidInputError(
        [issue('state', `a ${job.state} job cannot be resumed`, 'resume a suspended job')],
        422,
      );
    return this.store.transitionJob({
      jobId: id,
      to: 'queued',
      from: ['suspended'],
      patch: {
        placement: null,
        runId: null,
        reason: 'resumed',
        ...(job.spec.checkpointable ? {} : { checkpoint: null }),
      },
      at: this.now(),
    });
  }

  async sites(): Promise<SiteView[]> {
    const states = new Map((await this.store.listSites()).map((s) => [s.id, s]));
    const active = await this.store.listJobs({ states: [...ACTIVE_STATES], limit: 100_000, order: 'oldest' });
    const used = new Map<string, number>();
    for (const j of active.jobs)
      for (const part of j.placement ?? []) used.set(part.site, (used.get(part.site) ?? 0) + part.gpus);
    return this.fabric.sites.map((s) => {
      const st = states.get(s.id) ?? {
        id: s.id,
        status: 'unknown' as const,
        drained: false,
        lastHeartbeatAt: null,
        updatedAt: 0,
      };
      const b = this.bindings.get(s.id);
      return {
        ...st,
        name: s.name,
        jurisdiction: s.jurisdiction,
        gpus: s.gpus,
        executor: b?.executor.kind ?? null,
        heartbeat: b?.heartbeat ?? null,
        usedGpus: used.get(s.id) ?? 0,
      };
    });
  }

  private siteExists(id: string): void {
    if (!this.fabric.sites.some((s) => s.id === id)) throw new NotFoundError('site', id);
  }

  async drainSite(id: string, drained: boolean): Promise<SiteState> {
    this.siteExists(id);
    const at = this.now();
    const s = await this.store.setSiteDrained(id, drained, at);
    await this.store.appendEvent({ at, type: drained ? 'site.drain' : 'site.undrain', siteId: id });
    return s;
  }

  async heartbeat(id: string): Promise<SiteState> {
    this.siteExists(id);
    const b = this.bindings.get(id);
    if (b && b.heartbeat !== 'agent')
      throw new InvalidInputError(
        [issue('site', `site ${id} heartbeats through its executor`, 'configure heartbeat: agent for this site')],
        422,
      );
    return this.store.recordHeartbeat(id, this.now());
  }
}
