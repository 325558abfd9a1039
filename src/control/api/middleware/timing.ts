// Request timing: every request's latency in the superfactory_http_request_duration_seconds histogram,
// labelled by route pattern (not URL, so ids do not explode the label set).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerMetrics } from '../metrics.js';

type Timed = FastifyRequest & { t0?: bigint };

export function registerTiming(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onRequest', async (req) => {
    (req as Timed).t0 = process.hrtime.bigint();
  });
  app.addHook('onResponse', async (req, reply) => {
    const t0 = (req as Timed).t0;
    if (t0 === undefined) return;
    const route = req.routeOptions?.url ?? 'unknown';
    metrics.httpDuration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      Number(process.hrtime.bigint() - t0) / 1e9,
    );
  });
}
