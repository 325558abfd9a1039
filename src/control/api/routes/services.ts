// Live services (issue 15): create, list, show, scale (PATCH), delete, metrics, recent requests, and the router
// (POST /v1/services/:id/generate streams tokens from the chosen replica). The leader's service manager runs the
// replicas; it starts with the server and stops its replicas when the server closes.
import type { z } from 'zod';
import { Gauge } from 'prom-client';
import {
  CreateServiceSchema,
  GenerateSchema,
  ScaleServiceSchema,
  ServiceRequestsQuery,
  serviceIssues,
  type ServiceListResponse,
  type ServiceMetricsView,
  type ServiceRequestsResponse,
  type ServiceResponse,
} from '../../../contract/services.js';
import { InvalidInputError } from '../../domain.js';
import type { ServiceRecord } from '../../store/services.js';
import { ServiceManager } from '../../services/manager.js';
import { ServiceRouter } from '../../services/proxy.js';
import { ServiceOps } from '../../services/service-ops.js';
import { requestView } from '../../services/stats.js';
import { audit } from '../audit.js';
import { doc, idOf, jsonBody, principal, type ApiContext } from '../context.js';

function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidInputError(serviceIssues(r.error), 400);
  return r.data;
}

export interface ServiceRouteOptions {
  /** Folder replicas run in (under the checkpoint root). */
  runRoot: string;
  tickMs?: number;
}

export function registerServiceRoutes(c: ApiContext, o: ServiceRouteOptions): ServiceManager {
  const { app, cp } = c;
  const manager = new ServiceManager({
    store: c.store,
    fabric: cp.fabric,
    bindings: cp.bindings,
    isLeader: () => c.leader.isLeader(),
    now: c.now,
    log: app.log,
    runRoot: o.runRoot,
    tickMs: o.tickMs,
  });
  const ops = new ServiceOps(cp, manager);
  const router = new ServiceRouter(manager, cp.fabric, c.now);
  app.addHook('onReady', async () => manager.start());
  app.addHook('onClose', async () => manager.close());
  registerServiceMetrics(c, manager, ops);
  registerCrud(c, ops);
  registerData(c, ops, manager, router);
  return manager;
}

/** Create, list, show, scale, delete: the service objects (tenant-scoped, audited changes). */
function registerCrud(c: ApiContext, ops: ServiceOps): void {
  const { app } = c;
  app.post(
    '/v1/services',
    doc(
      'Create a service: replicas of a model on the allowed sites, autoscaled within min..max',
      ['services'],
      jsonBody(CreateServiceSchema),
    ),
    async (req, reply): Promise<ServiceResponse> => {
      const p = principal(req);
      const s = await ops.create(p, parseBody(CreateServiceSchema, req.body ?? {}));
      await audit(c, req, p, 'service.create', { tenant: s.tenantId }, { service: s.id, name: s.name });
      reply.code(201).header('Location', `/v1/services/${s.id}`);
      return { service: ops.view(s) };
    },
  );
  app.get(
    '/v1/services',
    doc('List services (your tenant’s; operators: all, or ?tenant=)', ['services']),
    async (req): Promise<ServiceListResponse> => {
      const tenant = (req.query as { tenant?: unknown }).tenant;
      const list = await ops.list(principal(req), typeof tenant === 'string' && tenant ? tenant : undefined);
      return { services: list.map((s) => ops.view(s)) };
    },
  );
  app.get(
    '/v1/services/:id',
    doc('One service with its replicas and metrics', ['services']),
    async (req): Promise<ServiceResponse> => ({
      service: ops.view(await ops.visible(principal(req), idOf(req))),
    }),
  );
  app.patch(
    '/v1/services/:id',
    doc('Scale: new minReplicas / maxReplicas', ['services'], jsonBody(ScaleServiceSchema)),
    async (req): Promise<ServiceResponse> => {
      const p = principal(req);
      const s = await ops.scale(p, idOf(req), parseBody(ScaleServiceSchema, req.body ?? {}));
      await audit(
        c,
        req,
        p,
        'service.scale',
        { tenant: s.tenantId },
        { service: s.id, min: s.minReplicas, max: s.maxReplicas },
      );
      return { service: ops.view(s) };
    },
  );
  app.delete(
    '/v1/services/:id',
    doc('Delete a service (its replicas stop)', ['services']),
    async (req): Promise<ServiceResponse> => {
      const p = principal(req);
      const s = await ops.remove(p, idOf(req));
      await audit(c, req, p, 'service.delete', { tenant: s.tenantId }, { service: s.id, name: s.name });
      return { service: ops.view(s) };
    },
  );
}

/** Metrics, recent requests and the router. */
function registerData(c: ApiContext, ops: ServiceOps, manager: ServiceManager, router: ServiceRouter): void {
  const { app } = c;
  app.get(
    '/v1/services/:id/metrics',
    doc('Request rate, TTFT/TPOT p50/p99, SLO attainment (last 60 s)', ['services']),
    async (req): Promise<{ metrics: ServiceMetricsView }> => ({
      metrics: ops.metrics(await ops.visible(principal(req), idOf(req))),
    }),
  );
  app.get(
    '/v1/services/:id/requests',
    doc('The newest routed requests, newest first', ['services']),
    async (req): Promise<ServiceRequestsResponse> => {
      const s = await ops.visible(principal(req), idOf(req));
      const q = parseBody(ServiceRequestsQuery, req.query ?? {});
      const all = manager.state(s.id).log.all();
      return {
        requests: all
          .slice(-(q.limit ?? 100))
          .reverse()
          .map(requestView),
      };
    },
  );
  app.post(
    '/v1/services/:id/generate',
    doc(
      'Generate: routed to the lowest-latency healthy replica; streams application/x-ndjson token lines',
      ['services'],
      jsonBody(GenerateSchema),
    ),
    async (req, reply) => {
      const s = await ops.routable(principal(req), idOf(req));
      const { stream, replica } = await router.route(s, parseBody(GenerateSchema, req.body ?? {}));
      reply
        .type('application/x-ndjson')
        .header('x-superfactory-replica', replica.id)
        .header('x-superfactory-site', replica.site);
      return reply.send(stream);
    },
  );
}

/** /metrics lines per service: requests, rate, TTFT/TPOT quantiles, SLO attainment, replicas by state. */
function registerServiceMetrics(c: ApiContext, manager: ServiceManager, ops: ServiceOps): void {
  type Labels = Record<string, string>;
  type Sample = [Labels, number];
  // one read of the services per scrape, shared by the gauges (the registry collects them concurrently)
  let snap: { at: number; p: Promise<ServiceRecord[]> } | null = null;
  const services = () => {
    if (!snap || c.now() - snap.at > 250) snap = { at: c.now(), p: c.store.listServices() };
    return snap.p;
  };
  const gauge = (name: string, help: string, extra: string[], values: (s: ServiceRecord) => Sample[]) =>
    new Gauge({
      name,
      help,
      labelNames: ['service', 'name', ...extra],
      registers: [c.metrics.registry],
      async collect() {
        this.reset();
        for (const s of await services())
          for (const [l, v] of values(s)) this.set({ service: s.id, name: s.name, ...l }, v);
      },
    });
  const quantiles = (p50: number | null, p99: number | null): Sample[] => [
    ...(p50 === null ? [] : [[{ quantile: '0.5' }, p50] as Sample]),
    ...(p99 === null ? [] : [[{ quantile: '0.99' }, p99] as Sample]),
  ];
  gauge('superfactory_service_requests_total', 'Requests routed (since this replica started)', [], (s) => [
    [{}, manager.state(s.id).log.total],
  ]);
  gauge('superfactory_service_requests_per_second', 'Requests per second over the last 60 s', [], (s) => [
    [{}, ops.metrics(s).requestsPerSecond],
  ]);
  gauge(
    'superfactory_service_ttft_ms',
    'Router-measured time to first token over the last 60 s, ms',
    ['quantile'],
    (s) => {
      const m = ops.metrics(s);
      return quantiles(m.ttftP50Ms, m.ttftP99Ms);
    },
  );
  gauge(
    'superfactory_service_tpot_ms',
    'Router-measured time per output token over the last 60 s, ms',
    ['quantile'],
    (s) => {
      const m = ops.metrics(s);
      return quantiles(m.tpotP50Ms, m.tpotP99Ms);
    },
  );
  gauge('superfactory_service_slo_attainment', 'Share of requests within the SLO over the last 60 s', [], (s) => {
    const a = ops.metrics(s).sloAttainment;
    return a === null ? [] : [[{}, a]];
  });
  gauge('superfactory_service_replicas', 'Replicas by state', ['state'], (s) => {
    const rs = [...manager.state(s.id).replicas.values()];
    return (['starting', 'healthy', 'unhealthy', 'stopping'] as const).map((state) => [
      { state },
      rs.filter((r) => r.state === state).length,
    ]);
  });
}
