// The second TPU run that docs/validation.md ("Presets without a validating run") says was tried and not added:
// MaxText TPU v4 22B on 1x v4-128 (AI-Hypercomputer/maxtext configs/v4 at commit 76bd53b0f, README table and 22b.sh;
// setup in docs/sources.md). This test backs the figures that section states, so they cannot drift from the model.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { estimateWithTiers, tiersForFabric } from './index.js';
import type { ModelSpec, Plan, SystemTiers } from './types.js';

/** 22b.sh + base.yml: 48 layers, emb 6144, 24 heads of 256, relu MLP 24576, tied embeddings, vocab 32,768, seq 2,048. */
const maxtext22b: ModelSpec = {
  name: 'MaxText 22B',
  layers: 48,
  hiddenSize: 6144,
  ffnHiddenSize: 24576,
  attentionHeads: 24,
  kvHeads: 24,
  headDim: 256,
  vocabSize: 32768,
  seqLength: 2048,
  gatedMlp: false,
  tiedEmbeddings: true,
};
/** 64 chips, FSDP 64 (ZeRO-3), per-device batch 16 in one micro-batch, full remat. */
const plan: Plan = { gpus: 64, tp: 1, pp: 1, dp: 64, mbs: 16, gbs: 1024, seq: 2048, recompute: 'full', zero: 3 };
/** README: 156 TFLOP/s per chip; train.py's 6N + causal attention count, N = 21,945,194,496 (docs/sources.md). */
const PUBLISHED_TOKENS_PER_S_PER_CHIP = 1153;

let tiers: SystemTiers;
beforeAll(async () => {
  tiers = tiersForFabric(await loadFabric('tpu-v4-palm'));
});

describe('MaxText TPU v4 22B, tried and not added (docs/validation.md)', () => {
  it('predicts about 950 tokens/s per chip (-17.6% of 1,153) and 43 GiB of the 32 GiB HBM', () => {
    const e = estimateWithTiers(maxtext22b, tiers, plan, {
      flashAttention: true,
      tpCommOverlap: true,
      dpOverlap: true,
      gradReduceBytes: 4,
    });
    const perChip = e.tokensPerSecond / plan.gpus;
    expect(Math.abs(perChip - 950)).toBeLessThan(5);
    expect(100 * (perChip / PUBLISHED_TOKENS_PER_S_PER_CHIP - 1)).toBeCloseTo(-17.6, 0);
    expect(e.memoryGiBPerGpu).toBeGreaterThan(42.5);
    expect(e.memoryGiBPerGpu).toBeLessThan(43.5);
    expect(e.fits).toBe(false);
  });
});
