// The placement search: a documented greedy (no ILP). Load is counted in replica units: region r's x requests/s at a
// site whose plan serves r at c requests/s per replica occupy x / c replicas (a linear share of the replica's time),
// and a site needs ceil(sum of its units) replicas. Steps:
//  1. primary: region by region, the next piece of its demand goes where it adds the least objective price per
//     request/s in whole replicas (a site's rounding spare is free; ties: lower RTT); a site's plan is fixed by the
//     first region it takes, and a site holds at most floor(its GPUs / GPUs per replica) replicas;
//  2. refine: each used site re-picks the plan with the least price for the traffic it took (whole replicas);
//  3. N+1: for each used site in turn (most loaded first), its traffic moves to the spare units of the others (lowest
//     RTT first), then to new replicas placed as in step 1; replicas only grow, so a case met stays met.
// Steps 1-3 run for several region orders (regionOrders) and the cheapest result is kept. Tested against a
// brute-force oracle (search.test.ts), which also measures the gap.
import { PlannerInputError } from '../defaults.js';
import type { SiteOption } from './candidates.js';
import { ensureNPlusOne, failoverCases, trimReplicas } from './failover.js';
import { EPS, bestPlanFor, place, pricePerRps, unitsAt, wholeReplicas, maxReplicas, type Assignment } from './units.js';

export type { Assignment } from './units.js';

function noCapacity(sites: SiteOption[], r: number, regionId: string, left: number, demand: number): PlannerInputError {
  const reachable = sites.some((site) => bestPlanFor(site, r) >= 0);
  return new PlannerInputError([
    {
      path: `demand.regions[${r}].requestsPerSecond`,
      message: reachable
        ? `${regionId}: ${left.toFixed(2)} of ${demand} requests/s find no site with room within the SLO`
        : `${regionId}: no site and serving plan meets the SLO for this region (network RTT plus prefill, or TPOT, too long)`,
      hint: reachable
        ? 'lower the demand, allow more jurisdictions, or add GPUs near the region'
        : 'relax --ttft-p99-ms/--tpot-p99-ms, allow more jurisdictions, or add a site nearer the region',
    },
  ]);
}

/**
 * Region orders the greedy tries: every permutation for up to 5 regions, else four heuristics: most constrained
 * first (fewest sites that can serve it, then the largest), largest first, smallest first, and largest regret first
 * (price gap between its best and second-best site). A flexible region must not take the room of the only site
 * another region can use; trying orders is how the greedy avoids that when capacity binds.
 */
export function regionOrders(sites: SiteOption[], demand: readonly number[]): number[][] {
  const ids = demand.map((_, r) => r);
  if (ids.length <= 5) return permutations(ids);
  const reach = ids.map((r) => sites.filter((site) => bestPlanFor(site, r) >= 0).length);
  const regret = ids.map((r) => {
    const p = sites.map((site) => (bestPlanFor(site, r) < 0 ? Infinity : pricePerRps(site, bestPlanFor(site, r), r)));
    const [a, b] = p.sort((x, y) => x - y);
    return Number.isFinite(b) ? b - a : Infinity;
  });
  return [
    ids.slice().sort((a, b) => reach[a] - reach[b] || demand[b] - demand[a] || a - b),
    ids.slice().sort((a, b) => demand[b] - demand[a] || a - b),
    ids.slice().sort((a, b) => demand[a] - demand[b] || a - b),
    ids.slice().sort((a, b) => regret[b] - regret[a] || a - b),
  ];
}

function permutations(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Step 1 and 2 for one region order: the primary routing and each used site's plan. */
export function primaryAssignment(
  sites: SiteOption[],
  demand: readonly number[],
  regionIds: readonly string[],
  rtt: (r: number, s: number) => number,
  order: readonly number[] = regionOrders(sites, demand)[0],
): Assignment {
  const planIdx = sites.map(() => -1);
  const load = sites.map(() => demand.map(() => 0));
  for (const r of order) {
    const left = place(sites, planIdx, load, r, demand[r], (s) => rtt(r, s));
    if (left > EPS * Math.max(1, demand[r])) throw noCapacity(sites, r, regionIds[r], left, demand[r]);
  }
  refinePlans(sites, planIdx, load);
  return { planIdx, load, counts: sites.map((site, s) => wholeReplicas(unitsAt(site, planIdx[s], load[s]))) };
}

/** Step 2: a used site switches to the plan that serves its traffic at least price in whole replicas. */
function refinePlans(sites: SiteOption[], planIdx: number[], load: number[][]): void {
  sites.forEach((site, s) => {
    if (planIdx[s] < 0) return;
    const price = (p: number): number => {
      const n = wholeReplicas(unitsAt(site, p, load[s]));
      return n <= maxReplicas(site, p) ? n * site.plans[p].gpus * site.unit : Infinity;
    };
    for (let p = 0; p < site.plans.length; p++) if (price(p) < price(planIdx[s])) planIdx[s] = p;
  });
}

export interface SearchResult {
  /** The site options the assignment indexes (with N+1, possibly narrowed to versatile plans). */
  sites: SiteOption[];
  assignment: Assignment;
  /** Replicas the primary routing needed before N+1 growth. */
  primaryCounts: number[];
  failover: Map<number, number[][]>;
  ordersTried: number;
}

/** Objective price of an assignment per hour (replicas x GPUs x price per GPU-hour). */
export function priceOf(sites: SiteOption[], a: Assignment): number {
  return a.counts.reduce((x, n, s) => x + (n > 0 ? n * sites[s].plans[a.planIdx[s]].gpus * sites[s].unit : 0), 0);
}

/**
 * Each site narrowed to one plan: of those serving the most demand (regions with capacity > 0, weighted by
 * requests/s), the one with the most requests/s per GPU on the demand mix. A plan fixed by the primary routing that
 * cannot serve a region (or serves it poorly) leaves the site of little use to it after a loss.
 */
export function versatileSites(sites: SiteOption[], demand: readonly number[]): SiteOption[] {
  return sites.map((site) => {
    const reach = site.plans.map((o) => o.capRps.reduce((x, c, r) => x + (c > 0 ? demand[r] : 0), 0));
    const mix = site.plans.map((o) => o.capRps.reduce((x, c, r) => x + c * demand[r], 0) / o.gpus);
    let pick = -1;
    site.plans.forEach((_, p) => {
      if (pick < 0 || reach[p] > reach[pick] + EPS || (reach[p] >= reach[pick] - EPS && mix[p] > mix[pick])) pick = p;
    });
    return { ...site, plans: pick < 0 ? [] : [site.plans[pick]] };
  });
}

/**
 * Steps 1-3 for every region order (and, with N+1, also on versatile plans only); the cheapest placement that
 * works, or the first attempt's error if none does.
 */
export function searchPlacement(
  sites: SiteOption[],
  demand: readonly number[],
  regionIds: readonly string[],
  rtt: (r: number, s: number) => number,
  nPlusOne: boolean,
): SearchResult {
  const orders = regionOrders(sites, demand);
  const variants = nPlusOne ? [sites, versatileSites(sites, demand)] : [sites];
  let best: SearchResult | undefined;
  let firstError: unknown;
  for (const options of variants) {
    let mine: Assignment | undefined;
    for (const order of orders) {
      try {
        const a = primaryAssignment(options, demand, regionIds, rtt, order);
        if (nPlusOne) ensureNPlusOne(options, a, regionIds, rtt);
        if (!mine || priceOf(options, a) < priceOf(options, mine) - EPS) mine = a;
      } catch (err) {
        if (!(err instanceof PlannerInputError)) throw err;
        firstError ??= err;
      }
    }
    if (!mine) continue;
    trimReplicas(options, mine, rtt, nPlusOne);
    if (best && priceOf(options, mine) >= priceOf(best.sites, best.assignment) - EPS) continue;
    const primaryCounts = options.map((site, s) =>
      Math.min(mine.counts[s], wholeReplicas(unitsAt(site, mine.planIdx[s], mine.load[s]))),
    );
    const failover = nPlusOne ? failoverCases(options, mine, rtt) : new Map<number, number[][]>();
    best = { sites: options, assignment: mine, primaryCounts, failover, ordersTried: orders.length * variants.length };
  }
  if (!best) throw firstError;
  return best;
}
