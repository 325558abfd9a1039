import { describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { allReduceSeconds, reduceScatterSeconds } from './collectives.js';
import { groupTier } from './plan.js';
import { tiersForFabric } from './tiers.js';
import { torusRingLengths, torusTier } from './torus.js';

const torus = { dims: [12, 16, 16], dimLinkGBpsPerDirection: [50, 50, 50], hopLatencyUs: 1 };

describe('collectives on a 3D torus', () => {
  it('lays a group along the dimensions in order', () => {
    expect(torusRingLengths(12, torus.dims)).toEqual([12]);
    expect(torusRingLengths(192, torus.dims)).toEqual([12, 16]);
    expect(torusRingLengths(3072, torus.dims)).toEqual([12, 16, 16]);
    expect(torusRingLengths(1, torus.dims)).toEqual([]);
  });

  it('uses both links of every dimension the group spans: 2, 4 or 6 links', () => {
    expect(torusTier(12, torus, 1).bandwidthGbps).toBe(2 * 50 * 8);
    expect(torusTier(192, torus, 1).bandwidthGbps).toBe(4 * 50 * 8);
    expect(torusTier(3072, torus, 1).bandwidthGbps).toBe(6 * 50 * 8);
  });

  it('matches a per-dimension schedule computed step by step (reduce-scatter, all dimensions at once)', () => {
    // Independent schedule: the buffer split in d parts, part j takes the dimensions in rotated order; each dimension
    // is a bidirectional ring (2 links, half the data each way). A part's phases add up; the parts run in parallel on
    // disjoint links of equal dims, so the slowest part sets the time.
    const dims = [16, 16, 16];
    const bytes = 3e9;
    const linkBytesPerS = 50e9;
    const d = dims.length;
    let slowest = 0;
    for (let j = 0; j < d; j++) {
      let data = bytes / d;
      let t = 0;
      for (let s = 0; s < d; s++) {
        const k = dims[(j + s) % d];
        t += ((k - 1) / k) * (data / (2 * linkBytesPerS));
        data /= k;
      }
      slowest = Math.max(slowest, t);
    }
    const tier = torusTier(4096, { dims, dimLinkGBpsPerDirection: [50, 50, 50], hopLatencyUs: 0 }, 1);
    expect(reduceScatterSeconds(bytes, 4096, tier)).toBeCloseTo(slowest, 9);
  });

  it('adds the link rates of unequal dimensions (Trn2: in-instance 274.9, between instances 137.4 GB/s)', async () => {
    const tiers = tiersForFabric(await loadFabric('aws-trn2'));
    expect(tiers.scaleUpDomainGpus).toBe(64);
    expect(groupTier(4, tiers).bandwidthGbps).toBeCloseTo(2 * 274.9 * 8, 6);
    expect(groupTier(64, tiers).bandwidthGbps).toBeCloseTo(2 * (274.9 + 274.9 + 137.4) * 8, 6);
    expect(groupTier(128, tiers).name).toBe('scale-out');
  });

  it('pays one hop per ring step, not one per rank', () => {
    const tier = torusTier(3072, torus, 1);
    // Ring formula: (P - 1) steps x latency = (11 + 15 + 15) hops x 1 us.
    expect(3071 * tier.latencyUs).toBeCloseTo(41, 9);
    expect(allReduceSeconds(8, 3072, tier)).toBeLessThan(2 * 41e-6 + 1e-6);
  });

  it('gives the PaLM fabric a TP group on one ring of the slice and the data-center network beyond the slice', async () => {
    const tiers = tiersForFabric(await loadFabric('tpu-v4-palm'));
    expect(tiers.scaleUpDomainGpus).toBe(3072);
    const tp = groupTier(12, tiers);
    expect(tp.bandwidthGbps).toBeCloseTo(2 * (268.6 / 6) * 8, 6);
    expect(groupTier(6144, tiers).name).toBe('scale-out');
    expect(groupTier(6144, tiers).bandwidthGbps).toBe(50);
  });
});
