// The greedy placement against a brute-force oracle on small synthetic tables (capacities given as numbers, so the
// search is tested apart from the serving model). The oracle restates the problem, not the greedy's rule: every
// plan choice and replica count per site, cheapest first, and a routing found by trying every split of each region's
// demand into sixths; N+1 lets the survivors re-route everything. Its optimum is therefore an upper bound of the
// true optimum in routing (sixths) and a lower bound in failover (free re-routing); the greedy must be feasible by an
// independent check and within the documented gap.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import type { SiteView } from '../sites.js';
import type { SiteOption } from './candidates.js';
import { ensureNPlusOne } from './failover.js';
import { primaryAssignment, searchPlacement } from './search.js';
import type { Assignment } from './units.js';

interface Case {
  sites: SiteOption[];
  demand: number[];
  rtt: (r: number, s: number) => number;
}

function site(id: string, gpus: number, unit: number, plans: { gpus: number; cap: number[] }[]): SiteOption {
  const view = { site: { id, jurisdiction: 'US' } } as unknown as SiteView;
  return {
    view,
    gpus,
    unit,
    costUsdPerGpuHour: unit,
    kgCO2ePerGpuHour: unit,
    excluded: [],
    fitting: plans.length,
    plans: plans.map((p) => ({
      plan: { tp: p.gpus, pp: 1, ep: 1, precision: 'bf16', maxBatch: 64 },
      gpus: p.gpus,
      capRps: p.cap,
      budgetMs: p.cap.map(() => 100),
    })),
  };
}

/** Independent check: demand covered, each site within count x capacity, nothing at a lost site or beyond reach. */
function loadOk(c: Case, planIdx: number[], counts: number[], load: number[][], lost = -1): boolean {
  for (let r = 0; r < c.demand.length; r++) {
    const served = load.reduce((x, row) => x + row[r], 0);
    if (Math.abs(served - c.demand[r]) > 1e-6 * c.demand[r]) return false;
  }
  return load.every((row, s) => {
    const total = row.reduce((x, y) => x + y, 0);
    if (total <= 1e-9) return true;
    if (s === lost || planIdx[s] < 0) return false;
    const cap = c.sites[s].plans[planIdx[s]].capRps;
    let used = 0;
    for (let r = 0; r < row.length; r++) if (row[r] > 1e-9) used += cap[r] > 0 ? row[r] / cap[r] : Infinity;
    return used <= counts[s] + 1e-6 && counts[s] * c.sites[s].plans[planIdx[s]].gpus <= c.sites[s].gpus;
  });
}

const CHUNKS = 6;

/** All ways to give `chunks` equal pieces to `n` bins. */
function splits(n: number, chunks: number): number[][] {
  if (n === 1) return [[chunks]];
  const out: number[][] = [];
  for (let k = 0; k <= chunks; k++) for (const rest of splits(n - 1, chunks - k)) out.push([k, ...rest]);
  return out;
}

/** Whether some split (in sixths) of every region's demand over the live sites fits their counts. */
function routable(c: Case, planIdx: number[], counts: number[], lost: number): boolean {
  const S = c.sites.length;
  const options = splits(S, CHUNKS);
  const units = new Array<number>(S).fill(0);
  const go = (r: number): boolean => {
    if (r === c.demand.length) return true;
    for (const o of options) {
      let ok = true;
      for (let s = 0; s < S && ok; s++) {
        if (o[s] === 0) continue;
        const cap = planIdx[s] >= 0 && s !== lost ? c.sites[s].plans[planIdx[s]].capRps[r] : 0;
        if (cap <= 0) ok = false;
      }
      if (!ok) continue;
      const add = o.map((k, s) => (k === 0 ? 0 : (c.demand[r] * k) / CHUNKS / c.sites[s].plans[planIdx[s]].capRps[r]));
      if (add.some((u, s) => units[s] + u > counts[s] + 1e-9)) continue;
      add.forEach((u, s) => (units[s] += u));
      if (go(r + 1)) return true;
      add.forEach((u, s) => (units[s] -= u));
    }
    return false;
  };
  return go(0);
}

/** Cheapest (plan, count) per site that routes the demand, and with each used site lost (re-routing everything). */
function oracle(c: Case, nPlusOne: boolean): number {
  const perSite = c.sites.map((s) => {
    const opts: { p: number; n: number; cost: number }[] = [{ p: -1, n: 0, cost: 0 }];
    s.plans.forEach((pl, p) => {
      for (let n = 1; n * pl.gpus <= s.gpus; n++) opts.push({ p, n, cost: n * pl.gpus * s.unit });
    });
    return opts;
  });
  const configs: { p: number; n: number; cost: number }[][] = [[]];
  for (const opts of perSite) {
    const next: typeof configs = [];
    for (const cfg of configs) for (const o of opts) next.push([...cfg, o]);
    configs.splice(0, configs.length, ...next);
  }
  configs.sort((a, b) => a.reduce((x, o) => x + o.cost, 0) - b.reduce((x, o) => x + o.cost, 0));
  for (const cfg of configs) {
    const planIdx = cfg.map((o) => o.p);
    const counts = cfg.map((o) => o.n);
    if (!routable(c, planIdx, counts, -1)) continue;
    if (nPlusOne && !counts.every((n, k) => n === 0 || routable(c, planIdx, counts, k))) continue;
    return cfg.reduce((x, o) => x + o.cost, 0);
  }
  return Infinity;
}

function costOf(c: Case, a: Assignment): number {
  return a.counts.reduce((x, n, s) => x + (n > 0 ? n * c.sites[s].plans[a.planIdx[s]].gpus * c.sites[s].unit : 0), 0);
}

/** A random small case: 2-3 sites with 1-2 plans, 1-2 regions, capacities 0 (out of reach) or 1-10 requests/s. */
function randomCase(rng: Rng): Case {
  const S = 2 + rng.int(2);
  const R = 1 + rng.int(2);
  const sites = Array.from({ length: S }, (_, s) =>
    site(
      `s${s}`,
      8 * (2 + rng.int(3)),
      1 + rng.int(4),
      Array.from({ length: 1 + rng.int(2) }, () => ({
        gpus: [2, 4, 8][rng.int(3)],
        cap: Array.from({ length: R }, () => (rng.next() < 0.2 ? 0 : 1 + rng.int(10))),
      })),
    ),
  );
  const demand = Array.from({ length: R }, () => 1 + rng.int(12));
  const rtt = (r: number, s: number): number => ((r + 1) * (s + 3)) % 7;
  return { sites, demand, rtt };
}

describe('inference placement search', () => {
  it('fills the cheapest site first and spills to the next when it is full', () => {
    const c: Case = {
      sites: [site('cheap', 8, 1, [{ gpus: 4, cap: [5] }]), site('dear', 64, 3, [{ gpus: 4, cap: [5] }])],
      demand: [17],
      rtt: () => 1,
    };
    const a = primaryAssignment(c.sites, c.demand, ['r'], c.rtt);
    expect(a.counts).toEqual([2, 2]); // 10 requests/s fill the 8-GPU site, 7 need 2 more replicas
    expect(a.load[0][0]).toBeCloseTo(10, 9);
    expect(a.load[1][0]).toBeCloseTo(7, 9);
  });

  it('N+1 adds replicas so that losing any site keeps every request served', () => {
    const c: Case = {
      sites: [site('a', 64, 1, [{ gpus: 8, cap: [10] }]), site('b', 64, 2, [{ gpus: 8, cap: [10] }])],
      demand: [25],
      rtt: () => 1,
    };
    const a = primaryAssignment(c.sites, c.demand, ['r'], c.rtt);
    expect(a.counts).toEqual([3, 0]);
    const failover = ensureNPlusOne(c.sites, a, ['r'], c.rtt);
    expect(a.counts).toEqual([3, 3]); // b must hold all 25 requests/s when a is lost
    expect(failover.size).toBe(2);
    expect(loadOk(c, a.planIdx, a.counts, failover.get(0)!, 0)).toBe(true);
  });

  it('refuses, naming the region, when one site alone can serve a region and N+1 is asked for', () => {
    const c: Case = {
      sites: [site('a', 64, 1, [{ gpus: 8, cap: [10, 10] }]), site('b', 64, 1, [{ gpus: 8, cap: [10, 0] }])],
      demand: [5, 5],
      rtt: () => 1,
    };
    const a = primaryAssignment(c.sites, c.demand, ['east', 'far'], c.rtt);
    expect(() => ensureNPlusOne(c.sites, a, ['east', 'far'], c.rtt)).toThrow(/far: with site a lost/);
  });

  it('refuses when the demand exceeds every reachable site', () => {
    const c: Case = { sites: [site('a', 8, 1, [{ gpus: 8, cap: [10] }])], demand: [11], rtt: () => 1 };
    expect(() => primaryAssignment(c.sites, c.demand, ['r'], c.rtt)).toThrow(/requests\/s find no site/);
  });

  // Measured (seed 15, 150 cases, each without and with N+1; src/planner/README.md): see the printed summary in the
  // README; the bounds below hold with margin.
  it('is feasible and close to the brute-force optimum on 150 random small cases', () => {
    const rng = new Rng(15);
    const gaps: number[][] = [[], []];
    for (let i = 0; i < 150; i++) {
      const c = randomCase(rng);
      for (const nPlusOne of [false, true]) {
        const best = oracle(c, nPlusOne);
        let found: ReturnType<typeof searchPlacement>;
        try {
          found = searchPlacement(c.sites, c.demand, ['r0', 'r1'], c.rtt, nPlusOne);
        } catch {
          // The greedy may refuse only where the oracle finds nothing either (or with N+1, where it re-routes more).
          expect(best === Infinity || nPlusOne).toBe(true);
          continue;
        }
        const { assignment: a, failover } = found;
        const mine: Case = { ...c, sites: found.sites };
        expect(loadOk(mine, a.planIdx, a.counts, a.load)).toBe(true);
        const used = a.counts.map((n, s) => (n > 0 ? s : -1)).filter((s) => s >= 0);
        expect(failover.size).toBe(nPlusOne ? used.length : 0);
        for (const [k, load] of failover) expect(loadOk(mine, a.planIdx, a.counts, load, k)).toBe(true);
        if (!Number.isFinite(best)) continue; // the greedy split finer than sixths: nothing to compare
        gaps[nPlusOne ? 1 : 0].push(costOf(mine, a) / best - 1);
      }
    }
    const [plain, n1] = gaps;
    const mean = (g: number[]): number => g.reduce((x, y) => x + y, 0) / g.length;
    const optimal = (g: number[]): number => g.filter((x) => Math.abs(x) < 1e-9).length / g.length;
    expect(plain.length).toBeGreaterThan(120);
    expect(n1.length).toBeGreaterThan(80);
    expect(optimal(plain)).toBeGreaterThan(0.9);
    expect(optimal(n1)).toBeGreaterThan(0.9);
    expect(Math.max(...plain)).toBeLessThanOrEqual(0.35);
    expect(Math.max(...n1)).toBeLessThanOrEqual(0.5);
    expect(mean(plain)).toBeLessThan(0.02);
    expect(mean(n1)).toBeLessThan(0.03);
    if (process.env.SF_PRINT_GAPS)
      console.log(
        JSON.stringify({
          plain: [plain.length, optimal(plain), Math.max(...plain), mean(plain)],
          n1: [n1.length, optimal(n1), Math.max(...n1), mean(n1)],
        }),
      );
  });
});
