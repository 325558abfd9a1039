// The planner's precision choice (bf16 | fp8 | auto) and MoE parallel folding (ep x etp over tp x dp x cp).
import { beforeAll, describe, expect, it } from 'vitest';
import { PlanRequestSchema } from '../core/plan-request.js';
import { loadFabric } from '../fabric/load.js';
import type { Fabric } from '../fabric/types.js';
import { layerShape, loadModel, tiersForFabric, type Plan } from '../perf/index.js';
import { etpOptions, planOnFabric, PlannerInputError, searchPlans } from './search.js';

let h100: Fabric;
let a100: Fabric;
beforeAll(async () => {
  h100 = await loadFabric('dgx-h100-ib');
  a100 = await loadFabric('dgx-a100-80gb');
});

describe('MoE parallel folding in the plan search', () => {
  it('admits layouts whose EP group is wider than dp*cp, as (tp*dp*cp) % (ep*etp) allows', () => {
    const model = loadModel('deepseek-v3');
    // TP 2 x DP 32 = 64 ranks per stage: EP 64 folds over TP and DP with expert TP 1, not with expert TP 2.
    expect(etpOptions(model, 2, 32, 1, 64)).toEqual([1]);
    expect(etpOptions(model, 2, 64, 1, 64)).toEqual([1, 2]);
    expect(etpOptions(model, 2, 16, 1, 64)).toEqual([]);
    expect(etpOptions(loadModel('llama3-8b'), 4, 8, 1, 1)).toEqual([4]);
  });

  it("finds DeepSeek-V3's published layout (TP 2, PP 16, EP 64 on 1,024 H100) and a fitting best plan", () => {
    const model = loadModel('deepseek-v3');
    const tiers = tiersForFabric(h100);
    const seen: Plan[] = [];
    const ctx = {
      model,
      shape: layerShape(model),
      seq: 4096,
      targetTokensPerStep: 15360 * 4096,
      space: { tp: [2], cp: [1], ep: [64], mbs: [1], vpp: [1] },
    };
    searchPlans(ctx, tiers, 1024, 1, 'local', {}, ({ plan, estimate }) => {
      expect(estimate.fits).toBe(true);
      seen.push(plan);
    });
    const published = seen.find((p) => p.pp === 16 && p.dp === 32 && p.ep === 64);
    expect(published?.etp).toBe(1);

    const result = planOnFabric(model, h100, { gpus: 1024, strategies: ['single-site'], top: 3 });
    const best = result.plans[0];
    expect(best.gpus).toBeLessThanOrEqual(1024);
    expect(best.ep).toBeGreaterThan(1);
    expect((best.tp * best.dp * best.cp) % (best.ep * best.etp!)).toBe(0);
    expect(best.fits).toBe(true);
  });
});

describe('precision in the plan search', () => {
  it('plans faster in FP8 than in BF16 on H100, and auto picks FP8 and says so', () => {
    const model = loadModel('llama3-70b');
    const req = { gpus: 64, strategies: ['single-site' as const], top: 1 };
    const bf16 = planOnFabric(model, h100, { ...req, precision: 'bf16' }).plans[0];
    const fp8 = planOnFabric(model, h100, { ...req, precision: 'fp8' }).plans[0];
    const auto = planOnFabric(model, h100, { ...req, precision: 'auto' }).plans[0];
    const byDefault = planOnFabric(model, h100, req).plans[0];
    expect(bf16.precision).toBe('bf16');
    expect(byDefault.precision).toBe('bf16');
    expect(byDefault.tokensPerSecond).toBe(bf16.tokensPerSecond);
    expect(fp8.precision).toBe('fp8');
    expect(fp8.tokensPerSecond).toBeGreaterThan(1.1 * bf16.tokensPerSecond);
    expect(auto.precision).toBe('fp8');
    expect(auto.tokensPerSecond).toBe(fp8.tokensPerSecond);
  });

  it('refuses FP8 on A100 with an issue naming the precision field; auto falls back to BF16 there', () => {
    const model = loadModel('llama3-8b');
    const req = { gpus: 64, strategies: ['single-site' as const], top: 1 };
    let caught: unknown;
    try {
      planOnFabric(model, a100, { ...req, precision: 'fp8' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PlannerInputError);
    const issue = (caught as PlannerInputError).issues[0];
    expect(issue.path).toBe('precision');
    expect(issue.message).toMatch(/a100/i);
    expect(issue.hint).toMatch(/bf16/);
    const auto = planOnFabric(model, a100, { ...req, precision: 'auto' });
    expect(auto.plans.every((p) => p.precision === 'bf16')).toBe(true);
  });

  it('takes precision in the plan request schema and names the field when it is wrong', () => {
    expect(PlanRequestSchema.safeParse({ model: 'llama3-8b', precision: 'auto' }).success).toBe(true);
    const bad = PlanRequestSchema.safeParse({ model: 'llama3-8b', precision: 'fp16' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].path).toEqual(['precision']);
  });
});
