// Collectives on a 3D torus (TPU ICI): a group of chips laid along the torus dimensions, each dimension a
// bidirectional ring, the data split so every used dimension works at once. Pure; no allocation beyond the tier.
import type { NetworkTier, TorusTiers } from './types.js';

/**
 * Ring lengths a group of `span` consecutive chips occupies: it fills dims[0], then dims[1], ... (the innermost
 * parallel group, TP, runs along the first dimension). A partial dimension is treated as a ring of that many chips
 * (assumption: the slice is shaped so groups close their rings, as TPU slices are chosen per job).
 */
export function torusRingLengths(span: number, dims: readonly number[]): number[] {
  const rings: number[] = [];
  let left = Math.max(1, span);
  for (const d of dims) {
    if (left <= 1) break;
    const k = Math.min(d, left);
    rings.push(k);
    left = Math.ceil(left / k);
  }
  return rings;
}

/**
 * The tier a group of `span` chips sees on the torus, as the ring formula reads it (bandwidth per chip, latency per
 * step). Bandwidth: a reduce-scatter along each used dimension on a bidirectional ring, with the buffer split into as
 * many parts as dimensions, each part taking the dimensions in a different order, runs all 2d links of the used
 * dimensions at once: time (P - 1)/P * S / (2 d B_link) (2 * sum of the used dimensions' link rates when they differ) (the bucket algorithm per dimension, Chan et al., "Collective
 * communication: theory, practice, and experience", CCPE 2007; TPU 2-D gradient summation over both torus dimensions
 * at once, Kumar et al., "Scale MLPerf-0.6 models on Google TPU-v3 Pods", arXiv 1909.09756). Latency: sum over the
 * rings of (k - 1) hops, spread over the ring formula's (P - 1) steps.
 */
export function torusTier(span: number, torus: TorusTiers, efficiency: number): NetworkTier {
  const rings = torusRingLengths(span, torus.dims);
  // Dimensions of unequal links (Trainium2: in-instance vs between instances) take shares of the buffer in
  // proportion to their speed, so their bandwidths add.
  let linkGBps = 0;
  for (let i = 0; i < rings.length; i++) if (rings[i] > 1) linkGBps += torus.dimLinkGBpsPerDirection[i];
  const ranks = rings.reduce((a, k) => a * k, 1);
  const hops = rings.reduce((a, k) => a + (k - 1), 0);
  return {
    name: 'scale-up',
    bandwidthGbps: 2 * (linkGBps > 0 ? linkGBps : torus.dimLinkGBpsPerDirection[0]) * 8,
    latencyUs: ranks > 1 ? (torus.hopLatencyUs * hops) / (ranks - 1) : torus.hopLatencyUs,
    efficiency,
  };
}
