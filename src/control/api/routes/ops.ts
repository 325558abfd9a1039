// Operations: liveness, readiness and leadership, Prometheus metrics, the OpenAPI document. No token needed.
// /livez: the process answers. /healthz (also /readyz): the store is the one opened and takes a write
// (a deleted store file, a full disk or a lost database make it 503, so a balancer stops sending traffic).
import type { Health } from '../../../contract/responses.js';
import { doc, type ApiContext } from '../context.js';

export function registerOpsRoutes(c: ApiContext): void {
  const { app, store, leader, cp, metrics } = c;
  app.get('/livez', doc('Liveness: the process answers', ['ops'], { security: [] }), async () => ({ ok: true }));
  const readiness = async (_req: unknown, reply: { code: (n: number) => unknown }): Promise<Health> => {
    const base = {
      store: store.kind,
      leader: leader.isLeader(),
      replica: leader.replicaId,
      planner: cp.planner !== null,
    };
    try {
      await store.ready();
      return { ok: true, ...base };
    } catch (err) {
      reply.code(503);
      return {
        ok: false,
        ...base,
        errors: [
          {
            path: 'store',
            message: (err as Error).message,
            hint: 'see the server log; restore the store or free disk space',
          },
        ],
      };
    }
  };
  app.get('/healthz', doc('Readiness: the store takes writes; leadership', ['ops'], { security: [] }), readiness);
  app.get('/readyz', doc('Readiness (same as /healthz)', ['ops'], { security: [] }), readiness);
  app.get('/metrics', doc('Prometheus metrics', ['ops'], { security: [] }), async (_req, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
