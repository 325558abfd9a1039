// Carbon- and price-aware: FIFO order with EASY backfill, plus
// - space-shift: among the sites a job may use, prefer the one with the lowest
//   carbonWeight x CI/maxCI + priceWeight x price/maxPrice (values supplied by the caller);
// - time-shift: a flexible job (not inference, with a deadline and a duration) waits for a cleaner
//   hour in the caller's forecast when that hour is at least `minImprovement` cleaner than now and
//   the job can still finish by its deadline (with `deadlineSlack` margin on its duration).
import { eligibleSites, placeGang } from '../placement.js';
import type { ClusterState, JobRequest, SchedulingPolicy, SiteState } from '../types.js';
import { bySubmit } from './common.js';

export interface CarbonAwareOptions {
  carbonWeight?: number;
  priceWeight?: number;
  minImprovement?: number;
  deadlineSlack?: number;
}

export function carbonAwarePolicy(opts: CarbonAwareOptions = {}): SchedulingPolicy {
  const cw = opts.carbonWeight ?? 1;
  const pw = opts.priceWeight ?? 0.5;
  const minImp = opts.minImprovement ?? 0.1;
  const slack = opts.deadlineSlack ?? 1.25;
  // per (state, time, jurisdictions): the eligible sites and the hourly minimum of their forecasts
  let memoState: ClusterState | null = null;
  let memoNow = NaN;
  let memoStatus = '';
  const memo = new Map<string, { sites: SiteState[]; minByHour: number[] } | null>();
  const forecastFor = (
    job: JobRequest,
    state: ClusterState,
    nowS: number,
  ): { sites: SiteState[]; minByHour: number[] } | null => {
    let status = '';
    for (const s of state.sites) status += s.status[0];
    if (state !== memoState || nowS !== memoNow || status !== memoStatus) {
      memo.clear();
      memoState = state;
      memoNow = nowS;
      memoStatus = status;
    }
    const key = job.allowedJurisdictions?.join('|') ?? '*';
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const sites = eligibleSites(job, state).filter(
      (s) => s.carbonForecastGPerKWh && s.carbonForecastGPerKWh.length > 1,
    );
    let out: { sites: SiteState[]; minByHour: number[] } | null = null;
    if (sites.length > 0) {
      const len = Math.max(...sites.map((s) => s.carbonForecastGPerKWh!.length));
      const minByHour = new Array<number>(len).fill(Infinity);
      for (const s of sites) s.carbonForecastGPerKWh!.forEach((v, h) => (minByHour[h] = Math.min(minByHour[h], v)));
      out = { sites, minByHour };
    }
    memo.set(key, out);
    return out;
  };
  return {
    name: 'carbon-aware',
    backfill: true,
    preempts: false,
    orderQueue: (queue) => queue.slice().sort(bySubmit),
    place(job, state) {
      let maxCi = 0;
      let maxP = 0;
      for (const s of state.sites) {
        maxCi = Math.max(maxCi, s.carbonGPerKWh);
        maxP = Math.max(maxP, s.priceUsdPerMWh);
      }
      const siteScore = (s: SiteState): number =>
        (maxCi > 0 ? (cw * s.carbonGPerKWh) / maxCi : 0) + (maxP > 0 ? (pw * s.priceUsdPerMWh) / maxP : 0);
      return placeGang(job, state, { siteScore });
    },
    shouldHold(job: JobRequest, state, nowS) {
      if (job.kind === 'inference' || job.deadlineS === undefined || job.durationS === undefined) return null;
      const latestStart = job.deadlineS - job.durationS * slack;
      if (nowS >= latestStart) return null;
      const f = forecastFor(job, state, nowS);
      if (!f) return null;
      let nowBest = Infinity;
      for (const s of f.sites) if (s.freeGpus >= job.gpus && s.carbonGPerKWh < nowBest) nowBest = s.carbonGPerKWh;
      if (!Number.isFinite(nowBest)) return null; // cannot start now anyway
      let bestH = 0;
      let bestCi = nowBest;
      const maxH = Math.min(f.minByHour.length - 1, Math.floor((latestStart - nowS) / 3600));
      for (let h = 1; h <= maxH; h++) {
        if (f.minByHour[h] < bestCi) {
          bestCi = f.minByHour[h];
          bestH = h;
        }
      }
      if (bestH > 0 && bestCi < nowBest * (1 - minImp)) return { reason: 'time-shift', untilS: nowS + bestH * 3600 };
      return null;
    },
    chooseVictims: () => [],
  };
}
