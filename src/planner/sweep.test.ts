// The WAN-threshold bisection against brute force: exact on synthetic step functions, and against a fine-grid scan
// of the real planner. The oracles scan; they never bisect.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fabric } from '../fabric/types.js';
import { parseModel } from '../perf/models.js';
import { twoSites } from './fabrics.fixture.js';
import { planOnFabric } from './search.js';
import { capacityThresholdGbps, sweepWan, THRESHOLD_SEARCH } from './sweep.js';
import type { Strategy } from './types.js';

describe('capacityThresholdGbps', () => {
  it('property: finds a step threshold t within [t, ceil(1.05 t)], 1 when 1 Gb/s passes, null past 10 Pb/s', () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 7.5, noNaN: true }), (log10) => {
        const t = 10 ** log10;
        const found = capacityThresholdGbps((g) => g >= t);
        if (t > THRESHOLD_SEARCH.hiGbps) expect(found).toBeNull();
        else if (t <= THRESHOLD_SEARCH.loGbps) expect(found).toBe(1);
        else {
          expect(found).not.toBeNull();
          expect(found!).toBeGreaterThanOrEqual(t);
          expect(found!).toBeLessThanOrEqual(Math.ceil(t * THRESHOLD_SEARCH.ratio));
        }
      }),
    );
  });

  it('probes a bounded number of capacities', () => {
    let probes = 0;
    capacityThresholdGbps((g) => {
      probes++;
      return g >= 1234.5;
    });
    expect(probes).toBeLessThanOrEqual(2 + THRESHOLD_SEARCH.maxSteps);
  });
});

// Two 8-GPU sites and a 2-layer model: each plan search is a few ms, so a fine scan stays a unit test.
const twoSmallSites = (): Fabric => twoSites(1000, { nodes: 1, powerMW: 10 });

const tiny = parseModel({
  name: 'tiny-2-layer',
  layers: 2,
  hiddenSize: 2048,
  ffnHiddenSize: 8192,
  attentionHeads: 16,
  kvHeads: 16,
  vocabSize: 32000,
  seqLength: 2048,
  gatedMlp: false,
});

/** Brute force: decades 1..1e7, then every 2% step through the first decade that passes. */
function scanThreshold(ok: (gbps: number) => boolean): { gMin: number; gPrev: number } | null {
  let decade = 1;
  while (decade <= 1e7 && !ok(decade)) decade *= 10;
  if (decade > 1e7) return null;
  if (decade === 1) return { gMin: 1, gPrev: 0 };
  let prev = decade / 10;
  for (let g = prev * 1.02; ; g *= 1.02) {
    const at = Math.min(g, decade);
    if (ok(at)) {
      // The planner's throughput is monotone in capacity: everything above the first pass passes too.
      for (let h = at * 1.02; h < decade; h *= 1.02) expect(ok(h)).toBe(true);
      return { gMin: at, gPrev: prev };
    }
    prev = at;
  }
}

describe('wanThresholds (through sweepWan) against a fine-grid scan of the planner', () => {
  it('agrees within the bisection tolerance for every strategy set and target', () => {
    const fabric = twoSmallSites();
    const latencyMs = 1;
    const result = sweepWan(tiny, fabric, {
      gbs: 256,
      sites: ['a', 'b'],
      wanGbpsList: [1000],
      wanLatencyMsList: [latencyMs],
    });
    const reference = result.singleSiteTokensPerSecond;
    const memo = new Map<string, number>();
    const throughput = (strategies: Strategy[], gbps: number): number => {
      const key = `${strategies.join(',')}@${gbps}`;
      let v = memo.get(key);
      if (v === undefined) {
        const plan = planOnFabric(tiny, fabric, {
          gbs: 256,
          sites: ['a', 'b'],
          gpus: result.gpus,
          top: 1,
          wanCapacityGbps: gbps,
          wanLatencyMs: latencyMs,
          strategies,
        }).plans[0];
        v = plan.effectiveTokensPerSecond;
        memo.set(key, v);
      }
      return v;
    };
    const sets: Array<[Strategy[], (typeof result.thresholds)[number]]> = [
      [['hierarchical-dp', 'pipeline-across-sites', 'diloco'], result.thresholds[0]],
      [['hierarchical-dp', 'pipeline-across-sites'], result.thresholdsSynchronous[0]],
    ];
    const seen: string[] = [];
    for (const [strategies, row] of sets) {
      for (const [key, target] of [
        ['gbpsFor90', 0.9],
        ['gbpsFor95', 0.95],
      ] as const) {
        const ok = (g: number) => throughput(strategies, g) >= target * reference;
        const scan = scanThreshold(ok);
        const found = row[key];
        seen.push(scan === null ? 'none' : scan.gMin === 1 ? 'one' : 'inside');
        if (scan === null) expect(found).toBeNull();
        else {
          expect(found).not.toBeNull();
          expect(ok(found!)).toBe(true);
          expect(found!).toBeGreaterThan(scan.gPrev);
          expect(found!).toBeLessThanOrEqual(Math.ceil(scan.gMin * THRESHOLD_SEARCH.ratio));
        }
      }
    }
    // The case exercises a threshold strictly inside the range, not only the ends.
    expect(seen).toContain('inside');
  });
});
