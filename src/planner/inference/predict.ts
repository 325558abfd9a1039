// Predicted p99 TTFT and TPOT a region sees under a routing. A site at utilization u (its replica units over its
// replicas) gives each replica u x c requests/s of region r, where c is the capacity at the full budget; the p99
// TTFT is the smallest TTFT budget at which the serving model still sustains that rate (bisection), plus the RTT.
// TPOT likewise with the TTFT budget held. The serving model's capacity grows with the budget, which makes it exact.
import { capacityAt, type ServingFn, type SiteOption } from './candidates.js';
import { unitsAt, type Assignment } from './units.js';
import type { DemandRegion, RegionLatency, RoutingShare } from './types.js';
import type { ModelSpec } from '../../perf/types.js';
import type { ServingSlo } from '../../perf/serving/types.js';

/** Bisection steps: 12 halvings resolve a 1 s budget to 0.25 ms. */
const BISECTION_STEPS = 12;

export interface PredictInputs {
  model: ModelSpec;
  sites: SiteOption[];
  regions: readonly DemandRegion[];
  slo: ServingSlo;
  serving: ServingFn;
  rtt: (r: number, s: number) => number;
}

/** Smallest x in (0, hi] with ok(x) true, assuming ok is monotone and ok(hi) holds. */
function smallestOk(hi: number, ok: (x: number) => boolean): number {
  let lo = 0;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** p99 TTFT (without RTT) and TPOT of region r at site s when each replica runs at utilization `util`. */
export function replicaP99(inp: PredictInputs, s: number, planIdx: number, r: number, util: number) {
  const site = inp.sites[s];
  const option = site.plans[planIdx];
  const budget = option.budgetMs[r];
  const need = Math.min(1, util) * option.capRps[r];
  const rate = (ttft: number, tpot: number): number =>
    capacityAt(inp.serving, inp.model, site.view, option.plan, inp.regions[r], { ttftP99Ms: ttft, tpotP99Ms: tpot })
      ?.rps ?? 0;
  const ttftMs = smallestOk(budget, (b) => rate(b, inp.slo.tpotP99Ms) >= need * (1 - 1e-9));
  const tpotMs = smallestOk(inp.slo.tpotP99Ms, (t) => rate(budget, t) >= need * (1 - 1e-9));
  return { ttftMs, tpotMs };
}

/** Routing shares of a load matrix (load[s][r] requests/s). */
export function routingOf(load: number[][], inp: PredictInputs): RoutingShare[] {
  const out: RoutingShare[] = [];
  inp.regions.forEach((region, r) => {
    load.forEach((row, s) => {
      if (row[r] <= 1e-9) return;
      const siteId = inp.sites[s].view.site.id;
      out.push({ regionId: region.id, siteId, share: row[r] / region.requestsPerSecond, requestsPerSecond: row[r] });
    });
  });
  return out;
}

/** What each region sees under `load` with the assignment's plans and counts; the worst serving site counts. */
export function latencyOf(load: number[][], a: Assignment, inp: PredictInputs): RegionLatency[] {
  const util = inp.sites.map((site, s) => (a.counts[s] > 0 ? unitsAt(site, a.planIdx[s], load[s]) / a.counts[s] : 0));
  return inp.regions.map((region, r) => {
    let ttft = 0;
    let tpot = 0;
    let rtt = 0;
    load.forEach((row, s) => {
      if (row[r] <= 1e-9) return;
      const p99 = replicaP99(inp, s, a.planIdx[s], r, util[s]);
      ttft = Math.max(ttft, inp.rtt(r, s) + p99.ttftMs);
      tpot = Math.max(tpot, p99.tpotMs);
      rtt = Math.max(rtt, inp.rtt(r, s));
    });
    const meetsSlo = ttft <= inp.slo.ttftP99Ms * (1 + 1e-6) && tpot <= inp.slo.tpotP99Ms * (1 + 1e-6);
    return { regionId: region.id, ttftP99Ms: ttft, tpotP99Ms: tpot, rttMs: rtt, meetsSlo };
  });
}

/** Smallest spare share of capacity at any serving site (1 - utilization). */
export function minHeadroom(load: number[][], a: Assignment, sites: SiteOption[]): number {
  let min = 1;
  sites.forEach((site, s) => {
    if (a.counts[s] > 0 && load[s].some((x) => x > 1e-9))
      min = Math.min(min, 1 - unitsAt(site, a.planIdx[s], load[s]) / a.counts[s]);
  });
  return Math.max(0, min);
}
