// Jobs: submit (idempotent with Idempotency-Key), list, show, cancel, suspend, resume, events (logs: job-logs.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Job, Principal } from '../../domain.js';
import type { EventView, JobPageResponse, JobResponse } from '../../../contract/responses.js';
import {
  IDEMPOTENCY_KEY_MAX_CHARS,
  ListJobsQuery,
  SubmitJobSchema,
  type SubmitJobBody,
} from '../../../contract/requests.js';
import { InvalidInputError } from '../../domain.js';
import { parse } from '../../schemas.js';
import { audit } from '../audit.js';
import { doc, idOf, jsonBody, principal, type ApiContext } from '../context.js';
import { eventView, jobView } from '../views.js';
import { jobUsage } from './usage.js';

/** The Idempotency-Key header, whole; a key longer than the limit is refused (cutting it could join two keys). */
function idempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined || header === '') return null;
  if (typeof header !== 'string' || header.length > IDEMPOTENCY_KEY_MAX_CHARS)
    throw new InvalidInputError(
      [
        {
          path: 'idempotency-key',
          message:
            typeof header === 'string'
              ? `the key has ${header.length} characters`
              : 'the header was sent more than once',
          hint: `send one key of at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters (a UUID is 36)`,
        },
      ],
      400,
    );
  return header;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Whether a retried body is the one the job was made from: every field the client sent must match the
 * job as stored (defaults applied: priority 0, checkpointable and preemptible true; jurisdictions
 * compared only when sent, since an absent list takes the tenant's).
 */
function sameSubmission(job: Job, b: SubmitJobBody): boolean {
  const s = job.spec;
  return (
    job.name === b.name &&
    same(s.model, b.model) &&
    s.gpus === (b.gpus ?? null) &&
    s.tokens === (b.tokens ?? null) &&
    s.priority === (b.priority ?? 0) &&
    s.checkpointable === (b.checkpointable ?? true) &&
    s.preemptible === (b.preemptible ?? true) &&
    s.deadline === (b.deadline ? Date.parse(b.deadline) : null) &&
    same(s.command, b.command) &&
    s.executor === (b.executor ?? null) &&
    same(s.env, b.env ?? {}) &&
    same(s.sites, b.sites) &&
    (b.allowedJurisdictions === undefined || same(s.allowedJurisdictions, b.allowedJurisdictions))
  );
}

/** POST /v1/jobs: 201 with the new job, or 200 with the one an earlier try of the same Idempotency-Key made. */
async function submit(c: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<JobResponse> {
  const p = principal(req);
  const body = parse(SubmitJobSchema, req.body ?? {});
  const idem = idempotencyKey(req.headers['idempotency-key']);
  const { job, created } = await c.cp.submitJob(p, body, idem);
  if (!created && !sameSubmission(job, body))
    throw new InvalidInputError(
      [
        {
          path: 'idempotency-key',
          message: `this Idempotency-Key was used for job ${job.id} with a different body`,
          hint: 'use a new key for a different job (the same key only retries the same body)',
        },
      ],
      422,
    );
  if (created) c.metrics.submitted.inc();
  reply.code(created ? 201 : 200).header('Location', `/v1/jobs/${job.id}`);
  return { job: jobView(job) };
}

export function registerJobRoutes(c: ApiContext): void {
  const { app, cp, store } = c;
  app.post(
    '/v1/jobs',
    doc(
      'Submit a job; the tenant comes from the token. Idempotency-Key header makes retries safe.',
      ['jobs'],
      jsonBody(SubmitJobSchema),
    ),
    (req, reply) => submit(c, req, reply),
  );
  app.get(
    '/v1/jobs',
    doc('List jobs (filters: tenant, state, site; cursor pagination, newest first)', ['jobs']),
    async (req): Promise<JobPageResponse> => {
      const q = parse(ListJobsQuery, req.query);
      const page = await cp.listJobs(principal(req), q);
      return { jobs: page.jobs.map(jobView), nextCursor: page.nextCursor };
    },
  );
  app.get(
    '/v1/jobs/:id',
    doc('One job, with what its trainer measured', ['jobs']),
    async (req): Promise<JobResponse> => {
      const job = await cp.visibleJob(principal(req), idOf(req));
      return { job: { ...jobView(job), measured: await cp.measured(job), usage: await jobUsage(c, job) } };
    },
  );
  // An admin's action on a job (an operator's on any tenant's, a tenant admin's on its tenant's) is audited.
  const act =
    (name: 'cancel' | 'suspend' | 'resume', op: (p: Principal, id: string) => Promise<Job>) =>
    async (req: FastifyRequest): Promise<JobResponse> => {
      const p = principal(req);
      const job = await op(p, idOf(req));
      if (p.role === 'admin' || job.tenantId !== p.tenantId)
        await audit(c, req, p, `job.${name}`, { tenant: job.tenantId, job: job.id });
      return { job: jobView(job) };
    };
  app.delete(
    '/v1/jobs/:id',
    doc('Cancel a job', ['jobs']),
    act('cancel', (p, id) => cp.cancelJob(p, id)),
  );
  app.post(
    '/v1/jobs/:id/suspend',
    doc('Suspend a job (at its next checkpoint when checkpointable)', ['jobs']),
    act('suspend', (p, id) => cp.suspendJob(p, id)),
  );
  app.post(
    '/v1/jobs/:id/resume',
    doc('Resume a suspended job (from its latest checkpoint)', ['jobs']),
    act('resume', (p, id) => cp.resumeJob(p, id)),
  );
  app.get(
    '/v1/jobs/:id/events',
    doc('Transitions and other events of one job', ['jobs']),
    async (req): Promise<{ events: EventView[] }> => {
      const job = await cp.visibleJob(principal(req), idOf(req));
      return { events: (await store.listEvents({ jobId: job.id, limit: 1000 })).map(eventView) };
    },
  );
}
