// What a running job measured, from its trainer's progress reports (`job.progress` events, one per run
// per new step, written by the leader's run poller): per site and for the gang, next to the plan's
// prediction of WAN bytes per step (each site sends wanGbpsUsed x step time; src/planner).
import type { MeasuredSiteView, MeasuredView } from '../contract/responses.js';
import type { Job } from './domain.js';
import type { Store } from './store/types.js';

const PAGE = 1000;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** The plan's WAN bytes per step, per site (hierarchical DP: the gradient exchange; DiLoCo: the outer sync / H). */
export function predictedWanBytesPerStep(job: Pick<Job, 'plan'>): number | null {
  const p = job.plan;
  if (!p || p.error !== undefined) return null;
  // the perf model's bytes (DiLoCo: outer-sync ring bytes / H, filled by the planner); older plans lack them
  const bytes = (p as { breakdown?: { wanBytesPerStep?: number } }).breakdown?.wanBytesPerStep;
  if (typeof bytes === 'number' && bytes > 0) return bytes;
  return (p.wanGbpsUsed * 1e9 * p.stepTimeSeconds) / 8;
}

/** Reads progress events incrementally (the last sequence number seen per job is kept). */
export class MeasuredReader {
  private readonly seen = new Map<string, { after: number; sites: Map<string, MeasuredSiteView> }>();

  constructor(private readonly store: Store) {}

  async measured(job: Job): Promise<MeasuredView | null> {
    let e = this.seen.get(job.id);
    if (!e) this.seen.set(job.id, (e = { after: 0, sites: new Map() }));
    for (let page = 0; page < 100; page++) {
      const evs = await this.store.listEvents({ jobId: job.id, afterSeq: e.after, limit: PAGE });
      for (const ev of evs) {
        e.after = Math.max(e.after, ev.seq);
        if (ev.type !== 'job.progress' || !ev.data) continue;
        const d = ev.data;
        const site = typeof d.site === 'string' ? d.site : (ev.siteId ?? '');
        e.sites.set(site, {
          site,
          attempt: num(d.attempt) ?? 0,
          step: num(d.step) ?? 0,
          loss: num(d.loss),
          stepTimeSeconds: num(d.stepTimeSeconds),
          tokensPerSecond: num(d.tokensPerSecond),
          wanBytesPerStep: num(d.wanBytesPerStep),
          wanCounted: d.wanCounted === 'link' ? 'link' : 'payload',
          at: ev.at,
        });
      }
      if (evs.length < PAGE) break;
    }
    const sites = [...e.sites.values()].filter((s) => s.attempt === job.attempt);
    if (sites.length === 0) return null;
    const times = sites.map((s) => s.stepTimeSeconds).filter((x): x is number => x !== null);
    return {
      attempt: job.attempt,
      step: Math.min(...sites.map((s) => s.step)),
      loss: mean(sites.map((s) => s.loss)),
      // the gang moves at its slowest part
      stepTimeSeconds: times.length ? Math.max(...times) : null,
      tokensPerSecond: mean(sites.map((s) => s.tokensPerSecond)),
      wanBytesPerStep: sites.length > 1 ? mean(sites.map((s) => s.wanBytesPerStep)) : null,
      wanCounted: sites.every((s) => s.wanCounted === 'link') ? 'link' : 'payload',
      predictedWanBytesPerStep: predictedWanBytesPerStep(job),
      sites,
    };
  }
}
