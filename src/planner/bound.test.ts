// The pruning bound (bound.ts) is safe: never below the estimate it stands for, and a pruned plan search lists
// exactly what the reference search (every plan estimated) lists, on random small fabrics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFabric } from '../fabric/load.js';
import type { Fabric } from '../fabric/types.js';
import { checkPlan, estimateWithTiers, layerShape, loadModel, parameterCounts, wanTier } from '../perf/index.js';
import type { EstimateOptions } from '../perf/estimate.js';
import type { Plan, Precision, Recompute } from '../perf/types.js';
import { LayerCache, tokensPerSecondUpperBound } from './bound.js';
import { twoSites } from './fabrics.fixture.js';
import { planOnFabric, siteViews } from './index.js';
import type { PlanRequest, Strategy } from './types.js';

const MODELS = ['llama3-8b', 'llama3-70b', 'mixtral-8x7b', 'deepseek-v3'].map((id) => loadModel(id));
const TIERS = [
  siteViews(twoSites(100))[0].tiers,
  siteViews(oneSite('gb200-nvl72', 1))[0].tiers,
  siteViews(oneSite('dgx-a100-80gb', 4))[0].tiers,
];

function oneSite(system: string, size: number): Fabric {
  const parsed = parseFabric({
    name: 'one',
    sites: [
      {
        id: 's',
        name: 'S',
        lat: 40,
        lon: -90,
        jurisdiction: 'US-IA',
        powerMW: 100,
        pue: 1.2,
        gridZone: 'MISO',
        pods: [system === 'gb200-nvl72' ? { system, racks: size } : { system, nodes: size }],
      },
    ],
    wanLinks: [],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.fabric;
}

describe('throughput upper bound', () => {
  it('is never below the estimated tokens/s of the same plan at any recompute level (property)', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.record({
          model: fc.nat(MODELS.length - 1),
          tiers: fc.nat(TIERS.length - 1),
          tp: fc.constantFrom(1, 2, 4, 8),
          cp: fc.constantFrom(1, 2),
          pp: fc.constantFrom(1, 2, 3, 4, 8),
          dp: fc.constantFrom(1, 2, 4, 16),
          ep: fc.constantFrom(1, 2, 8),
          etpIsTp: fc.boolean(),
          zero: fc.constantFrom(0, 1, 2, 3),
          vpp: fc.constantFrom(1, 2, 4),
          mbs: fc.constantFrom(1, 2, 4),
          batches: fc.integer({ min: 1, max: 16 }),
          recompute: fc.constantFrom<Recompute>('none', 'selective', 'full'),
          precision: fc.constantFrom<Precision>('bf16', 'fp8'),
          wan: fc.constantFrom('none', 'dp', 'pp'),
          flash3: fc.boolean(),
        }),
        (r) => {
          const model = MODELS[r.model];
          const tiers = TIERS[r.tiers];
          const vpp = r.pp > 1 ? r.vpp : 1;
          const ep = model.moe ? r.ep : 1;
          const plan: Plan = {
            gpus: r.tp * r.cp * r.pp * r.dp,
            tp: r.tp,
            pp: r.pp,
            dp: r.dp,
            cp: r.cp,
            ep,
            etp: r.etpIsTp ? r.tp : 1,
            zero: r.zero as 0 | 1 | 2 | 3,
            precision: tiers.gpu.fp8DenseTflops === null ? 'bf16' : r.precision,
            vpp,
            mbs: r.mbs,
            gbs: r.dp * r.mbs * (vpp > 1 ? r.pp : 1) * r.batches,
            seq: model.seqLength,
            recompute: 'none',
            sequenceParallel: r.tp > 1,
          };
          if (checkPlan(model, plan).length > 0) return;
          const options: EstimateOptions = {
            ...(r.flash3 ? { attentionKernel: 'flash3' } : {}),
            ...(r.wan === 'none'
              ? {}
              : {
                  wan: {
                    tier: wanTier({ capacityGbps: 400, latencyMs: 7 }),
                    dpSites: r.wan === 'dp' ? 2 : 1,
                    ppSites: r.wan === 'pp' ? 2 : 1,
                  },
                }),
          };
          const shape = layerShape(model);
          const bound = tokensPerSecondUpperBound(
            model,
            shape,
            tiers,
            parameterCounts(model, shape),
            plan,
            options,
            new LayerCache(model, shape, tiers),
          );
          const estimate = estimateWithTiers(model, tiers, { ...plan, recompute: r.recompute }, options, shape);
          expect(bound).toBeGreaterThanOrEqual(estimate.tokensPerSecond);
          compared++;
        },
      ),
      { numRuns: 400 },
    );
    expect(compared, 'no generated plan was valid').toBeGreaterThan(100);
  });

  it('refuses a plan given with recompute (the bound is taken at recompute none)', () => {
    const model = MODELS[0];
    const shape = layerShape(model);
    const plan: Plan = { gpus: 8, tp: 8, pp: 1, dp: 1, mbs: 1, gbs: 8, recompute: 'full' };
    expect(() =>
      tokensPerSecondUpperBound(
        model,
        shape,
        TIERS[0],
        parameterCounts(model, shape),
        plan,
        {},
        new LayerCache(model, shape, TIERS[0]),
      ),
    ).toThrow(/recompute/);
  });
});

/** 1-3 sites of one or two systems, random sizes and WAN links. */
function randomFabric(systems: string[], nodes: number[], wanGbps: number[]): Fabric {
  const sites = systems.map((system, i) => ({
    id: `s${i}`,
    name: `S${i}`,
    lat: 30 + 5 * i,
    lon: -90 + 4 * i,
    jurisdiction: i === 2 ? 'US-TX' : 'US-GA',
    powerMW: 100,
    pue: 1.2,
    gridZone: 'SOCO',
    pods: [system === 'gb200-nvl72' ? { system, racks: Math.min(nodes[i], 2) } : { system, nodes: nodes[i] }],
  }));
  const wanLinks = [];
  for (let i = 0; i < sites.length; i++)
    for (let j = i + 1; j < sites.length; j++)
      wanLinks.push({
        a: sites[i].id,
        b: sites[j].id,
        routeKm: 200 + 1500 * (j - i),
        capacityGbps: wanGbps[i + j - 1],
      });
  const parsed = parseFabric({ name: 'random', sites, wanLinks });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.fabric;
}

/** What the search lists (model, fabric, tokens, ranked plans; not the clock or the count of estimates), or the error. */
function outcome(run: () => ReturnType<typeof planOnFabric>): string {
  try {
    const result = run();
    return JSON.stringify([result.model, result.fabric, result.tokens, result.plans]);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('pruned plan search', () => {
  it('lists exactly what the unpruned search lists, on random small fabrics (property)', () => {
    const strategies: Strategy[] = ['single-site', 'hierarchical-dp', 'pipeline-across-sites', 'diloco', 'independent'];
    let planned = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) =>
          fc.record({
            systems: fc.array(fc.constantFrom('dgx-h100', 'dgx-h100', 'hgx-b200', 'gb200-nvl72'), {
              minLength: n,
              maxLength: n,
            }),
            nodes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: n, maxLength: n }),
            wanGbps: fc.array(fc.constantFrom(1, 100, 3200, 100000), { minLength: 3, maxLength: 3 }),
          }),
        ),
        fc.constantFrom('llama3-8b', 'mixtral-8x7b', 'llama3-70b'),
        fc.record(
          {
            top: fc.integer({ min: 0, max: 6 }),
            gpus: fc.integer({ min: 8, max: 64 }),
            strategies: fc.subarray(strategies, { minLength: 1 }),
            precision: fc.constantFrom<'bf16' | 'auto'>('bf16', 'auto'),
            gbs: fc.constantFrom(32, 128, 1024),
            dilocoInnerSteps: fc.constantFrom(10, 100),
            dilocoStreaming: fc.boolean(),
          },
          { requiredKeys: ['top', 'strategies'] },
        ),
        (f, id, request: PlanRequest) => {
          const fabric = randomFabric(f.systems, f.nodes, f.wanGbps);
          const model = loadModel(id);
          const reference = outcome(() => planOnFabric(model, fabric, request, undefined, { prune: false }));
          expect(outcome(() => planOnFabric(model, fabric, request))).toBe(reference);
          if (!reference.startsWith('error')) planned++;
        },
      ),
      // Each run is two small searches (up to ~50,000 estimates unpruned, ~0.3 s of CPU).
      { numRuns: 12 },
    );
    expect(planned, 'no random request produced plans').toBeGreaterThan(0);
  });
});
