// Cross-site parallelism over a WAN tier: pipeline boundaries between sites, and hierarchical data parallelism
// (reduce in each site, exchange across sites, then in-site again).
import { tierBytesPerSecond } from './collectives.js';
import type { PipelineTiming } from './pipeline.js';
import type { NormalizedPlan } from './plan.js';
import type { NetworkTier } from './types.js';

export interface WanUse {
  tier: NetworkTier;
  /** Data-parallel groups span this many sites (hierarchical reduce: in-site, over the WAN, in-site). */
  dpSites: number;
  /** Pipeline stages split over this many sites (activations cross the WAN every micro-batch). */
  ppSites: number;
}

/** Exposed share of an overlapped WAN gradient exchange that chunking cannot hide (assumption: 5%). */
const WAN_DP_MIN_EXPOSED = 0.05;

/** Bytes one WAN pipeline boundary carries per micro-batch: the activations of every DP replica and CP rank. */
export function wanPipelineBytesPerMicro(p: NormalizedPlan, hiddenSize: number): number {
  return p.dp * p.cp * ((p.mbs * p.seq) / p.cp) * hiddenSize * 2;
}

/** Fill and drain over the WAN: each boundary adds latency plus one transfer, forward and backward, per chunk. */
export function wanPipelineFillSeconds(wan: WanUse, vpp: number, linkSecondsPerMicro: number): number {
  return 2 * (wan.ppSites - 1) * vpp * (wan.tier.latencyUs * 1e-6 + linkSecondsPerMicro);
}

export function wanLinkSeconds(bytes: number, wan: WanUse): number {
  return bytes / tierBytesPerSecond(wan.tier);
}

/** Bytes each site sends per step in a ring over the sites, of the whole model's gradients. */
export function wanDataParallelBytes(totalParams: number, gradReduceBytes: number, sites: number): number {
  return (2 * (sites - 1) * (totalParams * gradReduceBytes)) / sites;
}

export function wanDataParallelSeconds(ringBytes: number, wan: WanUse): number {
  return 2 * (wan.dpSites - 1) * wan.tier.latencyUs * 1e-6 + ringBytes / tierBytesPerSecond(wan.tier);
}

/** Chunked and overlapped with the last micro-batch's backward and the next step's first forward. */
export function wanDataParallelExposedSeconds(total: number, pipe: PipelineTiming, overlap: boolean): number {
  if (!overlap) return total;
  return Math.max(total * WAN_DP_MIN_EXPOSED, total - pipe.backwardWindowSeconds - pipe.forwardWindowSeconds);
}
