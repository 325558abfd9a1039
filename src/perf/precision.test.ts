import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { checkPlan, estimate, estimateWithTiers, loadModel, tiersForFabric } from './index.js';
import type { Plan, SystemTiers } from './types.js';

let h100: SystemTiers;
beforeAll(async () => {
  h100 = tiersForFabric(await loadFabric('dgx-h100-ib'));
});

describe('FP8 (Transformer Engine) as a plan input', () => {
  const plan: Plan = { gpus: 64, tp: 4, pp: 2, dp: 8, mbs: 1, gbs: 256, sequenceParallel: true, recompute: 'none' };
  it('defaults to BF16: no precision and precision bf16 give the same estimate', () => {
    const model = loadModel('llama3-70b');
    expect(estimateWithTiers(model, h100, plan)).toEqual(
      estimateWithTiers(model, h100, { ...plan, precision: 'bf16' }),
    );
  });
  it('speeds up a GEMM-bound step by more than 1.2x but less than the 2x of the FP8 peak (attention stays BF16)', () => {
    const model = loadModel('llama3-70b');
    const bf16 = estimateWithTiers(model, h100, plan);
    const fp8 = estimateWithTiers(model, h100, { ...plan, precision: 'fp8' });
    const speedup = bf16.stepTimeSeconds / fp8.stepTimeSeconds;
    expect(speedup).toBeGreaterThan(1.2);
    expect(speedup).toBeLessThan(2);
  });
  it('keeps GEMM inputs in FP8 for the backward: activations shrink, model state does not', () => {
    const model = loadModel('llama3-70b');
    const bf16 = estimateWithTiers(model, h100, plan).breakdown.memory;
    const fp8 = estimateWithTiers(model, h100, { ...plan, precision: 'fp8' }).breakdown.memory;
    expect(fp8.activationsGiB).toBeLessThan(bf16.activationsGiB);
    expect(fp8.weightsGiB + fp8.gradientsGiB + fp8.optimizerGiB).toBeCloseTo(
      bf16.weightsGiB + bf16.gradientsGiB + bf16.optimizerGiB,
      9,
    );
  });
  it('rejects FP8 on a GPU without FP8 tensor cores (A100) with a fix', async () => {
    const a100 = await loadFabric('dgx-a100-80gb');
    const model = loadModel('llama3-8b');
    expect(() =>
      estimate({ model, fabric: a100, plan: { gpus: 8, tp: 1, pp: 1, dp: 8, mbs: 1, gbs: 8, precision: 'fp8' } }),
    ).toThrow(/precision: .*no FP8 tensor cores.*--precision bf16/);
  });
});

describe('MoE parallel folding', () => {
  // The published DeepSeek-V3 layout issue 11 cites: TP 2, PP 16, EP 64 on 1,024 H100 (rejected before folding).
  const deepseek: Plan = { gpus: 1024, tp: 2, pp: 16, dp: 32, ep: 64, mbs: 1, gbs: 1024, sequenceParallel: true };
  it('accepts TP 2 x PP 16 x EP 64 on 1,024 GPUs once expert TP is 1, and says how to fix it otherwise', () => {
    const model = loadModel('deepseek-v3');
    const issues = checkPlan(model, deepseek);
    expect(issues.map((i) => i.path)).toEqual(['ep']);
    expect(issues[0].hint).toMatch(/etp 1/);
    expect(checkPlan(model, { ...deepseek, etp: 1 })).toEqual([]);
    expect(estimateWithTiers(model, h100, { ...deepseek, etp: 1 }).fits).toBe(true);
  });
  it('shards expert optimizer states over fewer ranks as EP grows (expert-DP = tp*dp*cp / (ep*etp))', () => {
    const model = loadModel('mixtral-8x7b');
    const base: Plan = { gpus: 64, tp: 2, pp: 1, dp: 32, mbs: 1, gbs: 64, ep: 2 };
    const small = estimateWithTiers(model, h100, base).breakdown.memory.optimizerGiB;
    const large = estimateWithTiers(model, h100, { ...base, ep: 8 }).breakdown.memory.optimizerGiB;
    // 4x more EP: each GPU holds 1/4 of the experts, sharded over 1/4 of the ranks: expert states stay the same.
    expect(large).toBeCloseTo(small, 6);
  });
});

describe('activation offloading (Megatron-Core cpu_offloading_num_layers)', () => {
  it('moves the offloaded layers out of HBM and costs what the host link cannot hide', async () => {
    const gb200 = tiersForFabric(await loadFabric('gb200-nvl72'));
    const model = loadModel('llama3-70b');
    const plan: Plan = { gpus: 64, tp: 1, pp: 1, dp: 64, mbs: 2, gbs: 256, zero: 3, precision: 'fp8' };
    const kept = estimateWithTiers(model, gb200, plan);
    const half = estimateWithTiers(model, gb200, { ...plan, offloadLayers: 40 });
    // 40 of 80 layers: the per-layer activations (all but the working and logits terms) halve.
    expect(half.breakdown.memory.activationsGiB).toBeLessThan(0.55 * kept.breakdown.memory.activationsGiB);
    expect(half.breakdown.memory.activationsGiB).toBeGreaterThan(0.45 * kept.breakdown.memory.activationsGiB);
    expect(half.stepTimeSeconds).toBeGreaterThanOrEqual(kept.stepTimeSeconds);
    // A slower host link (PCIe Gen5, 64 GB/s) exposes more of the copies than NVLink-C2C.
    const pcie = estimateWithTiers(model, { ...gb200, hostLinkGBps: 64 }, { ...plan, offloadLayers: 40 });
    expect(pcie.stepTimeSeconds).toBeGreaterThan(half.stepTimeSeconds);
  });
  it('rejects more offloaded layers than a stage holds', () => {
    const model = loadModel('llama3-70b');
    const issues = checkPlan(model, { gpus: 64, tp: 1, pp: 2, dp: 32, mbs: 1, gbs: 64, offloadLayers: 41 });
    expect(issues.map((i) => i.path)).toEqual(['offloadLayers']);
  });
});
