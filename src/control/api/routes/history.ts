// Fleet history: GET /v1/history, the dashboard's time series of utilization, power, WAN use, grid carbon and
// queue length per site over the last hours. Backed by the STORE: the leader takes a sample every `sampleMs`
// (default 15 s) and writes it with the retention (default 6 h, and at most retention / interval rows) enforced
// in the same transaction; any replica reads them, and a restart keeps them. A sample reads what /v1/telemetry
// reads plus the queued jobs each site could run.
import { z } from 'zod';
import type { HistoryResponse, HistorySample } from '../../../contract/responses.js';
import type { HistoryRetention } from '../../store/types.js';
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

async function sample(ctx: ApiContext): Promise<HistorySample> {
  const { cp, store } = ctx;
  const t = await telemetry(cp.fabric, store, ctx.now());
  const queue = new Map<string, number>();
  // the first 10,000 queued jobs in pages of 1,000 with a yield between them: one read of them all
  // blocked the event loop for hundreds of ms under load (issue 13 "Under load")
  let cursor: string | undefined;
  for (let read = 0; read < 10_000;) {
    const page = await store.listJobs({ states: ['queued'], limit: 1_000, order: 'oldest', cursor });
    // a queued job waits for every site it may run on
    for (const j of page.jobs) for (const s of cp.eligibleSites(j.spec)) queue.set(s, (queue.get(s) ?? 0) + 1);
    read += page.jobs.length;
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
    await new Promise<void>((r) => setImmediate(r));
  }
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

/** The retention the store enforces: rows older than retentionMs, and beyond one per interval over it. */
export function historyRetention(o: HistoryOptions): HistoryRetention {
  return { maxAgeMs: o.retentionMs, maxRows: Math.max(1, Math.ceil(o.retentionMs / o.sampleMs)) };
}

/** The leader's sampler: one sample per interval into the store; followers take none (they read the leader's). */
function startSampler(ctx: ApiContext, opts: HistoryOptions): void {
  const keep = historyRetention(opts);
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  const take = async () => {
    if (busy || !ctx.leader.isLeader()) return; // a slow store: skip a beat rather than pile up samples
    busy = true;
    try {
      const s = await sample(ctx);
      await ctx.store.appendHistorySample(Date.parse(s.at), s, keep);
    } catch (err) {
      ctx.app.log.warn({ err: (err as Error).message }, 'history: sample failed');
    } finally {
      busy = false;
    }
  };
  ctx.app.addHook('onReady', async () => {
    timer = setInterval(() => void take(), opts.sampleMs);
    timer.unref();
  });
  ctx.app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });
}

export function registerHistoryRoutes(ctx: ApiContext, o: Partial<HistoryOptions> = {}): void {
  const opts = { ...DEFAULT_HISTORY, ...o };
  const keep = historyRetention(opts);
  startSampler(ctx, opts);
  ctx.app.get(
    '/v1/history',
    doc('Fleet time series per site and WAN link, sampled by the leader into the store (bounded retention)', [
      'dashboard',
    ]),
    async (req): Promise<HistoryResponse> => {
      principal(req);
      const q = parse(HistoryQuery, req.query);
      const hours = Math.min(q.hours ?? opts.retentionMs / 3_600_000, opts.retentionMs / 3_600_000);
      return {
        sampleS: opts.sampleMs / 1000,
        retentionS: opts.retentionMs / 1000,
        storage: 'store',
        samples: await ctx.store.listHistorySamples(ctx.now() - hours * 3_600_000, keep.maxRows),
      };
    },
  );
}
