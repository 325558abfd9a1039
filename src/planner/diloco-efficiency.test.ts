import { describe, expect, it } from 'vitest';
import { dilocoLossGapPercent, dilocoTokenEfficiency } from './diloco-efficiency.js';

describe('DiLoCo token efficiency law (Charles et al. 2025, Table 4 and 7)', () => {
  it('reproduces the published loss gaps at the table points', () => {
    expect(dilocoLossGapPercent(8, 1.3e9)).toBeCloseTo(1.3, 10);
    expect(dilocoLossGapPercent(4, 35e6)).toBeCloseTo(2.0, 10);
    expect(dilocoLossGapPercent(2, 2.4e9)).toBeCloseTo(-0.1, 10);
  });

  it('turns a loss gap into compute on the data-parallel frontier L ~ C^(alpha/2), alpha = -0.0953', () => {
    // M = 8 at 1.3B: +1.3% loss; the synchronous run reaches that loss with 1.013^(-2/0.0953) of the compute.
    expect(dilocoTokenEfficiency(8, 1.3e9)).toBeCloseTo(Math.exp((-2 / 0.0953) * Math.log(1.013)), 10);
    expect(dilocoTokenEfficiency(8, 1.3e9)).toBeGreaterThan(0.75);
    expect(dilocoTokenEfficiency(8, 1.3e9)).toBeLessThan(0.78);
    // M = 4 beyond the table holds the 2.4B row: +0.3%.
    expect(dilocoTokenEfficiency(4, 405e9)).toBeCloseTo(Math.exp((-2 / 0.0953) * Math.log(1.003)), 10);
  });

  it('never credits more than synchronous training, and more replicas never help', () => {
    expect(dilocoTokenEfficiency(1, 2.4e9)).toBe(1);
    expect(dilocoTokenEfficiency(2, 405e9)).toBe(1);
    for (const n of [35e6, 300e6, 2.4e9, 70e9])
      for (let m = 1; m < 32; m++)
        expect(dilocoTokenEfficiency(m + 1, n)).toBeLessThanOrEqual(dilocoTokenEfficiency(m, n) + 1e-12);
  });
});

describe('the planner uses the law for DiLoCo plans', () => {
  it('charges a DiLoCo plan over two sites the law for two replicas, unless the request gives an efficiency', async () => {
    const { twoSites } = await import('./fabrics.fixture.js');
    const { planOnFabric } = await import('./search.js');
    const { loadModel, layerShape, parameterCounts } = await import('../perf/index.js');
    const model = loadModel('llama3-8b');
    const params = parameterCounts(model, layerShape(model)).total;
    const req = { strategies: ['diloco' as const], top: 1 };
    const plan = planOnFabric(model, twoSites(100), req).plans[0];
    expect(plan.strategy).toBe('diloco');
    expect(plan.tokenEfficiency).toBe(dilocoTokenEfficiency(2, params));
    expect(plan.effectiveTokensPerSecond).toBeCloseTo(plan.tokensPerSecond * plan.tokenEfficiency, 6);
    const given = planOnFabric(model, twoSites(100), { ...req, dilocoTokenEfficiency: 0.9 }).plans[0];
    expect(given.tokenEfficiency).toBe(0.9);
  });
});
