// The placement search: a documented greedy (no ILP). Load is counted in replica units: region r's x requests/s at a
// site whose plan serves r at c requests/s per replica occupy x / c replicas (a linear share of the replica's time),
// and a site needs ceil(sum of its units) replicas. Steps:
//  1. primary: regions by demand (largest first) fill sites in order of objective price per request/s (GPU-hour price
//     x GPUs per replica / capacity; ties: lower RTT); a site's plan is fixed by the first region it takes, and a site
//     holds at most floor(its GPUs / GPUs per replica) replicas;
//  2. refine: each used site re-picks the plan with the least price for the traffic it took (whole replicas);
//  3. N+1: for each used site in turn (most loaded first), its traffic moves to the spare units of the others (lowest
//     RTT first), then to new replicas at the cheapest site that can serve it; replicas only grow, so a case met
//     stays met. Tested against a brute-force oracle (search.test.ts).
import { PlannerInputError } from '../defaults.js';
import type { SiteOption } from './candidates.js';

/** Load below this (requests/s or replica units) is rounding noise. */
const EPS = 1e-9;

export interface Assignment {
  /** Plan index per site (into SiteOption.plans), -1: no replicas there. */
  planIdx: number[];
  /** load[s][r]: requests/s of region r served at site s. */
  load: number[][];
  counts: number[];
}

export function unitsAt(site: SiteOption, planIdx: number, row: readonly number[]): number {
  if (planIdx < 0) return 0;
  const cap = site.plans[planIdx].capRps;
  let u = 0;
  for (let r = 0; r < row.length; r++) if (row[r] > EPS) u += cap[r] > 0 ? row[r] / cap[r] : Infinity;
  return u;
}

/** Replicas of `planIdx` a site can hold. */
export function maxReplicas(site: SiteOption, planIdx: number): number {
  return Math.floor(site.gpus / site.plans[planIdx].gpus);
}

/** Objective price per request/s of region r at a site with a given plan (Infinity: cannot serve). */
export function pricePerRps(site: SiteOption, planIdx: number, r: number): number {
  const p = site.plans[planIdx];
  return p.capRps[r] > 0 ? (site.unit * p.gpus) / p.capRps[r] : Infinity;
}

/** The plan serving region r at least price per request/s (-1 if none). */
export function bestPlanFor(site: SiteOption, r: number): number {
  let best = -1;
  for (let p = 0; p < site.plans.length; p++)
    if (pricePerRps(site, p, r) < (best < 0 ? Infinity : pricePerRps(site, best, r))) best = p;
  return best;
}

function noCapacity(r: number, regionId: string, left: number, demand: number): PlannerInputError {
  return new PlannerInputError([
    {
      path: `demand.regions[${r}].requestsPerSecond`,
      message: `${regionId}: ${left.toFixed(2)} of ${demand} requests/s find no site with room within the SLO`,
      hint: 'lower the demand, relax --ttft-p99-ms/--tpot-p99-ms, allow more jurisdictions, or add GPUs near the region',
    },
  ]);
}

/** Site order for region r: by price per request/s under the site's plan (its fixed one, else its best for r). */
function siteOrder(sites: SiteOption[], planIdx: number[], r: number, rtt: (s: number) => number): number[] {
  const price = (s: number): number => {
    const p = planIdx[s] >= 0 ? planIdx[s] : bestPlanFor(sites[s], r);
    return p < 0 ? Infinity : pricePerRps(sites[s], p, r);
  };
  const order = sites.map((_, s) => s).filter((s) => Number.isFinite(price(s)));
  return order.sort((a, b) => price(a) - price(b) || rtt(a) - rtt(b) || a - b);
}

/** Step 1 and 2: the primary routing and each used site's plan. */
export function primaryAssignment(
  sites: SiteOption[],
  demand: readonly number[],
  regionIds: readonly string[],
  rtt: (r: number, s: number) => number,
): Assignment {
  const planIdx = sites.map(() => -1);
  const load = sites.map(() => demand.map(() => 0));
  const regions = demand.map((_, r) => r).sort((a, b) => demand[b] - demand[a] || a - b);
  for (const r of regions) {
    let left = demand[r];
    for (const s of siteOrder(sites, planIdx, r, (x) => rtt(r, x))) {
      if (left <= EPS) break;
      const p = planIdx[s] >= 0 ? planIdx[s] : bestPlanFor(sites[s], r);
      const free = maxReplicas(sites[s], p) - unitsAt(sites[s], p, load[s]);
      const take = Math.min(left, Math.max(0, free) * sites[s].plans[p].capRps[r]);
      if (take <= EPS) continue;
      planIdx[s] = p;
      load[s][r] += take;
      left -= take;
    }
    if (left > EPS * Math.max(1, demand[r])) throw noCapacity(r, regionIds[r], left, demand[r]);
  }
  refinePlans(sites, planIdx, load);
  return { planIdx, load, counts: sites.map((site, s) => Math.ceil(unitsAt(site, planIdx[s], load[s]) - EPS)) };
}

/** Step 2: a used site switches to the plan that serves its traffic at least price in whole replicas. */
function refinePlans(sites: SiteOption[], planIdx: number[], load: number[][]): void {
  sites.forEach((site, s) => {
    if (planIdx[s] < 0) return;
    const price = (p: number): number => {
      const n = Math.ceil(unitsAt(site, p, load[s]) - EPS);
      return n <= maxReplicas(site, p) ? n * site.plans[p].gpus * site.unit : Infinity;
    };
    for (let p = 0; p < site.plans.length; p++) if (price(p) < price(planIdx[s])) planIdx[s] = p;
  });
}

/**
 * Routing with site `lost` gone: the other sites keep their primary traffic; the lost site's moves to spare units
 * (lowest RTT first) and, when `grow`, to new replicas at the cheapest site that can take it (mutating `a`).
 * Returns the load matrix, or undefined when the traffic cannot all be placed.
 */
export function failoverLoad(
  sites: SiteOption[],
  a: Assignment,
  lost: number,
  rtt: (r: number, s: number) => number,
  grow: boolean,
): number[][] | undefined {
  const load = a.load.map((row, s) => (s === lost ? row.map(() => 0) : row.slice()));
  const others = sites.map((_, s) => s).filter((s) => s !== lost);
  for (let r = 0; r < a.load[lost].length; r++) {
    let left = a.load[lost][r];
    if (left <= EPS) continue;
    const spareOrder = others
      .filter((s) => a.planIdx[s] >= 0 && sites[s].plans[a.planIdx[s]].capRps[r] > 0)
      .sort((x, y) => rtt(r, x) - rtt(r, y) || x - y);
    for (const s of spareOrder) {
      const spare = a.counts[s] - unitsAt(sites[s], a.planIdx[s], load[s]);
      const take = Math.min(left, Math.max(0, spare) * sites[s].plans[a.planIdx[s]].capRps[r]);
      load[s][r] += take;
      left -= take;
    }
    if (left > EPS && grow) left = growFor(sites, a, load, r, left, lost, rtt);
    if (left > EPS * Math.max(1, a.load[lost][r])) return undefined;
  }
  return load;
}

/** Adds replicas for region r's `left` requests/s at the cheapest sites (not `lost`); returns what stays unplaced. */
function growFor(
  sites: SiteOption[],
  a: Assignment,
  load: number[][],
  r: number,
  left: number,
  lost: number,
  rtt: (r: number, s: number) => number,
): number {
  for (const s of siteOrder(sites, a.planIdx, r, (x) => rtt(r, x))) {
    if (s === lost || left <= EPS) continue;
    const p = a.planIdx[s] >= 0 ? a.planIdx[s] : bestPlanFor(sites[s], r);
    const cap = sites[s].plans[p].capRps[r];
    const used = unitsAt(sites[s], p, load[s]);
    const room = maxReplicas(sites[s], p) - used;
    const take = Math.min(left, Math.max(0, room) * cap);
    if (take <= EPS) continue;
    a.planIdx[s] = p;
    load[s][r] += take;
    left -= take;
    a.counts[s] = Math.max(a.counts[s], Math.ceil(used + take / cap - EPS));
  }
  return left;
}

/** Step 3: grow replicas until every single-site loss is absorbed; the failover loads per lost site. */
export function ensureNPlusOne(
  sites: SiteOption[],
  a: Assignment,
  regionIds: readonly string[],
  rtt: (r: number, s: number) => number,
): Map<number, number[][]> {
  const used = (): number[] => sites.map((_, s) => s).filter((s) => a.counts[s] > 0);
  const siteLoad = (s: number): number => a.load[s].reduce((x, y) => x + y, 0);
  for (const k of used().sort((x, y) => siteLoad(y) - siteLoad(x) || x - y)) {
    if (failoverLoad(sites, a, k, rtt, true)) continue;
    const r = a.load[k].findIndex((x) => x > EPS);
    throw new PlannerInputError([
      {
        path: `demand.regions[${r}]`,
        message: `${regionIds[r]}: with site ${sites[k].view.site.id} lost, no other site can serve its traffic within the SLO`,
        hint: 'allow more jurisdictions or sites for this region, relax the SLO, or pass --no-n-plus-one',
      },
    ]);
  }
  // Replicas only grew, so every case holds; recompute each with the final counts for the report.
  const out = new Map<number, number[][]>();
  for (const k of used()) {
    const load = failoverLoad(sites, a, k, rtt, false);
    if (!load) throw new Error(`internal: N+1 case ${sites[k].view.site.id} lost its routing after growth`);
    out.set(k, load);
  }
  return out;
}
