import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../fabric/load.js';
import type { ScaleOutNetwork } from '../../fabric/types.js';
import { loadModel } from '../models.js';
import { replicaModel } from './replica.js';
import { decodeBreakdown } from './timings.js';
import { loadAtRate, lognormalSigma } from './estimate.js';
import { tiersForSystem } from '../tiers.js';
import type { SystemTiers } from '../types.js';
import {
  estimateServing,
  mdOneWaitP99Seconds,
  replicaTimings,
  tabulated,
  ServingPlanError,
  type ServingPlan,
  type ServingWorkload,
} from './index.js';

const net: ScaleOutNetwork = {
  topology: 'fat-tree-2',
  railOptimized: true,
  nicGbpsPerGpu: 400,
  oversubscription: [1],
  fullBisectionGpus: 1024,
  hopLatencyUs: 1,
  transport: 'infiniband',
};
const catalog = loadCatalog();
const tiers = (id: string): SystemTiers => tiersForSystem(catalog.systems.get(id)!, net);
const h100 = tiers('hgx-h100');
const h200 = tiers('hgx-h200');
const a100 = tiers('dgx-a100-80gb');
const llama70b = loadModel('llama3-70b');
const llama8b = loadModel('llama3-8b');
const deepseek = loadModel('deepseek-v3');
const mixtral = loadModel('mixtral-8x7b');
const plan = (p: Partial<ServingPlan>): ServingPlan => ({
  tp: 8,
  pp: 1,
  ep: 1,
  precision: 'bf16',
  maxBatch: 256,
  ...p,
});
const chat: ServingWorkload = { promptTokensMean: 1024, outputTokensMean: 256 };

describe('KV cache bytes', () => {
  it('Llama 3 70B (GQA, 8 KV heads): 2 (K and V) x 8 heads x 128 dims x 80 layers x 2 bytes per token', () => {
    // head dim = 8192 / 64 = 128
    const expected = 2 * 8 * 128 * 80 * 2; // 327,680 B = 320 KiB
    expect(expected).toBe(327680);
    expect(replicaTimings(llama70b, h100, plan({})).kvBytesPerToken).toBe(expected);
    expect(replicaTimings(llama70b, h100, plan({ kvCacheFormat: 'fp8' })).kvBytesPerToken).toBe(expected / 2);
  });

  it('DeepSeek-V3 (MLA): (kvLoraRank 512 + qkRopeHeadDim 64) x 61 layers x 2 bytes per token', () => {
    const expected = (512 + 64) * 61 * 2; // 70,272 B
    expect(expected).toBe(70272);
    const t = replicaTimings(deepseek, h200, plan({ precision: 'fp8', ep: 8 }));
    expect(t.kvBytesPerToken).toBe(expected);
  });

  it('the KV cache holds more tokens with more GPUs and with an fp8 cache', () => {
    const tp4 = replicaTimings(llama70b, h100, plan({ tp: 4 })).kvCapacityTokens;
    const tp8 = replicaTimings(llama70b, h100, plan({ tp: 8 })).kvCapacityTokens;
    const tp8fp8 = replicaTimings(llama70b, h100, plan({ tp: 8, kvCacheFormat: 'fp8' })).kvCapacityTokens;
    expect(tp8).toBeGreaterThan(2 * tp4);
    expect(tp8fp8).toBeGreaterThan(1.9 * tp8);
  });
});

describe('monotonicity', () => {
  it('more batch: more tokens/s and a longer decode step', () => {
    const t = replicaTimings(llama70b, h100, plan({}));
    let lastStep = 0;
    let lastRate = 0;
    for (const b of [1, 2, 8, 32, 128, 256]) {
      const step = t.decodeStepSeconds(b, b * 1152);
      expect(step).toBeGreaterThan(lastStep);
      expect(b / step).toBeGreaterThan(lastRate);
      lastStep = step;
      lastRate = b / step;
    }
  });

  it('more TP lowers the batch-1 decode step of a big model, until communication dominates a small one', () => {
    const step = (tp: number, model = llama70b) => replicaTimings(model, h100, plan({ tp })).decodeStepSeconds(1, 1024);
    expect(step(2)).toBeLessThan(step(1));
    expect(step(4)).toBeLessThan(step(2));
    expect(step(8)).toBeLessThan(step(4));
    // Llama 3 8B: the gain from 4 to 8 GPUs is far smaller than from 1 to 2 (all-reduces and fixed costs remain).
    const gain12 = step(1, llama8b) / step(2, llama8b);
    const gain48 = step(4, llama8b) / step(8, llama8b);
    expect(gain48).toBeLessThan(gain12);
    expect(gain48).toBeLessThan(1.3);
  });

  it('fp8 is never slower than bf16', () => {
    const bf = replicaTimings(llama70b, h100, plan({}));
    const f8 = replicaTimings(llama70b, h100, plan({ precision: 'fp8' }));
    for (const b of [1, 16, 256])
      expect(f8.decodeStepSeconds(b, b * 2048)).toBeLessThanOrEqual(bf.decodeStepSeconds(b, b * 2048));
    for (const n of [128, 2048, 8192]) expect(f8.prefillSeconds(n)).toBeLessThanOrEqual(bf.prefillSeconds(n));
  });

  it('a longer prompt takes longer to prefill, faster than linearly once attention matters', () => {
    const t = replicaTimings(llama8b, h100, plan({ tp: 1 }));
    expect(t.prefillSeconds(8192)).toBeGreaterThan(t.prefillSeconds(2048));
    expect(t.prefillSeconds(32768) / t.prefillSeconds(8192)).toBeGreaterThan(4);
  });
});

describe('estimateServing', () => {
  it('Llama 3 70B on 8x H100: batch, TTFT, TPOT and throughput in physical ranges', () => {
    const e = estimateServing({ model: llama70b, system: h100, plan: plan({}), workload: chat });
    expect(e.infeasibleReason).toBeUndefined();
    expect(e.maxConcurrentBatch).toBe(256);
    // Batch-1 decode cannot beat reading the bf16 weights once from HBM: 141 GB / 8 GPUs / 3.35 TB/s = 5.3 ms.
    const weightFloorS = parameterBytes(llama70b) / 8 / 3.35e12;
    expect(e.timings.decodeStepSeconds(1, 1024)).toBeGreaterThan(weightFloorS);
    expect(e.ttftIdleMs).toBeGreaterThan(10);
    expect(e.ttftIdleMs).toBeLessThan(500);
    expect(e.tpotAtMaxBatchMs).toBeGreaterThan(e.timings.decodeStepSeconds(1, 1024) * 1e3);
    expect(e.outputTokensPerSecond).toBeGreaterThan(1000);
  });

  it('names the reason a plan does not fit', () => {
    const e = estimateServing({ model: llama70b, system: h100, plan: plan({ tp: 1 }), workload: chat });
    expect(e.infeasibleReason).toMatch(/exceed its 79\.\d GiB of HBM/);
    expect(e.maxConcurrentBatch).toBe(0);
    expect(e.outputTokensPerSecond).toBe(0);
    const fp8 = estimateServing({
      model: llama8b,
      system: a100,
      plan: plan({ tp: 1, precision: 'fp8' }),
      workload: chat,
    });
    expect(fp8.infeasibleReason).toMatch(/no FP8 tensor cores/);
  });

  it('rejects broken plans with the field and the fix', () => {
    const bad =
      (p: Partial<ServingPlan>, model = llama70b) =>
      () =>
        estimateServing({ model, system: h100, plan: plan(p), workload: chat });
    expect(bad({ tp: 3 })).toThrow(ServingPlanError);
    expect(bad({ tp: 3 })).toThrow(/tp: 64 attention heads are not divisible by tp = 3/);
    expect(bad({ ep: 2 })).toThrow(/ep: .* is dense/);
    expect(bad({ tp: 0 })).toThrow(/tp must be a positive integer/);
    expect(bad({ ep: 3, tp: 8 }, mixtral)).toThrow(/experts are not divisible by ep = 3/);
    expect(bad({ disaggregated: { prefillGpus: 4, decodeGpus: 8 } })).toThrow(/disaggregated.prefillGpus/);
    expect(() =>
      estimateServing({
        model: llama70b,
        system: h100,
        plan: plan({}),
        workload: { promptTokensMean: 0, outputTokensMean: 10 },
      }),
    ).toThrow(/workload.promptTokensMean: must be a number >= 1, got 0/);
    expect(() =>
      estimateServing({
        model: llama70b,
        system: h100,
        plan: plan({}),
        workload: chat,
        slo: { ttftP99Ms: -1, tpotP99Ms: 50 },
      }),
    ).toThrow(/slo.ttftP99Ms: must be a positive number/);
  });

  it('throughput at an SLO: within the bound, lower for a tighter SLO, 0 when idle already misses it', () => {
    const run = (ttftP99Ms: number, tpotP99Ms: number) =>
      estimateServing({ model: llama70b, system: h100, plan: plan({}), workload: chat, slo: { ttftP99Ms, tpotP99Ms } });
    const loose = run(5000, 200);
    const tight = run(1000, 30);
    const lambdaMax = loose.outputTokensPerSecond / chat.outputTokensMean;
    expect(loose.requestsPerSecondAtSlo!).toBeGreaterThan(0);
    expect(loose.requestsPerSecondAtSlo!).toBeLessThanOrEqual(lambdaMax * (1 + 1e-9));
    expect(tight.requestsPerSecondAtSlo!).toBeLessThan(loose.requestsPerSecondAtSlo!);
    expect(tight.requestsPerSecondAtSlo!).toBeGreaterThan(0);
    expect(run(1, 200).requestsPerSecondAtSlo).toBe(0);
  });

  it('MoE: DeepSeek-V3 fp8 fits one 8x H200 node with EP 8 and reads only the routed experts at batch 1', () => {
    const e = estimateServing({
      model: deepseek,
      system: h200,
      plan: plan({ precision: 'fp8', ep: 8 }),
      workload: chat,
    });
    expect(e.infeasibleReason).toBeUndefined();
    const t = e.timings;
    // Batch 1 touches 8 of 256 experts per layer: far less than reading all 671B parameters (84 GB per GPU at fp8).
    expect(t.decodeStepSeconds(1, 1024)).toBeLessThan(671e9 / 8 / 4.8e12);
    expect(t.decodeStepSeconds(256, 256 * 1152)).toBeGreaterThan(t.decodeStepSeconds(1, 1024));
    // MLA decodes in the latent space: 128 heads x (2 x (512 + 64) + 2 x 512) FLOPs per context token per layer.
    // 64 sequences x 8192 tokens x 61 layers x 278,528 = 8.9e12 FLOPs over 8 GPUs at 989 TFLOP/s: at least 1.1 ms.
    const r = replicaModel(deepseek, h200, plan({ precision: 'fp8', ep: 8 }));
    const floorS = (64 * 8192 * 61 * 128 * (2 * 576 + 2 * 512)) / 8 / 989.4e12;
    expect(decodeBreakdown(r.ctx, 64, 64 * 8192).attentionSeconds).toBeGreaterThan(floorS);
  });

  it('disaggregation: KV transfer over the NICs adds to TTFT, and decode no longer waits for prefills', () => {
    const workload = { promptTokensMean: 4096, outputTokensMean: 256 };
    const colo = estimateServing({ model: llama70b, system: h100, plan: plan({}), workload });
    const dis = estimateServing({
      model: llama70b,
      system: h100,
      plan: plan({ disaggregated: { prefillGpus: 8, decodeGpus: 8 } }),
      workload,
    });
    const t = dis.timings;
    expect(t.gpusPerReplica).toBe(16);
    expect(t.prefillInstances).toBe(1);
    // 4096 tokens x 320 KiB = 1.34 GB over 8 NICs of 400 Gb/s at 0.9: at least 3.7 ms.
    const floorS = (4096 * 327680) / 8 / ((400e9 * 0.9) / 8);
    expect(t.kvTransferSeconds(4096)).toBeGreaterThanOrEqual(floorS);
    expect(dis.ttftIdleMs).toBeCloseTo(colo.ttftIdleMs + t.kvTransferSeconds(4096) * 1e3, 6);
    expect(dis.tpotAtMaxBatchMs).toBeLessThan(colo.tpotAtMaxBatchMs);
    expect(colo.timings.kvTransferSeconds(4096)).toBe(0);
  });
});

describe('layouts', () => {
  it('DeepSeek-V3 with attention data-parallel (tp 1, ep 8): 8 KV groups hold more tokens than tp 8 replicating MLA', () => {
    const dp = replicaTimings(deepseek, h200, plan({ tp: 1, ep: 8, precision: 'fp8' }));
    const tp = replicaTimings(deepseek, h200, plan({ tp: 8, ep: 8, precision: 'fp8' }));
    expect(dp.gpusPerReplica).toBe(8);
    expect(tp.gpusPerReplica).toBe(8);
    // MLA's latent is replicated on every TP rank; attention DP gives each group its own sequences.
    expect(dp.kvCapacityTokens).toBeGreaterThan(4 * tp.kvCapacityTokens);
    expect(dp.decodeStepSeconds(64, 64 * 2048)).toBeGreaterThan(0);
  });

  it('pipeline parallel: weights stream once per micro-batch, so only the KV reads spread over the extra stages', () => {
    const pp1 = replicaModel(llama70b, h100, plan({ tp: 4, pp: 1, precision: 'fp8' }));
    const pp2 = replicaModel(llama70b, h100, plan({ tp: 4, pp: 2, precision: 'fp8' }));
    expect(pp2.timings.gpusPerReplica).toBe(8);
    expect(pp2.timings.kvCapacityTokens).toBeGreaterThan(2 * pp1.timings.kvCapacityTokens);
    const [a, b] = [pp1, pp2].map((r) => decodeBreakdown(r.ctx, 64, 64 * 2048));
    // Each stage holds half the layers but runs both micro-batches through them: the linear time stays.
    expect(b.linearSeconds / a.linearSeconds).toBeGreaterThan(0.85);
    expect(b.linearSeconds / a.linearSeconds).toBeLessThan(1.05);
    // Each GPU reads the KV of its own layers only: half the attention time.
    expect(b.attentionSeconds / a.attentionSeconds).toBeCloseTo(0.5, 2);
    // One sequence cannot fill two stages: the iteration still passes both, each reading its weights once, so the
    // batch-1 step is no faster with pp 2 (bubble), only slower by the stage-to-stage send.
    expect(pp2.timings.decodeStepSeconds(1, 2048)).toBeGreaterThanOrEqual(
      0.97 * pp1.timings.decodeStepSeconds(1, 2048),
    );
  });
});

describe('batch limits', () => {
  it('guaranteed-no-evict admits fewer requests than mean-occupancy admission; a token budget caps the batch', () => {
    const w = { promptTokensMean: 2048, outputTokensMean: 2048 };
    const run = (p: Partial<ServingPlan>) =>
      estimateServing({ model: llama70b, system: h100, plan: plan({ maxBatch: 4096, ...p }), workload: w });
    const mean = run({});
    const noEvict = run({ kvAdmission: 'guaranteed-no-evict' });
    expect(mean.batchLimitedBy).toBe('kvCache');
    // KV held per request: 2048 + 2048 = 4096 tokens against 2048 + 1024 = 3072 on average.
    expect(noEvict.maxConcurrentBatch).toBe(Math.floor(mean.timings.kvCapacityTokensPerInstance! / 4096));
    expect(mean.maxConcurrentBatch).toBe(Math.floor(mean.timings.kvCapacityTokensPerInstance! / 3072));
    // A budget of 256 tokens per iteration: B decode tokens plus B x 2048 / 2048 prompt tokens, so B <= 128.
    const budget = run({ maxPrefillTokens: 256 });
    expect(budget.batchLimitedBy).toBe('tokenBudget');
    expect(budget.maxConcurrentBatch).toBe(128);
  });
});

describe('queueing', () => {
  it('the tabulated step curve stays within 2% of the exact one', () => {
    const t = replicaTimings(llama70b, h100, plan({ precision: 'fp8' }));
    const exact = (b: number) => t.decodeStepSeconds(b, b * 1152);
    const curve = tabulated({
      disaggregated: false,
      prefillInstances: 1,
      decodeInstances: 1,
      prefillMeanSeconds: 0.05,
      prefillCostSeconds: 0.02,
      prefillP99Seconds: 0.05,
      outputTokens: 256,
      maxBatch: 256,
      stepSeconds: exact,
    });
    for (const b of [1, 3, 7.5, 20, 64, 100, 200, 256]) expect(curve.stepSeconds(b) / exact(b)).toBeCloseTo(1, 1.7);
  });

  it('p99 TPOT under load: the mean step plus the spread of prefills a short request shares; wider with spread shapes', () => {
    const spread: ServingWorkload = {
      promptTokensMean: 1155,
      promptTokensP99: 4142,
      outputTokensMean: 211,
      outputTokensP99: 601,
    };
    const inputs = (w: ServingWorkload) => ({
      model: llama70b,
      system: h100,
      plan: plan({ precision: 'fp8' }),
      workload: w,
    });
    const flat = loadAtRate(inputs({ promptTokensMean: 1155, outputTokensMean: 211 }), 10);
    // Fixed prompts still arrive in Poisson numbers; spread prompts and outputs widen the tail at the same means.
    expect(flat.tpotP99Seconds).toBeGreaterThan(flat.tpotMeanSeconds);
    const lo = loadAtRate(inputs(spread), 2);
    const hi = loadAtRate(inputs(spread), 10);
    expect(hi.tpotMeanSeconds).toBeCloseTo(flat.tpotMeanSeconds, 9);
    expect(hi.tpotP99Seconds).toBeGreaterThan(flat.tpotP99Seconds);
    expect(hi.tpotP99Seconds).toBeGreaterThan(hi.tpotMeanSeconds * 1.05);
    // More arrivals per short request's life: a wider tail, in absolute and relative terms.
    expect(hi.tpotP99Seconds / hi.tpotMeanSeconds).toBeGreaterThan(lo.tpotP99Seconds / lo.tpotMeanSeconds);
    // The fitted log-normal reproduces the p99 / mean ratio it was fitted to: exp(z99 sigma - sigma^2 / 2).
    const sigma = lognormalSigma(1155, 4142);
    expect(Math.exp(2.326 * sigma - (sigma * sigma) / 2)).toBeCloseTo(4142 / 1155, 6);
    expect(lognormalSigma(1155, undefined)).toBe(0);
  });

  it('M/D/1 p99 wait: 0 at low load, growing without bound towards saturation', () => {
    expect(mdOneWaitP99Seconds(0.005, 1)).toBe(0);
    const waits = [0.3, 0.6, 0.9, 0.99].map((rho) => mdOneWaitP99Seconds(rho, 1));
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
    // rho 0.9: mean wait 0.9 / (2 x 0.1) = 4.5 s; exponential tail p99 = 4.5 / 0.9 x ln(90) = 22.5 s.
    expect(waits[2]).toBeCloseTo((4.5 / 0.9) * Math.log(90), 9);
    expect(mdOneWaitP99Seconds(1, 1)).toBe(Infinity);
  });
});

function parameterBytes(model: typeof llama70b): number {
  const h = model.hiddenSize;
  const layer = h * (h + 2 * 1024) + h * h + 3 * h * model.ffnHiddenSize;
  return 2 * (model.layers * layer + 2 * model.vocabSize * h);
}
