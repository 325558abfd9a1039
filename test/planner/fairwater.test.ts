// Plan searches over the whole fairwater preset (100,800 GPUs, two sites): jurisdictions, power caps, and the
// cross-site strategies with their WAN figures. Integration tier (moved from src/planner/planner.test.ts): each test
// loads the preset and runs full-size searches.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/load.js';
import type { Fabric } from '../../src/fabric/types.js';
import { loadModel } from '../../src/perf/index.js';
import { planOnFabric, PlannerInputError } from '../../src/planner/index.js';

let fairwater: Fabric;
beforeAll(async () => {
  fairwater = await loadFabric('fairwater');
});

describe('plan search on fairwater', () => {
  it('keeps a job pinned to jurisdictions inside them (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('US-GA', 'US-WI'), fc.constantFrom('llama3-8b', 'llama3-70b'), (jurisdiction, id) => {
        const result = planOnFabric(loadModel(id), fairwater, { allow: [jurisdiction], top: 10 });
        expect(result.plans.length).toBeGreaterThan(0);
        for (const p of result.plans) for (const place of p.placement) expect(place.jurisdiction).toBe(jurisdiction);
      }),
      { numRuns: 4 },
    );
  });

  it('respects site power caps', () => {
    const capped = { ...fairwater, sites: fairwater.sites.map((s) => ({ ...s, powerMW: 10 })) };
    const result = planOnFabric(loadModel('llama3-8b'), capped, { top: 3 });
    expect(result.plans.length).toBeGreaterThan(0);
    for (const p of result.plans) {
      for (const place of p.placement) {
        const site = capped.sites.find((s) => s.id === place.site)!;
        expect(place.gpus * site.pods[0].system.systemPowerPerGpuW * site.pue).toBeLessThanOrEqual(10e6);
      }
    }
  });

  it('rejects jurisdictions the fabric does not have', () => {
    expect(() => planOnFabric(loadModel('llama3-8b'), fairwater, { allow: ['DE-BY'] })).toThrow(PlannerInputError);
  });

  it('plans Llama 3 405B over every GPU of fairwater with a cross-site strategy and WAN figures', () => {
    const result = planOnFabric(loadModel('llama3-405b'), fairwater, { top: 5 });
    // The bound prunes most plans before their estimate (bound.ts): ~1,000 of ~17,700 are estimated.
    expect(result.plansEvaluated).toBeGreaterThan(100);
    const strategies = new Set(result.plans.map((p) => p.strategy));
    expect(strategies.has('hierarchical-dp')).toBe(true);
    expect(strategies.has('single-site')).toBe(true);
    const hier = result.plans.find((p) => p.strategy === 'hierarchical-dp')!;
    expect(hier.placement).toHaveLength(2);
    expect(hier.wanGbpsUsed).toBeGreaterThan(0);
    expect(hier.mapping.dp).toBe('wan');
    expect(hier.mapping.tp).toBe('scale-up');
  });
});

describe('jurisdictions', () => {
  it('lets a country code allow its subdivisions (the rule in src/core/jurisdiction.ts), and nothing else', () => {
    const result = planOnFabric(loadModel('llama3-8b'), fairwater, { allow: ['US'], top: 3 });
    expect(result.plans.length).toBeGreaterThan(0);
    for (const p of result.plans) for (const s of p.placement) expect(s.jurisdiction.startsWith('US-')).toBe(true);
    const ga = planOnFabric(loadModel('llama3-8b'), fairwater, { allow: ['US-GA'], top: 3 });
    expect(ga.plans.length).toBeGreaterThan(0);
    for (const p of ga.plans) for (const s of p.placement) expect(s.jurisdiction).toBe('US-GA');
    expect(() => planOnFabric(loadModel('llama3-8b'), fairwater, { allow: ['US-G'] })).toThrow(/no site of/);
  });
});
