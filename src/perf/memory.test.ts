import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { estimateWithTiers, loadModel, parameterCounts, tiersForFabric } from './index.js';
import { GiB, modelStateBytes, modelStateBytesPerGpu } from './memory.js';
import type { SystemTiers } from './types.js';

let tiers: SystemTiers;
beforeAll(async () => {
  tiers = tiersForFabric(await loadFabric('dgx-h100-ib'));
});

describe('model-state memory', () => {
  it("matches Megatron-LM's distributed-optimizer table: 18 bytes/param replicated, 6 + 12/d sharded", () => {
    // Megatron Core developer guide, Distributed Optimizer (docs.nvidia.com/megatron-core/developer-guide/latest/
    // distrib_optimizer.html): 16-bit params with FP32 grads take 18 bytes per parameter without the
    // distributed optimizer and 6 + 12/d with it, d = data-parallel size.
    expect(modelStateBytes(1, 8, 0)).toBe(18);
    expect(modelStateBytes(1, 8, 1)).toBeCloseTo(6 + 12 / 8, 12);
    expect(modelStateBytes(1, 8, 3)).toBeCloseTo(18 / 8, 12);
  });

  it('shards expert states over the expert-data-parallel ranks (tp*dp*cp / (ep*etp))', () => {
    // 64 experts' worth of parameters on tp 2, pp 1, ep 8, etp 1, dp 8: expert-DP = 2*8/8 = 2 ranks.
    const perGpu = modelStateBytesPerGpu(1000, 800, 2, 1, 8, 1, 8, 1);
    const dense = (1000 - 800) / 2;
    const expert = 800 / 8;
    expect(perGpu).toBeCloseTo(dense * (6 + 12 / 8) + expert * (6 + 12 / 2), 9);
  });

  it('is the same formula the estimate reports (the planner prunes with it)', () => {
    const model = loadModel('mixtral-8x7b');
    const counts = parameterCounts(model);
    for (const zero of [0, 1, 2, 3] as const) {
      const plan = { gpus: 64, tp: 2, pp: 2, dp: 16, ep: 4, mbs: 1, gbs: 64, zero };
      const m = estimateWithTiers(model, tiers, plan).breakdown.memory;
      const state = modelStateBytesPerGpu(counts.total, counts.expertParamsTotal, 2, 2, 4, 2, 16, zero);
      expect(m.weightsGiB + m.gradientsGiB + m.optimizerGiB).toBeCloseTo(state / GiB, 9);
    }
  });
});
