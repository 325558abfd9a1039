// Fleet history: GET /v1/history, the dashboard's time series of utilization, power, WAN use, grid carbon and
// queue length per site over the last hours. Sampled IN MEMORY by each replica (not in the store: the store's
// schema belongs to the store module), every `sampleMs` (default 15 s) into a ring bounded by `retentionMs`
// (default 6 h: 1,440 samples), so a restart starts an empty history. A sample reads what /v1/telemetry
// reads plus the queued jobs each site could run.
import { z } from 'zod';
import type { HistoryResponse, HistorySample } from '../../../contract/responses.js';
import { parse } from '../../schemas.js';
import { telemetry } from '../../whatif/telemetry.js';
import { doc, principal, type ApiContext } from '../context.js';

export interface HistoryOptions {
  sampleMs: number;
  retentionMs: number;
}
export const DEFAULT_HISTORY: HistoryOptions = { sampleMs: 15_000, retentionMs: 6 * 3_600_000 };

const HistoryQuery = z
  .object({
    hours: z.coerce.number().positive().max(168).optional(),
  })
  .strict();

/** A bounded ring of samples: the oldest drops once `capacity` are held. */
export class SampleRing {
  private readonly items: HistorySample[] = [];
  constructor(readonly capacity: number) {}
  push(s: HistorySample): void {
    this.items.push(s);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }
  since(ms: number): HistorySample[] {
    return this.items.filter((s) => Date.parse(s.at) >= ms);
  }
  get size(): number {
    return this.items.length;
  }
}

async function sample(ctx: ApiContext): Promise<HistorySample> {
  const { cp, store } = ctx;
  const t = await telemetry(cp.fabric, store, ctx.now());
  const queued = await store.listJobs({ states: ['queued'], limit: 10_000, order: 'oldest' });
  const queue = new Map<string, number>();
  // a queued job waits for every site it may run on
  for (const j of queued.jobs) for (const s of cp.eligibleSites(j.spec)) queue.set(s, (queue.get(s) ?? 0) + 1);
  return {
    at: t.at,
    sites: t.sites.map((s) => ({
      id: s.id,
      utilization: s.gpus > 0 ? s.usedGpus / s.gpus : 0,
      usedGpus: s.usedGpus,
      powerDrawMW: s.powerDrawMW,
      carbonGPerKWh: s.carbonGPerKWh,
      queued: queue.get(s.id) ?? 0,
    })),
    wanLinks: t.wanLinks.map((l) => ({ id: l.id, usedGbps: l.usedGbps, utilization: l.utilization })),
  };
}

export function registerHistoryRoutes(ctx: ApiContext, o: Partial<HistoryOptions> = {}): void {
  const opts = { ...DEFAULT_HISTORY, ...o };
  const ring = new SampleRing(Math.max(1, Math.ceil(opts.retentionMs / opts.sampleMs)));
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  const take = async () => {
    if (busy) return; // a slow store: skip a beat rather than pile up samples
    busy = true;
    try {
      ring.push(await sample(ctx));
    } catch (err) {
      ctx.app.log.warn({ err: (err as Error).message }, 'history: sample failed');
    } finally {
      busy = false;
    }
  };
  ctx.app.addHook('onReady', async () => {
    await take();
    timer = setInterval(() => void take(), opts.sampleMs);
    timer.unref();
  });
  ctx.app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });

  ctx.app.get(
    '/v1/history',
    doc('Fleet time series per site and WAN link, sampled in memory by this replica (bounded retention)', [
      'dashboard',
    ]),
    async (req): Promise<HistoryResponse> => {
      principal(req);
      const q = parse(HistoryQuery, req.query);
      const hours = Math.min(q.hours ?? opts.retentionMs / 3_600_000, opts.retentionMs / 3_600_000);
      return {
        sampleS: opts.sampleMs / 1000,
        retentionS: opts.retentionMs / 1000,
        storage: 'memory',
        samples: ring.since(ctx.now() - hours * 3_600_000),
      };
    },
  );
}
