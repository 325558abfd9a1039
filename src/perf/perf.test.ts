import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import type { Fabric } from '../fabric/types.js';
import {
  checkPlan,
  estimate,
  estimateWithTiers,
  layersPerStage,
  loadModel,
  parameterCounts,
  tiersForFabric,
} from './index.js';
import { runValidation, validationSummary } from './validation.js';
import type { Plan, SystemTiers } from './types.js';

let h100: Fabric;
let tiers: SystemTiers;
beforeAll(async () => {
  h100 = await loadFabric('dgx-h100-ib');
  tiers = tiersForFabric(h100);
});

describe('parameter and FLOP counts', () => {
  it('counts published parameter totals within 2%', () => {
    // Published totals: GPT-3 175B, Llama 3 8B/70B/405B, Mixtral 46.7B total / 12.9B active, DeepSeek-V3 671B / 37B.
    const expected: Array<[string, number, number?]> = [
      ['gpt3-175b', 175e9],
      ['llama3-8b', 8.03e9],
      ['llama3-70b', 70.6e9],
      ['llama3-405b', 405e9],
      ['mixtral-8x7b', 46.7e9, 12.9e9],
      ['deepseek-v3', 671e9, 37e9],
    ];
    for (const [id, total, active] of expected) {
      const counts = parameterCounts(loadModel(id));
      expect(Math.abs(counts.total - total) / total, id).toBeLessThan(0.02);
      if (active) expect(Math.abs(counts.active - active) / active, `${id} active`).toBeLessThan(0.05);
    }
  });

  it('matches Narayanan et al. eq. 3 for hardware FLOPs with full recompute', () => {
    const model = loadModel('narayanan2021-145.6b');
    const plan: Plan = { gpus: 1536, tp: 8, pp: 8, dp: 24, mbs: 1, gbs: 2304, recompute: 'full' };
    const e = estimateWithTiers(model, tiers, plan);
    const { layers: l, hiddenSize: h, vocabSize: V, seqLength: s } = model;
    const eq3 = 96 * plan.gbs * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    const predicted = e.hardwareTflopsPerGpu * 1e12 * e.stepTimeSeconds * plan.gpus;
    expect(predicted / eq3).toBeCloseTo(1, 2);
  });
});

describe('validation against published measurements', () => {
  it('keeps every case of the 2021 and 2024 tables (A100, H100 BF16) within 10% of the measured TFLOP/s per GPU', async () => {
    const rows = (await runValidation()).filter((r) => /^(narayanan2021|megatron-core-2024|llama3-2024)/.test(r.id));
    expect(rows.length).toBeGreaterThanOrEqual(22);
    for (const row of rows) expect(Math.abs(row.errorPercent), row.id).toBeLessThanOrEqual(10);
  });

  it('fits every published configuration in memory and states its accuracy over the whole set', async () => {
    // runValidation throws when no setting of a case's unstated knobs fits: every case below ran in the model's
    // memory. Tolerances are issue 11's targets: mean <= 5%, worst <= 12% (docs/validation.md).
    const rows = await runValidation();
    const s = validationSummary(rows);
    expect(s.cases).toBeGreaterThanOrEqual(45);
    for (const row of rows) expect(row.estimate.fits, row.id).toBe(true);
    expect(s.meanAbsErrorPercent).toBeLessThanOrEqual(5);
    expect(s.worstAbsErrorPercent).toBeLessThanOrEqual(12);
    expect(s.fp8).toBeGreaterThanOrEqual(8);
    expect(s.moe).toBeGreaterThanOrEqual(4);
    expect(s.longContext).toBeGreaterThanOrEqual(3);
    expect(s.currentHardware).toBeGreaterThanOrEqual(15);
  });
});

describe('plan rules', () => {
  const model = () => loadModel('llama3-70b');
  it('rejects tp*pp*dp*cp that does not equal gpus', () => {
    const issues = checkPlan(model(), { gpus: 1000, tp: 8, pp: 4, dp: 32, mbs: 1, gbs: 512 });
    expect(issues.map((i) => i.path)).toContain('gpus');
  });
  it('rejects heads not divisible by tp', () => {
    expect(checkPlan(model(), { gpus: 48, tp: 3, pp: 1, dp: 16, mbs: 1, gbs: 64 }).map((i) => i.path)).toContain('tp');
  });
  it('rejects more stages than layers', () => {
    expect(
      checkPlan(model(), { gpus: 1024, tp: 1, pp: 64, dp: 16, vpp: 2, mbs: 1, gbs: 1024 }).map((i) => i.path),
    ).toContain('pp');
  });
  it('rejects a global batch that is not a multiple of mbs*dp', () => {
    expect(checkPlan(model(), { gpus: 64, tp: 8, pp: 1, dp: 8, mbs: 2, gbs: 100 }).map((i) => i.path)).toContain('gbs');
  });
  it('rejects ep that does not divide the experts', () => {
    const mixtral = loadModel('mixtral-8x7b');
    expect(checkPlan(mixtral, { gpus: 48, tp: 1, pp: 1, dp: 48, ep: 3, mbs: 1, gbs: 48 }).map((i) => i.path)).toContain(
      'ep',
    );
  });
  it('throws a PlanInputError from estimate for an inconsistent plan', () => {
    expect(() =>
      estimate({ model: model(), fabric: h100, plan: { gpus: 10, tp: 8, pp: 1, dp: 1, mbs: 1, gbs: 1 } }),
    ).toThrow(/tp\*pp\*dp\*cp/);
  });
  it('splits 126 layers over 16 stages unevenly, as Llama 3 does', () => {
    const stages = layersPerStage(126, 16);
    expect(stages.reduce((a, b) => a + b, 0)).toBe(126);
    expect(Math.max(...stages) - Math.min(...stages)).toBe(1);
    expect(stages[0]).toBe(7);
    expect(stages[15]).toBe(7);
  });
  it('lets the slowest stage set the pace for uneven stages', () => {
    const m = loadModel('llama3-405b');
    const base: Plan = {
      gpus: 2048,
      tp: 8,
      pp: 16,
      dp: 16,
      mbs: 1,
      gbs: 256,
      recompute: 'full',
      sequenceParallel: true,
    };
    const e = estimateWithTiers(m, tiers, base);
    expect(e.breakdown.layersPerStage).toEqual(layersPerStage(126, 16));
    expect(e.stepTimeSeconds).toBeGreaterThan(0);
  });
});

// Random plans over a model that fits several ways, for the invariants below.
const planArb = fc.record({
  tp: fc.constantFrom(1, 2, 4, 8),
  pp: fc.constantFrom(1, 2, 4),
  dp: fc.constantFrom(1, 2, 4, 8),
  mbs: fc.constantFrom(1, 2),
  micro: fc.constantFrom(1, 4, 8),
  recompute: fc.constantFrom('none' as const, 'selective' as const, 'full' as const),
  sp: fc.boolean(),
  zero: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
});
type PlanDraw = typeof planArb extends fc.Arbitrary<infer T> ? T : never;
const toPlan = (r: PlanDraw): Plan => ({
  gpus: r.tp * r.pp * r.dp,
  tp: r.tp,
  pp: r.pp,
  dp: r.dp,
  mbs: r.mbs,
  gbs: r.mbs * r.dp * r.micro,
  recompute: r.recompute,
  sequenceParallel: r.sp && r.tp > 1,
  zero: r.zero,
});

describe('invariants (property tests)', () => {
  const model = () => loadModel('llama3-8b');
  it('more bandwidth on any tier never increases step time', () => {
    fc.assert(
      fc.property(
        planArb,
        fc.constantFrom('scaleUp', 'scaleOut', 'wan'),
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (r, tier, factor) => {
          const plan = toPlan(r);
          const wan = {
            tier: { name: 'wan' as const, bandwidthGbps: 1000, latencyUs: 5000, efficiency: 0.9 },
            dpSites: 2,
            ppSites: 1,
          };
          const base = estimateWithTiers(model(), tiers, plan, { wan });
          let faster: SystemTiers = tiers;
          let fasterWan = wan;
          if (tier === 'wan')
            fasterWan = { ...wan, tier: { ...wan.tier, bandwidthGbps: wan.tier.bandwidthGbps * factor } };
          else faster = { ...tiers, [tier]: { ...tiers[tier], bandwidthGbps: tiers[tier].bandwidthGbps * factor } };
          const after = estimateWithTiers(model(), faster, plan, { wan: fasterWan });
          // Relative 1e-9: when the WAN binds, a faster tier shrinks the overlap window by exactly what the exposed WAN
          // time grows, and the sum differs in the last bits (1.0003e-12 seen for tp 8, dp 8, ZeRO-3, scale-up x1.3).
          expect(after.stepTimeSeconds).toBeLessThanOrEqual(base.stepTimeSeconds * (1 + 1e-9));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('more recompute never increases memory', () => {
    fc.assert(
      fc.property(planArb, (r) => {
        const order = ['none', 'selective', 'full'] as const;
        const mem = order.map(
          (recompute) => estimateWithTiers(model(), tiers, { ...toPlan(r), recompute }).memoryGiBPerGpu,
        );
        expect(mem[1]).toBeLessThanOrEqual(mem[0] + 1e-9);
        expect(mem[2]).toBeLessThanOrEqual(mem[1] + 1e-9);
      }),
      { numRuns: 300 },
    );
  });
  it('a larger global batch never lowers tokens/s for a fixed plan', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: 2, max: 16 }), (r, multiple) => {
        const plan = toPlan(r);
        const small = estimateWithTiers(model(), tiers, plan);
        const large = estimateWithTiers(model(), tiers, { ...plan, gbs: plan.gbs * multiple });
        expect(large.tokensPerSecond).toBeGreaterThanOrEqual(small.tokensPerSecond * (1 - 1e-12));
      }),
      { numRuns: 300 },
    );
  });
});
