// N+1 (step 3 of the placement search): with each used site lost in turn, its traffic must fit elsewhere within the
// SLO. First the others' spare units (lowest RTT first); if that is short, every region re-routed over the survivors'
// replicas; if that is short too, new replicas placed as step 1 places them. Replicas only grow. Pure.
import { PlannerInputError } from '../defaults.js';
import type { SiteOption } from './candidates.js';
import { EPS, place, unitsAt, wholeReplicas, type Assignment } from './units.js';

/**
 * Routing with site `lost` gone: the other sites keep their primary traffic; the lost site's moves to spare units
 * (lowest RTT first) and, when `grow`, to new replicas at the cheapest site that can take it (mutating `a`).
 * Returns the load matrix, or the first region whose traffic cannot all be placed.
 */
export function failoverLoad(
  sites: SiteOption[],
  a: Assignment,
  lost: number,
  rtt: (r: number, s: number) => number,
  grow: boolean,
): { load: number[][] } | { failedRegion: number } {
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
    if (left > EPS * Math.max(1, a.load[lost][r])) return { failedRegion: r };
  }
  return { load };
}

/** Adds replicas for region r's `left` requests/s as step 1 places them (not at `lost`); returns what stays unplaced. */
function growFor(
  sites: SiteOption[],
  a: Assignment,
  load: number[][],
  r: number,
  left: number,
  lost: number,
  rtt: (r: number, s: number) => number,
): number {
  const rest = place(sites, a.planIdx, load, r, left, (s) => rtt(r, s), lost);
  sites.forEach((site, s) => {
    if (s !== lost) a.counts[s] = Math.max(a.counts[s], wholeReplicas(unitsAt(site, a.planIdx[s], load[s])));
  });
  return rest;
}

/**
 * Every region re-routed over the survivors' replicas (no growth): most constrained region first, lowest RTT first,
 * within each site's count. Undefined when the demand does not fit.
 */
export function rerouteAll(
  sites: SiteOption[],
  a: Assignment,
  lost: number,
  rtt: (r: number, s: number) => number,
): number[][] | undefined {
  const R = a.load[0]?.length ?? 0;
  const demand = Array.from({ length: R }, (_, r) => a.load.reduce((x, row) => x + row[r], 0));
  const live = sites.map((_, s) => s).filter((s) => s !== lost && a.counts[s] > 0);
  const servers = (r: number): number[] => live.filter((s) => sites[s].plans[a.planIdx[s]].capRps[r] > 0);
  const order = demand.map((_, r) => r).sort((x, y) => servers(x).length - servers(y).length || demand[y] - demand[x]);
  const load = a.load.map((row) => row.map(() => 0));
  for (const r of order) {
    let left = demand[r];
    for (const s of servers(r).sort((x, y) => rtt(r, x) - rtt(r, y) || x - y)) {
      const cap = sites[s].plans[a.planIdx[s]].capRps[r];
      const take = Math.min(left, Math.max(0, a.counts[s] - unitsAt(sites[s], a.planIdx[s], load[s])) * cap);
      load[s][r] += take;
      left -= take;
    }
    if (left > EPS * Math.max(1, demand[r])) return undefined;
  }
  return load;
}

/** The routing of one loss case with the counts as they are: the lost site's traffic moved, else all re-routed. */
export function caseLoad(
  sites: SiteOption[],
  a: Assignment,
  lost: number,
  rtt: (r: number, s: number) => number,
): number[][] | undefined {
  const moved = failoverLoad(sites, a, lost, rtt, false);
  return 'load' in moved ? moved.load : rerouteAll(sites, a, lost, rtt);
}

/** Passes over the loss cases: growth for a later case can, in rare greedy orders, upset an earlier re-routing. */
const MAX_PASSES = 4;

/** Step 3: grow replicas until every single-site loss is absorbed; the failover loads per lost site. */
export function ensureNPlusOne(
  sites: SiteOption[],
  a: Assignment,
  regionIds: readonly string[],
  rtt: (r: number, s: number) => number,
): Map<number, number[][]> {
  const used = (): number[] => sites.map((_, s) => s).filter((s) => a.counts[s] > 0);
  const siteLoad = (s: number): number => a.load[s].reduce((x, y) => x + y, 0);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let grew = false;
    for (const k of used().sort((x, y) => siteLoad(y) - siteLoad(x) || x - y)) {
      if (caseLoad(sites, a, k, rtt)) continue;
      const res = failoverLoad(sites, a, k, rtt, true);
      grew = true;
      if ('load' in res) continue;
      const r = res.failedRegion;
      throw new PlannerInputError([
        {
          path: `demand.regions[${r}]`,
          message: `${regionIds[r]}: with site ${sites[k].view.site.id} lost, no other site can serve its traffic within the SLO`,
          hint: 'allow more jurisdictions or sites for this region, relax the SLO, or pass --no-n-plus-one',
        },
      ]);
    }
    if (!grew) break;
  }
  return failoverCases(sites, a, rtt);
}

/** The routing of every loss case (sites holding replicas) with the counts as they are. */
export function failoverCases(
  sites: SiteOption[],
  a: Assignment,
  rtt: (r: number, s: number) => number,
): Map<number, number[][]> {
  const out = new Map<number, number[][]>();
  sites.forEach((site, k) => {
    if (a.counts[k] === 0) return;
    const load = caseLoad(sites, a, k, rtt);
    if (!load) throw new Error(`internal: N+1 case ${site.view.site.id} has no routing after growth`);
    out.set(k, load);
  });
  return out;
}

/**
 * Descent after the greedy: drop one replica at a time, dearest first, while the demand still routes (re-routed
 * over the rest if needed) and, with N+1, every loss case still does. Undoes over-provisioning the greedy's
 * choice order left.
 */
export function trimReplicas(
  sites: SiteOption[],
  a: Assignment,
  rtt: (r: number, s: number) => number,
  nPlusOne: boolean,
): void {
  const price = (s: number): number => sites[s].plans[a.planIdx[s]].gpus * sites[s].unit;
  for (let changed = true; changed;) {
    changed = false;
    const order = sites.map((_, s) => s).filter((s) => a.counts[s] > 0);
    for (const s of order.sort((x, y) => price(y) - price(x) || x - y)) {
      a.counts[s]--;
      const before = a.load;
      const fits =
        unitsAt(sites[s], a.planIdx[s], a.load[s]) <= a.counts[s] + EPS ? a.load : rerouteAll(sites, a, -1, rtt);
      if (fits) a.load = fits;
      const ok =
        fits !== undefined && (!nPlusOne || sites.every((_, k) => a.counts[k] === 0 || caseLoad(sites, a, k, rtt)));
      if (ok) changed = true;
      else {
        a.counts[s]++;
        a.load = before;
      }
    }
  }
}
