// Replica units and moves, the arithmetic the placement search (search.ts) and its N+1 step (failover.ts) share.
// Load is counted in replica units: region r's x requests/s at a site whose plan serves r at c requests/s per
// replica occupy x / c replicas (a linear share of the replica's time); a site needs ceil(sum of its units). Pure.
import type { SiteOption } from './candidates.js';

/** Load below this (requests/s or replica units) is rounding noise. */
export const EPS = 1e-9;

export interface Assignment {
  /** Plan index per site (into SiteOption.plans), -1: no replicas there. */
  planIdx: number[];
  /** load[s][r]: requests/s of region r served at site s. */
  load: number[][];
  counts: number[];
}

/** Whole replicas for `units` of load (rounding noise ignored; never -0). */
export function wholeReplicas(units: number): number {
  return units <= EPS ? 0 : Math.ceil(units - EPS);
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

export interface Move {
  s: number;
  p: number;
  take: number;
}

/**
 * Where the next piece of region r's `left` requests/s adds the least price per request/s in whole replicas (sites
 * with a plan keep it; others try each plan). Undefined when no site has room.
 */
export function bestMove(
  sites: SiteOption[],
  planIdx: readonly number[],
  load: number[][],
  r: number,
  left: number,
  rtt: (s: number) => number,
  skip = -1,
): Move | undefined {
  let best: (Move & { price: number }) | undefined;
  sites.forEach((site, s) => {
    if (s === skip) return;
    const plans = planIdx[s] >= 0 ? [planIdx[s]] : site.plans.map((_, p) => p);
    for (const p of plans) {
      const cap = site.plans[p].capRps[r];
      if (!(cap > 0)) continue;
      const used = unitsAt(site, p, load[s]);
      const room = Math.max(0, maxReplicas(site, p) - used);
      // Two sizes of piece: all that fits, or up to the end of the next whole replica (so a small remainder can
      // go to a small replica elsewhere instead of a big one here).
      const nextWhole = Math.min(room, wholeReplicas(used) + 1 - used);
      for (const take of new Set([Math.min(left, room * cap), Math.min(left, nextWhole * cap)])) {
        if (take <= EPS) continue;
        const added = wholeReplicas(used + take / cap) - wholeReplicas(used);
        const price = (added * site.plans[p].gpus * site.unit) / take;
        const better = !best || price < best.price - EPS || (price <= best.price + EPS && rtt(s) < rtt(best.s));
        if (better) best = { s, p, take, price };
      }
    }
  });
  return best;
}

/** Places region r's `left` requests/s move by move (mutating planIdx and load); returns what stays unplaced. */
export function place(
  sites: SiteOption[],
  planIdx: number[],
  load: number[][],
  r: number,
  left: number,
  rtt: (s: number) => number,
  skip = -1,
): number {
  // Each move places a positive piece (at least a replica's room or all that is left), so this ends.
  while (left > EPS) {
    const m = bestMove(sites, planIdx, load, r, left, rtt, skip);
    if (!m) break;
    planIdx[m.s] = m.p;
    load[m.s][r] += m.take;
    left -= m.take;
  }
  return left;
}
