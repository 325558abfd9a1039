// Jobs: submit (idempotent with Idempotency-Key), list, show, cancel, suspend, resume, events, logs.
import type { FastifyRequest } from 'fastify';
import type { Job, Principal } from '../../domain.js';
import type { EventView, JobPageResponse, JobResponse } from '../../../contract/responses.js';
import { ListJobsQuery, SubmitJobSchema } from '../../../contract/requests.js';
import { parse } from '../../schemas.js';
import { audit } from '../audit.js';
import { doc, idOf, jsonBody, principal, type ApiContext } from '../context.js';
import { eventView, jobView } from '../views.js';

export function registerJobRoutes(c: ApiContext): void {
  const { app, cp, store, metrics } = c;
  app.post(
    '/v1/jobs',
    doc(
      'Submit a job; the tenant comes from the token. Idempotency-Key header makes retries safe.',
      ['jobs'],
      jsonBody(SubmitJobSchema),
    ),
    async (req, reply): Promise<JobResponse> => {
      const p = principal(req);
      const body = parse(SubmitJobSchema, req.body ?? {});
      const key = req.headers['idempotency-key'];
      const idem = typeof key === 'string' && key.length > 0 ? key.slice(0, 200) : null;
      const { job, created } = await cp.submitJob(p, body, idem);
      if (created) metrics.submitted.inc();
      reply.code(created ? 201 : 200).header('Location', `/v1/jobs/${job.id}`);
      return { job: jobView(job) };
    },
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
      return { job: { ...jobView(job), measured: await cp.measured(job) } };
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
  app.get('/v1/jobs/:id/logs', doc('Recent log lines of the job’s current run', ['jobs']), async (req, reply) => {
    const job = await cp.visibleJob(principal(req), idOf(req));
    const b = job.placement?.[0] ? cp.bindings.get(job.placement[0].site) : undefined;
    let text = '';
    if (b?.executor.logs && job.runId) {
      try {
        text = await b.executor.logs(job.runId);
      } catch (err) {
        // the run's folder may be gone (finished and cleaned, or another replica's): no lines, said in the log
        req.log.warn({ job: job.id, run: job.runId, err: (err as Error).message }, 'cannot read run logs');
      }
    }
    reply.type('text/plain; charset=utf-8');
    return text;
  });
}
