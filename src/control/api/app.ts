// buildServer: wires the control plane, the scheduler loop, leader election and the HTTP app
// (middleware: timing, auth, rate limit, errors; one routes file per resource; the dashboard's routes).
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Fabric } from '../../fabric/types.js';
import { projectRoot } from '../../data-dir.js';
import { Authenticator } from '../auth.js';
import { ControlPlane, type SiteBinding } from '../control-plane.js';
import { LeaderElector } from '../leader.js';
import { loadPlanner, type PlannerFn } from '../planner.js';
import { Scheduler, type Logger } from '../scheduler.js';
import type { Store } from '../store/types.js';
import { registerWhatIfRoutes } from '../whatif/routes.js';
import type { ApiContext } from './context.js';
import { loggerOptions, type LoggerOption } from './logger.js';
import { documentRoutes } from './openapi.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { registerAuth } from './middleware/auth.js';
import { clientErrorHandler, frameworkErrors, registerErrors } from './middleware/errors.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimits } from './middleware/rate-limit.js';
import { registerTiming } from './middleware/timing.js';
import { TokenUsage } from './token-usage.js';
import { DEFAULT_STREAM_LIMITS, registerEventRoutes, type StreamLimits } from './routes/events.js';
import { registerHistoryRoutes, type HistoryOptions } from './routes/history.js';
import { registerJobLogRoutes } from './routes/job-logs.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerPlanRoutes } from './routes/plans.js';
import { registerInferenceRoutes } from './routes/inference.js';
import { registerServiceRoutes } from './routes/services.js';
import { registerSiteRoutes } from './routes/sites.js';
import { registerTenantRoutes } from './routes/tenants.js';
import { registerUsageRoutes } from './routes/usage.js';

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
  /** How long every part of a cross-site gang may take to be allocated (default 60 s). */
  gangStartTimeoutMs?: number;
  leaseTtlMs?: number;
  replicaId?: string;
  /** Per-token limit, per-tenant overrides, unauthenticated per address (default 1,000/s, burst 2,000 per token). */
  rateLimit?: RateLimits;
  /** Event stream caps (default 4 per token, 256 in all, replay of at most 10,000 events). */
  streamLimits?: Partial<StreamLimits>;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** pino logger options, or false for none (default: info level to stdout). */
  logger?: LoggerOption;
  /** 'auto' (default): use src/planner when it exists. */
  planner?: PlannerFn | null | 'auto';
  /** Folder served at / when it exists (default web/dist). */
  staticDir?: string;
  now?: () => number;
  /** Serve HTTPS with this PEM certificate (chain) and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How often a token's last use is written per token (default 60 s). */
  tokenUseEveryMs?: number;
  /** GET /v1/history sampling by the leader into the store (default every 15 s, kept 6 h). */
  history?: Partial<HistoryOptions>;
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

async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
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
}

async function registerStatic(app: FastifyInstance, dir: string | undefined): Promise<void> {
  const staticDir = dir ?? join(projectRoot(), 'web', 'dist');
  if (existsSync(staticDir)) {
    await app.register(fastifyStatic, { root: staticDir, prefix: '/', wildcard: true });
    return;
  }
  app.get('/', { schema: { hide: true } }, async () => ({
    name: 'superfactory control plane',
    docs: '/docs',
    openapi: '/openapi.json',
    api: '/v1',
  }));
}

/** The fastify app (HTTPS when a certificate is given), before any hook or route. */
function createApp(o: ServerOptions, bodyLimit: number): FastifyInstance {
  const common = {
    logger: loggerOptions(o.logger),
    bodyLimit,
    genReqId: () => randomBytes(6).toString('hex'),
    frameworkErrors,
    clientErrorHandler,
    ajv: { customOptions: { strict: false } },
  };
  // HTTPS when a certificate is given (sites are far apart: nothing sensitive crosses the WAN in clear).
  // The routes use only the request/reply API, the same over both servers.
  return o.tls
    ? (Fastify({ ...common, https: { cert: o.tls.cert, key: o.tls.key } }) as FastifyInstance)
    : Fastify(common);
}

/** The leader's parts: the scheduler and the election (a new term makes the scheduler read everything again). */
function createScheduling(o: ServerOptions, cp: ControlPlane, metrics: ServerMetrics, log: Logger, now: () => number) {
  const scheduler = new Scheduler(cp, {
    policy: o.policy,
    checkpointRoot: o.checkpointRoot ?? resolve('.superfactory', 'checkpoints'),
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    checkpointWaitMs: o.checkpointWaitMs,
    gangStartTimeoutMs: o.gangStartTimeoutMs,
    log,
    onTick: (ms) => metrics.tickSeconds.observe(ms / 1000),
  });
  const leader = new LeaderElector({
    store: o.store,
    replicaId: o.replicaId ?? `replica-${process.pid}-${randomBytes(3).toString('hex')}`,
    ttlMs: o.leaseTtlMs,
    now,
    log,
    onChange: (l) => {
      metrics.leader.set(l ? 1 : 0);
      // a new term: read every unfinished job again (the view then follows the store's change feed)
      scheduler.invalidate();
    },
  });
  return { scheduler, leader };
}

/** Middleware (docs, timing, auth with rate limit and token use, errors); returns the authenticator. */
async function registerMiddleware(
  app: FastifyInstance,
  o: ServerOptions,
  metrics: ServerMetrics,
  log: Logger,
  now: () => number,
  bodyLimit: number,
): Promise<Authenticator> {
  // zod validates bodies (one error format) and JSON.stringify writes answers: the JSON schemas of the
  // routes (openapi.ts) only document the API, they never reject or strip anything.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  documentRoutes(app);
  await registerDocs(app);
  registerTiming(app, metrics);
  // 1 s: how long another replica may still accept a revoked token (this one forgets at once)
  const auth = new Authenticator(o.store, 1000, now);
  const usage = new TokenUsage(o.store, log, now, o.tokenUseEveryMs);
  registerAuth(app, auth, new RateLimiter(o.rateLimit ?? DEFAULT_RATE_LIMIT, now), usage);
  registerErrors(app, bodyLimit);
  return auth;
}

/** One registrar per resource (each routes file adds its own line here). */
function registerRoutes(ctx: ApiContext, o: ServerOptions): void {
  const { app, now } = ctx;
  registerOpsRoutes(ctx);
  registerSiteRoutes(ctx);
  registerJobRoutes(ctx);
  registerJobLogRoutes(ctx);
  registerPlanRoutes(ctx);
  registerInferenceRoutes(ctx);
  registerEventRoutes(ctx, { ...DEFAULT_STREAM_LIMITS, ...o.streamLimits });
  registerTenantRoutes(ctx);
  registerHistoryRoutes(ctx, o.history);
  registerUsageRoutes(ctx);
  registerServiceRoutes(ctx, { runRoot: o.checkpointRoot ?? resolve('.superfactory', 'checkpoints') });
  // dashboard routes (whoami, catalog, telemetry, plan explorer, what-if): read-only, any role
  registerWhatIfRoutes(app, { fabric: o.fabric, store: o.store, now, measured: (job) => ctx.cp.measured(job) });
}

export async function buildServer(o: ServerOptions): Promise<ControlServer> {
  const now = o.now ?? Date.now;
  const planner = o.planner === undefined || o.planner === 'auto' ? await loadPlanner(now) : o.planner;
  const cp = new ControlPlane({ store: o.store, fabric: o.fabric, sites: o.sites, now, planner });
  await cp.init();
  const bodyLimit = o.bodyLimit ?? 64 * 1024;
  const app = createApp(o, bodyLimit);
  const log: Logger = app.log;
  const metrics = createMetrics(o.store, log);
  const { scheduler, leader } = createScheduling(o, cp, metrics, log, now);
  const auth = await registerMiddleware(app, o, metrics, log, now, bodyLimit);
  const ctx: ApiContext = { app, cp, store: o.store, leader, metrics, auth, now, bodyLimit };
  registerRoutes(ctx, o);
  await registerStatic(app, o.staticDir);

  const loop = schedulerLoop(leader, scheduler, o.tickMs ?? 500, log);
  return {
    app,
    cp,
    scheduler,
    leader,
    registry: metrics.registry,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      if (o.schedule !== false) {
        await leader.renew();
        leader.start();
        loop.start();
      }
      const addr = app.server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      return `${o.tls ? 'https' : 'http'}://${host}:${p}`;
    },
    async close() {
      loop.stop();
      await leader.stop();
      await scheduler.idle();
      await app.close();
    },
  };
}

/** The leader's tick every `tickMs` after the previous one ends (ticks never overlap). */
function schedulerLoop(leader: LeaderElector, scheduler: Scheduler, tickMs: number, log: Logger) {
  let timer: NodeJS.Timeout | null = null;
  let stopping = false;
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
    start: () => {
      timer = setTimeout(loop, 0);
    },
    stop: () => {
      stopping = true;
      if (timer) clearTimeout(timer);
    },
  };
}
