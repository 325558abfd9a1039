// Edge: which sites can take replicas this tick: the store's site status (down, drained) and each executor's
// heartbeat within the health timeout; the reason in words for each one that cannot (null: it can).
import type { SiteBinding } from '../control-plane.js';
import { withTimeout } from '../scheduling/context.js';
import type { Store } from '../store/types.js';

export async function siteAvailability(
  store: Store,
  bindings: ReadonlyMap<string, SiteBinding>,
  timeoutMs: number,
): Promise<Map<string, string | null>> {
  const states = new Map((await store.listSites()).map((s) => [s.id, s]));
  const out = new Map<string, string | null>();
  await Promise.all(
    [...bindings.values()].map(async (b) => {
      const st = states.get(b.siteId);
      if (st?.status === 'down') return out.set(b.siteId, `site ${b.siteId} is down`);
      if (st?.drained) return out.set(b.siteId, `site ${b.siteId} is drained`);
      try {
        await withTimeout(b.executor.heartbeat(), timeoutMs, 'heartbeat');
        out.set(b.siteId, null);
      } catch (err) {
        out.set(b.siteId, `site ${b.siteId}: executor unreachable (${(err as Error).message})`);
      }
    }),
  );
  return out;
}
