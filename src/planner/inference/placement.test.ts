// planInference end to end with the real serving model on two DGX H100 sites (Atlanta-like, Wisconsin-like): the
// objective picks the site, capacity spills, N+1 doubles up, the SLO holds, and bad input names its field.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../perf/models.js';
import { estimateServing } from '../../perf/serving/index.js';
import { twoSites } from '../fabrics.fixture.js';
import { PlannerInputError } from '../defaults.js';
import { planInference, type InferencePlanRequest } from './index.js';
import type { DemandRegion } from './types.js';

const model = loadModel('llama3-8b');
const tokens = { promptTokens: { mean: 1000, p99: 4000 }, outputTokens: { mean: 200, p99: 600 } };
/** Users in Atlanta and in Chicago (test loads). */
const users = (rps: number): DemandRegion[] => [
  { id: 'south', lat: 33.75, lon: -84.39, requestsPerSecond: rps, ...tokens },
  { id: 'north', lat: 41.88, lon: -87.63, requestsPerSecond: rps, ...tokens },
];
// Test inputs, not sourced figures: site a's zone cheap and dirty, site b's dear and clean.
const grid = {
  SOCO: { priceUsdPerMWh: 40, carbonGPerKWh: 600, source: 'test' },
  MISO: { priceUsdPerMWh: 120, carbonGPerKWh: 50, source: 'test' },
};
const slo = { ttftP99Ms: 500, tpotP99Ms: 50 };

function plan(req: Partial<InferencePlanRequest> & { regions?: DemandRegion[] }, nodes = 16) {
  const fabric = twoSites(1000, { nodes });
  const { regions = users(5), ...rest } = req;
  return planInference(
    { demand: { name: 't', regions }, slo, ...rest },
    { model, fabric, serving: estimateServing, grid },
  );
}

describe('planInference', () => {
  it('promises no more GPUs than a site has free: 0 keeps it empty, a few cap its replicas, bad entries are named', () => {
    const free = plan({ nPlusOne: false });
    expect(free.replicas.map((r) => r.siteId)).toEqual(['a']);
    const aHeld = plan({ nPlusOne: false, gpusAvailable: { a: 0 } });
    expect(aHeld.replicas.map((r) => r.siteId)).toEqual(['b']);
    expect(aHeld.latency.every((l) => l.meetsSlo)).toBe(true);
    const busy = plan({ nPlusOne: false, regions: users(40) });
    expect(busy.replicas.map((r) => r.siteId)).toEqual(['a']);
    expect(busy.replicas[0].count).toBeGreaterThan(1);
    const perReplica = busy.replicas[0].gpusPerReplica;
    const few = plan({ nPlusOne: false, regions: users(40), gpusAvailable: { a: perReplica } });
    const atA = few.replicas.find((r) => r.siteId === 'a');
    expect(atA ? atA.count * atA.gpusPerReplica : 0).toBeLessThanOrEqual(perReplica);
    expect(few.replicas.reduce((n, r) => n + r.count, 0)).toBeGreaterThan(atA?.count ?? 0);
    const bad = () => plan({ gpusAvailable: { nowhere: 8, a: -1 } });
    expect(bad).toThrow(PlannerInputError);
    try {
      bad();
    } catch (e) {
      expect((e as PlannerInputError).issues.map((i) => i.path)).toEqual(['gpusAvailable.nowhere', 'gpusAvailable.a']);
    }
  });

  it('puts the load where the objective is cheapest, and keeps the SLO', () => {
    const cost = plan({ nPlusOne: false });
    expect(cost.replicas.map((r) => r.siteId)).toEqual(['a']);
    const carbon = plan({ nPlusOne: false, objective: 'carbon' });
    expect(carbon.replicas.map((r) => r.siteId)).toEqual(['b']);
    for (const p of [cost, carbon]) {
      expect(p.latency).toHaveLength(2);
      for (const l of p.latency) {
        expect(l.meetsSlo).toBe(true);
        expect(l.ttftP99Ms).toBeGreaterThan(l.rttMs);
      }
    }
    expect(cost.totals.costUsdPerHour).toBeLessThan(carbon.totals.costUsdPerHour);
    expect(carbon.totals.emissionsKgCO2ePerHour).toBeLessThan(cost.totals.emissionsKgCO2ePerHour);
  });

  it('spills to the second site when the first is full, and never exceeds a site', () => {
    const p = plan({ nPlusOne: false, regions: users(200) }, 1);
    expect(p.replicas.map((r) => r.siteId).sort()).toEqual(['a', 'b']);
    for (const r of p.replicas) expect(r.count * r.gpusPerReplica).toBeLessThanOrEqual(8);
  });

  it('with N+1 holds replicas at both sites so either can carry everything', () => {
    const p = plan({});
    expect(p.replicas.map((r) => r.siteId).sort()).toEqual(['a', 'b']);
    expect(p.failover).toHaveLength(2);
    for (const f of p.failover) {
      expect(f.meetsSlo).toBe(true);
      const served = f.routing.reduce((s, x) => s + x.requestsPerSecond, 0);
      expect(served).toBeCloseTo(10, 6);
    }
    expect(p.totals.spareGpus).toBeGreaterThan(0);
    expect(p.explanation.some((e) => e.startsWith('N+1: '))).toBe(true);
  });

  it('refuses bad demand naming each field', () => {
    const bad: DemandRegion[] = [
      { ...users(1)[0], promptTokens: { mean: 100, p99: 50 } },
      { ...users(1)[0], allowedJurisdictions: ['georgia'] },
    ];
    let issues: { path: string }[] = [];
    try {
      plan({ regions: bad, sites: ['a', 'zz'] });
    } catch (e) {
      expect(e).toBeInstanceOf(PlannerInputError);
      issues = (e as PlannerInputError).issues;
    }
    expect(issues.map((i) => i.path)).toEqual([
      'demand.regions[0].promptTokens.p99',
      'demand.regions[1].id',
      'demand.regions[1].allowedJurisdictions[0]',
      'sites[1]',
    ]);
  });
});
