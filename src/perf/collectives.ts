// Alpha-beta cost of collectives on one network tier. Bytes are the full buffer each rank holds; bandwidth is
// per GPU, one direction. Ring or tree is chosen by whichever is faster for the size (NCCL's tuner does the same).
import type { NetworkTier } from './types.js';

export function tierBytesPerSecond(tier: NetworkTier): number {
  return (tier.bandwidthGbps * 1e9 * tier.efficiency) / 8;
}

/**
 * Math.ceil(Math.log2(ranks)), from the bits for whole rank counts (the usual case; log2 is a runtime call): exact,
 * since log2 is exact at powers of two and below 2^31 never rounds up to the next integer.
 */
export function ceilLog2(ranks: number): number {
  return (ranks | 0) === ranks && ranks >= 1 ? 32 - Math.clz32(ranks - 1) : Math.ceil(Math.log2(ranks));
}

export function allReduceSeconds(bytes: number, ranks: number, tier: NetworkTier): number {
  if (ranks <= 1 || bytes <= 0) return 0;
  const bw = tierBytesPerSecond(tier);
  const alpha = tier.latencyUs * 1e-6;
  const ring = 2 * (ranks - 1) * alpha + (2 * (ranks - 1) * bytes) / (ranks * bw);
  // Double binary tree: logarithmic latency, each byte crosses a link about twice.
  const tree = 2 * ceilLog2(ranks) * alpha + (2 * bytes) / bw;
  return ring < tree ? ring : tree;
}

/** Reduce-scatter or all-gather of a buffer of `bytes` (the unsharded size). */
export function reduceScatterSeconds(bytes: number, ranks: number, tier: NetworkTier): number {
  if (ranks <= 1 || bytes <= 0) return 0;
  const bw = tierBytesPerSecond(tier);
  return (ranks - 1) * tier.latencyUs * 1e-6 + ((ranks - 1) * bytes) / (ranks * bw);
}

export const allGatherSeconds = reduceScatterSeconds;

/**
 * All-to-all where each rank sends `bytes` in total, split evenly over the other ranks. The peer transfers are
 * independent and posted together (NCCL fuses the grouped send/recv pairs of an all-to-all into one launch; Megatron's
 * all-to-all dispatcher and torch all_to_all_single run that way), so the latency is paid once, not once per peer as in
 * a ring whose steps depend on each other.
 */
export function allToAllSeconds(bytes: number, ranks: number, tier: NetworkTier): number {
  if (ranks <= 1 || bytes <= 0) return 0;
  const bw = tierBytesPerSecond(tier);
  return tier.latencyUs * 1e-6 + ((ranks - 1) * bytes) / (ranks * bw);
}

/**
 * All-to-all over a group whose ranks sit `localRanks` to a scale-up domain: the share for peers in the same domain
 * goes over NVLink while the rest leaves through the NICs, at the same time (the slower part sets the time). As in
 * allToAllSeconds, each tier's peer transfers run concurrently and pay its latency once.
 */
export function allToAllTwoTierSeconds(
  bytes: number,
  ranks: number,
  localRanks: number,
  inner: NetworkTier,
  outer: NetworkTier,
): number {
  if (ranks <= 1 || bytes <= 0) return 0;
  if (localRanks >= ranks) return allToAllSeconds(bytes, ranks, inner);
  const local = Math.max(1, localRanks);
  const innerSeconds =
    local > 1 ? inner.latencyUs * 1e-6 + ((local - 1) * bytes) / (ranks * tierBytesPerSecond(inner)) : 0;
  const outerSeconds = outer.latencyUs * 1e-6 + ((ranks - local) * bytes) / (ranks * tierBytesPerSecond(outer));
  return innerSeconds > outerSeconds ? innerSeconds : outerSeconds;
}

export function sendRecvSeconds(bytes: number, tier: NetworkTier): number {
  if (bytes <= 0) return 0;
  return tier.latencyUs * 1e-6 + bytes / tierBytesPerSecond(tier);
}

/**
 * Two-level collective for a group whose ranks sit `localRanks` to a scale-up domain: reduce-scatter inside the
 * domain, the cross-domain step on 1/localRanks of the data (each GPU on its own NIC), all-gather inside the domain
 * for an all-reduce. Infinity when the group does not span domains (the flat collective applies).
 */
export function hierarchicalSeconds(
  kind: 'all-reduce' | 'reduce-scatter',
  bytes: number,
  ranks: number,
  localRanks: number,
  inner: NetworkTier,
  outer: NetworkTier,
): number {
  if (localRanks <= 1 || ranks <= localRanks || bytes <= 0) return Infinity;
  const groups = ranks / localRanks;
  const shard = bytes / localRanks;
  if (kind === 'all-reduce') {
    return (
      reduceScatterSeconds(bytes, localRanks, inner) +
      allReduceSeconds(shard, groups, outer) +
      allGatherSeconds(bytes, localRanks, inner)
    );
  }
  return reduceScatterSeconds(bytes, localRanks, inner) + reduceScatterSeconds(shard, groups, outer);
}

/** The faster of the flat collective on `outer` and the two-level one (NCCL picks its algorithm the same way). */
export function bestCollectiveSeconds(
  kind: 'all-reduce' | 'reduce-scatter',
  bytes: number,
  ranks: number,
  localRanks: number,
  inner: NetworkTier,
  outer: NetworkTier,
): number {
  const flat =
    kind === 'all-reduce' ? allReduceSeconds(bytes, ranks, outer) : reduceScatterSeconds(bytes, ranks, outer);
  const twoLevel = hierarchicalSeconds(kind, bytes, ranks, localRanks, inner, outer);
  return flat < twoLevel ? flat : twoLevel;
}
