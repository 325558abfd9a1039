// Hierarchical data parallelism across two sites, on the setup NVIDIA published for Nemotron-4 340B. The single-site
// step is checked against the Nemotron-4 340B technical report; the cross-site efficiency NVIDIA reports (96% at
// about 1,000 km) depends on a WAN capacity NVIDIA does not publish, so the test brackets the capacity it implies.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { estimateWithTiers, tiersForFabric, wanTier } from './index.js';
import type { ModelSpec, Plan, SystemTiers } from './types.js';

/** Nemotron-4 340B technical report (NVIDIA, arXiv 2406.11704), Table 1/2: 96 layers, hidden 18432, 96 heads, 8 KV
 * heads, FFN 73728 squared-ReLU, vocabulary 256k, sequence 4096, untied embeddings. */
const nemotron4: ModelSpec = {
  name: 'Nemotron-4 340B',
  layers: 96,
  hiddenSize: 18432,
  ffnHiddenSize: 73728,
  attentionHeads: 96,
  kvHeads: 8,
  vocabSize: 256000,
  seqLength: 4096,
  gatedMlp: false,
};
/** Report Table 2, the stage on all 6,144 H100: TP 8, PP 12, DP 64, batch 2,304, 8.0 s per iteration. */
const plan = (vpp: number): Plan => ({
  gpus: 6144,
  tp: 8,
  pp: 12,
  dp: 64,
  vpp,
  mbs: 1,
  gbs: 2304,
  seq: 4096,
  sequenceParallel: true,
  zero: 1,
});
/** NeMo / Megatron-Core performance settings (as the validation set's Megatron-Bridge rows). */
const options = {
  flashAttention: true,
  tpCommOverlap: true,
  dpOverlap: true,
  gradReduceBytes: 2,
  attentionKernel: 'flash3' as const,
};

let tiers: SystemTiers;
beforeAll(async () => {
  tiers = tiersForFabric(await loadFabric('dgx-h100-ib'));
});

/** The best interleaving the report leaves unstated, as the validation set searches unstated knobs. */
function bestSingleSite() {
  return [1, 2, 3, 4, 6, 8]
    .map((vpp) => ({ vpp, e: estimateWithTiers(nemotron4, tiers, plan(vpp), options) }))
    .filter((x) => x.e.fits)
    .sort((a, b) => a.e.stepTimeSeconds - b.e.stepTimeSeconds)[0];
}

/** Step-time ratio single site / two sites 1,000 km apart (4.9 ms + 0.1 ms one way) at `capacityGbps`. */
function crossSiteEfficiency(vpp: number, capacityGbps: number): number {
  const single = estimateWithTiers(nemotron4, tiers, plan(vpp), options).stepTimeSeconds;
  const wan = { tier: wanTier({ capacityGbps, latencyMs: 1000 * 0.0049 + 0.1 }), dpSites: 2, ppSites: 1 };
  return single / estimateWithTiers(nemotron4, tiers, plan(vpp), { ...options, wan }).stepTimeSeconds;
}

describe('Nemotron-4 340B across two sites (NVIDIA NeMo 25.02 multi-data-center training)', () => {
  it('reproduces the single-site step of the technical report (8.0 s) within 10%', () => {
    const best = bestSingleSite();
    expect(Math.abs(best.e.stepTimeSeconds / 8.0 - 1)).toBeLessThan(0.1);
  });

  it('keeps 96% over 1,000 km only with a WAN between 6.4 and 25.6 Tb/s (the capacity NVIDIA leaves unstated)', () => {
    const { vpp } = bestSingleSite();
    expect(crossSiteEfficiency(vpp, 6_400)).toBeLessThan(0.96);
    expect(crossSiteEfficiency(vpp, 25_600)).toBeGreaterThan(0.96);
    for (const gbps of [400, 1_600, 6_400, 25_600])
      expect(crossSiteEfficiency(vpp, gbps * 2)).toBeGreaterThanOrEqual(crossSiteEfficiency(vpp, gbps));
  });
});
