// The HTTP API (fastify): /v1 REST, OpenAPI 3 at /openapi.json, docs at /docs, /healthz, /metrics,
// server-sent events, and the web dashboard from web/dist when it has been built.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import type { Fabric } from '../fabric/types.js';
import { projectRoot } from '../data-dir.js';
import { Authenticator, TokenBuckets, hasRole, issueToken, hashToken, type RateLimit } from './auth.js';
import { ControlPlane, ForbiddenError, type SiteBinding } from './control-plane.js';
import type { InputIssue, Job, JobEvent, Principal, Role } from './domain.js';
import { DomainError, InvalidInputError, JOB_STATES, NotFoundError, ROLES } from './domain.js';
import { LeaderElector } from './leader.js';
import { loadPlanner, type PlannerFn } from './planner.js';
import { Scheduler, type Logger } from './scheduler.js';
import { registerWhatIfRoutes } from './whatif-routes.js';
import { EventsQuery, JURISDICTION, ListJobsQuery, PlanSchema, SubmitJobSchema, isZooModel, parse } from './schemas.js';
import type { Store } from './store/types.js';

export interface ServerOptions {
  store: Store;
  fabric: Fabric;
  sites: SiteBinding[];
  /** Scheduling policy: fifo, priority (default), fair-share, carbon-aware. */
  policy?: string;
  /** Where jobs write checkpoints (default ./.superfactory/checkpoints). */
  checkpointRoot?: string;
  /** Run the scheduler loop (when leader); default true. */
  schedule?: boolean;
  tickMs?: number;
  heartbeatTimeoutMs?: number;
  checkpointWaitMs?: number;
  leaseTtlMs?: number;
  replicaId?: string;
  rateLimit?: RateLimit;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** pino logger options, or false for none (default: info level to stdout). */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
  /** 'auto' (default): use src/planner when it exists. */
  planner?: PlannerFn | null | 'auto';
  /** Folder served at / when it exists (default web/dist). */
  staticDir?: string;
  now?: () => number;
}

export interface ControlServer {
  app: FastifyInstance;
  cp: ControlPlane;
  scheduler: Scheduler;
  leader: LeaderElector;
  registry: Registry;
  /** Listens (port 0: any free port) and starts the leader loop; returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const PUBLIC = [/^\/healthz$/, /^\/metrics$/, /^\/openapi\.json$/, /^\/docs(\/|$)/];

/** Public view of a job. */
export function jobView(j: Job): Record<string, unknown> {
  return {
    id: j.id,
    name: j.name,
    tenant: j.tenantId,
    state: j.state,
    model: j.spec.model,
    gpus: j.gpus,
    tokens: j.spec.tokens,
    priority: j.priority,
    allowedJurisdictions: j.spec.allowedJurisdictions,
    checkpointable: j.spec.checkpointable,
    preemptible: j.spec.preemptible,
    deadline: j.spec.deadline ? new Date(j.spec.deadline).toISOString() : null,
    command: j.spec.command,
    executor: j.spec.executor,
    plan: j.plan,
    placement: j.placement ? j.placement.map((p) => ({ site: p.site, gpus: p.gpus })) : null,
    sites: j.placement ? [...new Set(j.placement.map((p) => p.site))] : [],
    attempt: j.attempt,
    runId: j.runId,
    checkpoint: j.checkpoint,
    reason: j.reason,
    exitCode: j.exitCode,
    createdAt: new Date(j.createdAt).toISOString(),
    updatedAt: new Date(j.updatedAt).toISOString(),
    startedAt: j.startedAt ? new Date(j.startedAt).toISOString() : null,
    finishedAt: j.finishedAt ? new Date(j.finishedAt).toISOString() : null,
  };
}

export function eventView(e: JobEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    type: e.type,
    job: e.jobId,
    tenant: e.tenantId,
    site: e.siteId,
    from: e.from,
    to: e.to,
    data: e.data,
  };
}

function errorsBody(issues: InputIssue[]): { errors: InputIssue[] } {
  return { errors: issues };
}

const TenantBody = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1).max(200).optional(),
    quotaGpus: z.number().int().positive().nullable().optional(),
    allowedJurisdictions: z.array(JURISDICTION).min(1).max(50).nullable().optional(),
  })
  .strict();
const TenantPatch = TenantBody.omit({ id: true });
const TokenBody = z
  .object({ role: z.enum(ROLES as [Role, ...Role[]]), name: z.string().min(1).max(100).optional() })
  .strict();
const IdParam = z.object({ id: z.string().min(1).max(100) });

/** Ensures a system tenant with an admin token; returns the token's secret (the preset one or a new one). */
export async function ensureAdmin(store: Store, preset?: string, at = Date.now()): Promise<string> {
  if (!(await store.getTenant('system'))) {
    await store
      .createTenant({ id: 'system', name: 'Operators', quotaGpus: null, allowedJurisdictions: null, at })
      .catch(() => {});
  }
  if (preset) {
    if (!(await store.findTokenByHash(hashToken(preset))))
      await issueToken(store, 'system', 'admin', 'preset admin', at, preset);
    return preset;
  }
  return issueToken(store, 'system', 'admin', 'admin (generated at start)', at);
}

export async function buildServer(o: ServerOptions): Promise<ControlServer> {
  const now = o.now ?? Date.now;
  const planner = o.planner === undefined || o.planner === 'auto' ? await loadPlanner() : o.planner;
  const cp = new ControlPlane({ store: o.store, fabric: o.fabric, sites: o.sites, now, planner });
  await cp.init();

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'superfactory_' });
  const httpDuration = new Histogram({
    name: 'superfactory_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const submitted = new Counter({
    name: 'superfactory_jobs_submitted_total',
    help: 'Jobs accepted',
    registers: [registry],
  });
  const tickSeconds = new Histogram({
    name: 'superfactory_scheduler_tick_seconds',
    help: 'Duration of one scheduler tick',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const leaderGauge = new Gauge({
    name: 'superfactory_leader',
    help: '1 when this replica is the scheduling leader',
    registers: [registry],
  });
  new Gauge({
    name: 'superfactory_jobs',
    help: 'Jobs by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await cp.store.countJobs().catch(() => ({}) as Record<string, number>);
      for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'superfactory_site_up',
    help: '1 when the site is up',
    labelNames: ['site'],
    registers: [registry],
    async collect() {
      for (const s of await cp.store.listSites().catch(() => [])) this.set({ site: s.id }, s.status === 'up' ? 1 : 0);
    },
  });

  const loggerOpt =
    o.logger === false
      ? false
      : {
          level: (typeof o.logger === 'object' && o.logger.level) || process.env.LOG_LEVEL || 'info',
          ...(typeof o.logger === 'object' && o.logger.stream ? { stream: o.logger.stream } : {}),
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-slurm-user-token"]',
              '*.token',
              '*.secret',
            ],
            censor: '[redacted]',
          },
          serializers: {
            req(req: { method: string; url: string; headers: Record<string, unknown>; ip?: string }) {
              return { method: req.method, url: req.url, headers: { ...req.headers }, ip: req.ip };
            },
          },
        };
  const app = Fastify({
    logger: loggerOpt,
    bodyLimit: o.bodyLimit ?? 64 * 1024,
    genReqId: () => randomBytes(6).toString('hex'),
    ajv: { customOptions: { strict: false } },
  });
  const log: Logger = app.log;
  const scheduler = new Scheduler(cp, {
    policy: o.policy,
    checkpointRoot: o.checkpointRoot ?? resolve('.superfactory', 'checkpoints'),
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    checkpointWaitMs: o.checkpointWaitMs,
    log,
    onTick: (ms) => tickSeconds.observe(ms / 1000),
  });
  const leader = new LeaderElector({
    store: o.store,
    replicaId: o.replicaId ?? `replica-${process.pid}-${randomBytes(3).toString('hex')}`,
    ttlMs: o.leaseTtlMs,
    now,
    log,
    onChange: (l) => {
      leaderGauge.set(l ? 1 : 0);
      // a new term: read every unfinished job again (the view then follows the store's change feed)
      scheduler.invalidate();
    },
  });

  // zod validates bodies (one error format); the JSON schemas below only document the API.
  app.setValidatorCompiler(() => () => true);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Superfactory control plane',
        version: '1',
        description: 'Submit, watch and steer training jobs across GPU sites.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const auth = new Authenticator(o.store, 5000, now);
  const buckets = new TokenBuckets(o.rateLimit ?? { perSecond: 50, burst: 100 }, now);

  app.addHook('onRequest', async (req, reply) => {
    (req as FastifyRequest & { t0?: bigint }).t0 = process.hrtime.bigint();
    const path = req.url.split('?')[0];
    if (!path.startsWith('/v1/') || PUBLIC.some((r) => r.test(path))) return;
    const p = await auth.authenticate(req.headers.authorization);
    if (!p) {
      reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer')
        .send(
          errorsBody([
            {
              path: 'authorization',
              message: 'missing or unknown bearer token',
              hint: 'send Authorization: Bearer <token> (printed at start as "admin token: ...")',
            },
          ]),
        );
      return reply;
    }
    const wait = buckets.take(p.tokenId);
    if (wait > 0) {
      reply
        .code(429)
        .header('Retry-After', String(Math.ceil(wait)))
        .send(
          errorsBody([
            {
              path: 'authorization',
              message: 'rate limit exceeded for this token',
              hint: `retry after ${Math.ceil(wait)} s`,
            },
          ]),
        );
      return reply;
    }
    req.principal = p;
  });
  app.addHook('onResponse', async (req, reply) => {
    const t0 = (req as FastifyRequest & { t0?: bigint }).t0;
    if (t0 === undefined) return;
    const route = req.routeOptions?.url ?? 'unknown';
    httpDuration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      Number(process.hrtime.bigint() - t0) / 1e9,
    );
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; cause?: unknown }, req, reply) => {
    if (err instanceof InvalidInputError) return reply.code(err.status).send(errorsBody(err.issues));
    if (err instanceof DomainError) {
      if (err.status >= 500) req.log.error({ err, cause: err.cause }, err.message);
      const path = err instanceof NotFoundError ? 'id' : err instanceof ForbiddenError ? 'authorization' : err.code;
      const hint =
        err instanceof NotFoundError
          ? 'check the id'
          : err instanceof ForbiddenError
            ? 'use a token of the owning tenant (or an admin token)'
            : err.status === 503
              ? 'retry later'
              : err.status === 409
                ? 'read the object again and retry'
                : 'see the server log';
      return reply.code(err.status).send(errorsBody([{ path, message: err.message, hint }]));
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(
          errorsBody([
            { path: '(body)', message: 'request body too large', hint: `send at most ${o.bodyLimit ?? 65536} bytes` },
          ]),
        );
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send(
          errorsBody([
            { path: '(body)', message: err.message, hint: 'send a JSON body with Content-Type: application/json' },
          ]),
        );
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .code(500)
      .send(errorsBody([{ path: '(server)', message: 'internal error', hint: 'see the server log' }]));
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send(
        errorsBody([{ path: 'url', message: `no route ${req.method} ${req.url.split('?')[0]}`, hint: 'see /docs' }]),
      );
  });

  const principal = (req: FastifyRequest): Principal => req.principal!;
  const need = (req: FastifyRequest, role: Role): Principal => {
    const p = principal(req);
    if (!hasRole(p, role)) throw new ForbiddenError(`needs the ${role} role`);
    return p;
  };
  const id = (req: FastifyRequest) => parse(IdParam, req.params).id;
  const doc = (summary: string, tags: string[], extra: Record<string, unknown> = {}) => ({
    schema: { summary, tags, ...extra },
  });
  const jsonBody = (schema: z.ZodType) => ({ body: z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) });

  app.get('/healthz', doc('Liveness and leadership', ['ops'], { security: [] }), async () => {
    await o.store.schemaVersion();
    return {
      ok: true,
      store: o.store.kind,
      leader: leader.isLeader(),
      replica: leader.replicaId,
      planner: cp.planner !== null,
    };
  });
  app.get('/metrics', doc('Prometheus metrics', ['ops'], { security: [] }), async (_req, reply) => {
    reply.header('Content-Type', registry.contentType);
    return registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/v1/fabric', doc('The fabric: sites, pods, WAN links', ['sites']), async () => o.fabric);
  app.get('/v1/sites', doc('Sites with status, heartbeat, drain, executor and GPUs in use', ['sites']), async () => ({
    sites: await cp.sites(),
  }));
  app.post(
    '/v1/sites/:id/drain',
    doc('Drain a site: no new jobs; running ones move at their next checkpoint (admin)', ['sites']),
    async (req) => {
      need(req, 'admin');
      return { site: await cp.drainSite(id(req), true) };
    },
  );
  app.post('/v1/sites/:id/undrain', doc('Undrain a site (admin)', ['sites']), async (req) => {
    need(req, 'admin');
    return { site: await cp.drainSite(id(req), false) };
  });
  app.post(
    '/v1/sites/:id/heartbeat',
    doc('Heartbeat from a site agent (admin token of the agent)', ['sites']),
    async (req) => {
      need(req, 'admin');
      return { site: await cp.heartbeat(id(req)) };
    },
  );

  app.post(
    '/v1/jobs',
    doc(
      'Submit a job; the tenant comes from the token. Idempotency-Key header makes retries safe.',
      ['jobs'],
      jsonBody(SubmitJobSchema),
    ),
    async (req, reply) => {
      const p = principal(req);
      const body = parse(SubmitJobSchema, req.body ?? {});
      const key = req.headers['idempotency-key'];
      const idem = typeof key === 'string' && key.length > 0 ? key.slice(0, 200) : null;
      const { job, created } = await cp.submitJob(p, body, idem);
      if (created) submitted.inc();
      reply.code(created ? 201 : 200).header('Location', `/v1/jobs/${job.id}`);
      return { job: jobView(job) };
    },
  );
  app.get(
    '/v1/jobs',
    doc('List jobs (filters: tenant, state, site; cursor pagination, newest first)', ['jobs']),
    async (req) => {
      const q = parse(ListJobsQuery, req.query);
      const page = await cp.listJobs(principal(req), q);
      return { jobs: page.jobs.map(jobView), nextCursor: page.nextCursor };
    },
  );
  app.get('/v1/jobs/:id', doc('One job', ['jobs']), async (req) => ({
    job: jobView(await cp.visibleJob(principal(req), id(req))),
  }));
  app.delete('/v1/jobs/:id', doc('Cancel a job', ['jobs']), async (req) => ({
    job: jobView(await cp.cancelJob(principal(req), id(req))),
  }));
  app.post(
    '/v1/jobs/:id/suspend',
    doc('Suspend a job (at its next checkpoint when checkpointable)', ['jobs']),
    async (req) => ({
      job: jobView(await cp.suspendJob(principal(req), id(req))),
    }),
  );
  app.post(
    '/v1/jobs/:id/resume',
    doc('Resume a suspended job (from its latest checkpoint)', ['jobs']),
    async (req) => ({
      job: jobView(await cp.resumeJob(principal(req), id(req))),
    }),
  );
  app.get('/v1/jobs/:id/events', doc('Transitions and other events of one job', ['jobs']), async (req) => {
    const job = await cp.visibleJob(principal(req), id(req));
    return { events: (await o.store.listEvents({ jobId: job.id, limit: 1000 })).map(eventView) };
  });
  app.get('/v1/jobs/:id/logs', doc('Recent log lines of the job’s current run', ['jobs']), async (req, reply) => {
    const job = await cp.visibleJob(principal(req), id(req));
    const b = job.placement?.[0] ? cp.bindings.get(job.placement[0].site) : undefined;
    const text = b?.executor.logs && job.runId ? await b.executor.logs(job.runId).catch(() => '') : '';
    reply.type('text/plain; charset=utf-8');
    return text;
  });

  app.post(
    '/v1/plans',
    doc('Run the planner: ranked plans with placement and speed', ['plans'], jsonBody(PlanSchema)),
    async (req, reply) => {
      principal(req);
      const body = parse(PlanSchema, req.body ?? {});
      if (typeof body.model === 'string' && !isZooModel(body.model)) {
        throw new InvalidInputError(
          [
            {
              path: 'model',
              message: `unknown model ${JSON.stringify(body.model)}`,
              hint: 'use a zoo id such as llama3-70b or an inline model',
            },
          ],
          422,
        );
      }
      if (!cp.planner) {
        reply.code(503);
        return errorsBody([
          {
            path: '(server)',
            message: 'the planner is not available in this build',
            hint: 'retry once src/planner is installed',
          },
        ]);
      }
      try {
        return await cp.planner(
          {
            model: body.model as string,
            gpus: body.gpus,
            tokens: body.tokens,
            sites: body.sites,
            allow: body.allowedJurisdictions,
            top: body.top ?? 5,
          },
          o.fabric,
        );
      } catch (err) {
        const issues = (err as { issues?: InputIssue[] }).issues;
        // The planner names its own option (`allow`); the API client sent `allowedJurisdictions`.
        if (Array.isArray(issues))
          throw new InvalidInputError(
            issues.map((i) => (i.path === 'allow' ? { ...i, path: 'allowedJurisdictions' } : i)),
            422,
          );
        throw new InvalidInputError(
          [{ path: '(body)', message: (err as Error).message, hint: 'check the model, GPU count and sites' }],
          422,
        );
      }
    },
  );

  app.get(
    '/v1/events',
    doc('Events after a sequence number (your tenant’s; all for admins)', ['events']),
    async (req) => {
      const q = parse(EventsQuery, req.query);
      const p = principal(req);
      const events = await o.store.listEvents({
        afterSeq: q.after,
        jobId: q.job,
        tenantId: p.role === 'admin' ? undefined : p.tenantId,
        limit: q.limit ?? 200,
      });
      return { events: events.map(eventView), last: events.length ? events[events.length - 1].seq : (q.after ?? 0) };
    },
  );
  app.get(
    '/v1/events/stream',
    doc('Server-sent events stream (Last-Event-ID or ?after= to resume)', ['events']),
    async (req, reply) => {
      const q = parse(EventsQuery, req.query);
      const p = principal(req);
      const lastId = Number(req.headers['last-event-id']);
      let after: number;
      if (Number.isFinite(lastId) && lastId > 0) after = lastId;
      else if (q.after !== undefined) after = q.after;
      else {
        // no position given: start at the tail (only new events)
        after = 0;
        for (;;) {
          const page = await o.store.listEvents({ afterSeq: after, limit: 10_000 });
          if (page.length === 0) break;
          after = page[page.length - 1].seq;
          if (page.length < 10_000) break;
        }
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(': connected\n\n');
      let closed = false;
      req.raw.on('close', () => (closed = true));
      let lastBeat = Date.now();
      while (!closed) {
        const events = await o.store
          .listEvents({
            afterSeq: after,
            jobId: q.job,
            tenantId: p.role === 'admin' ? undefined : p.tenantId,
            limit: 500,
          })
          .catch(() => [] as JobEvent[]);
        for (const e of events) {
          res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(eventView(e))}\n\n`);
          after = e.seq;
        }
        if (Date.now() - lastBeat > 15_000) {
          res.write(': keep-alive\n\n');
          lastBeat = Date.now();
        }
        if (events.length < 500) await new Promise((r) => setTimeout(r, 200));
      }
      res.end();
    },
  );

  app.get('/v1/tenants', doc('Tenants (admin)', ['tenants']), async (req) => {
    need(req, 'admin');
    return { tenants: await o.store.listTenants() };
  });
  app.post(
    '/v1/tenants',
    doc('Create a tenant with its quota and allowed jurisdictions (admin)', ['tenants'], jsonBody(TenantBody)),
    async (req, reply) => {
      need(req, 'admin');
      const b = parse(TenantBody, req.body ?? {});
      const t = await o.store.createTenant({
        id: b.id,
        name: b.name ?? b.id,
        quotaGpus: b.quotaGpus ?? null,
        allowedJurisdictions: b.allowedJurisdictions ?? null,
        at: now(),
      });
      reply.code(201);
      return { tenant: t };
    },
  );
  app.patch(
    '/v1/tenants/:id',
    doc('Change a tenant’s quota or jurisdictions (admin)', ['tenants'], jsonBody(TenantPatch)),
    async (req) => {
      need(req, 'admin');
      const b = parse(TenantPatch, req.body ?? {});
      const t = await o.store.updateTenant(id(req), {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.quotaGpus !== undefined ? { quotaGpus: b.quotaGpus } : {}),
        ...(b.allowedJurisdictions !== undefined ? { allowedJurisdictions: b.allowedJurisdictions } : {}),
      });
      cp.forgetTenant(t.id);
      return { tenant: t };
    },
  );
  app.post(
    '/v1/tenants/:id/tokens',
    doc('Issue an API token for a tenant; the secret is shown once (admin)', ['tenants'], jsonBody(TokenBody)),
    async (req, reply) => {
      need(req, 'admin');
      const b = parse(TokenBody, req.body ?? {});
      const tenantId = id(req);
      if (!(await o.store.getTenant(tenantId))) throw new NotFoundError('tenant', tenantId);
      const token = await issueToken(o.store, tenantId, b.role, b.name ?? `${b.role} token`, now());
      reply.code(201);
      return { token, tenant: tenantId, role: b.role };
    },
  );

  // dashboard routes (whoami, catalog, telemetry, plan explorer, what-if): read-only, any role
  registerWhatIfRoutes(app, { fabric: o.fabric, store: o.store });

  const staticDir = o.staticDir ?? join(projectRoot(), 'web', 'dist');
  if (existsSync(staticDir)) {
    await app.register(fastifyStatic, { root: staticDir, prefix: '/', wildcard: true });
  } else {
    app.get('/', { schema: { hide: true } }, async () => ({
      name: 'superfactory control plane',
      docs: '/docs',
      openapi: '/openapi.json',
      api: '/v1',
    }));
  }

  let timer: NodeJS.Timeout | null = null;
  let stopping = false;
  const tickMs = o.tickMs ?? 500;
  const loop = async () => {
    if (stopping) return;
    try {
      if (leader.isLeader()) await scheduler.tick();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'scheduler tick failed');
    }
    if (!stopping) timer = setTimeout(loop, tickMs);
  };

  return {
    app,
    cp,
    scheduler,
    leader,
    registry,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      if (o.schedule !== false) {
        await leader.renew();
        leader.start();
        timer = setTimeout(loop, 0);
      }
      const addr = app.server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      return `http://${host}:${p}`;
    },
    async close() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await leader.stop();
      await scheduler.idle();
      await app.close();
    },
  };
}
