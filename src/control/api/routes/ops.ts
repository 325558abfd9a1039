// Operations: liveness and leadership, Prometheus metrics, the OpenAPI document. No token needed.
import type { Health } from '../../../contract/responses.js';
import { doc, type ApiContext } from '../context.js';

export function registerOpsRoutes(c: ApiContext): void {
  const { app, store, leader, cp, metrics } = c;
  app.get('/healthz', doc('Liveness and leadership', ['ops'], { security: [] }), async (): Promise<Health> => {
    await store.schemaVersion();
    return {
      ok: true,
      store: store.kind,
      leader: leader.isLeader(),
      replica: leader.replicaId,
      planner: cp.planner !== null,
    };
  });
  app.get('/metrics', doc('Prometheus metrics', ['ops'], { security: [] }), async (_req, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
