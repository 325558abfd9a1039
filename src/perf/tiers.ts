// Turns a fabric pod (system + scale-out network) into the network tiers the perf model reads.
import type {
  AchievableCeilings,
  Fabric,
  GpuSpec,
  Pod,
  ScaleOutNetwork,
  SystemSpec,
  WanLink,
} from '../fabric/types.js';
import { torusTier } from './torus.js';
import type { NetworkTier, SystemTiers } from './types.js';

/** Measured GEMM and attention ceilings per GPU, attached to the GPU by the catalog loader (achievable.json). */
function achievableFor(gpu: GpuSpec): AchievableCeilings {
  if (!gpu.achievable)
    throw new Error(`data/catalog/achievable.json has no entry for GPU ${gpu.id}: add its measured MAMF fraction`);
  return gpu.achievable;
}

/**
 * Bus-bandwidth efficiency of NCCL collectives inside an NVLink domain. Calculon (calculon-ai/calculon,
 * systems/a100_80g.json and h100_80g_nvl8.json) uses 0.6 for NVLink; published nccl-tests all-reduce runs on DGX
 * A100/H100 reach ~230/300 and ~360/450 GB/s bus bandwidth (0.77-0.8). Assumption: 0.75.
 */
export const SCALE_UP_EFFICIENCY = 0.75;
/**
 * Bus-bandwidth efficiency of collectives on the scale-out fabric: Calculon uses 0.9 for InfiniBand; Microsoft
 * reports MRC NCCL send/recv at 92% of peak on 42,020 GPUs with 800 Gb/s NICs (Fairwater).
 */
export const SCALE_OUT_EFFICIENCY = 0.9;
/**
 * Share of the scale-out efficiency that per-flow ECMP hashing keeps: NVIDIA reports standard Ethernet at about 60%
 * data throughput from flow collisions against 95% for Spectrum-X adaptive routing on xAI's 100,000-GPU Colossus
 * (NVIDIA press release, 2024-10-28), so 0.60 / 0.95. Adaptive routing and packet spraying (MRC, whose 92% is
 * SCALE_OUT_EFFICIENCY's source) keep it all. ASSUMPTION: every scale-out collective crosses the hashed tiers.
 */
export const ECMP_THROUGHPUT_SHARE = 0.6 / 0.95;
export function loadBalancingShare(network: Pick<ScaleOutNetwork, 'loadBalancing'>): number {
  return network.loadBalancing === 'ecmp' ? ECMP_THROUGHPUT_SHARE : 1;
}
/** Efficiency of bulk transfers over the AI WAN (assumption: as the scale-out fabric, long-haul RDMA or MRC). */
export const WAN_EFFICIENCY = 0.9;
/** NIC plus software latency per message on the scale-out fabric, us (assumption: NCCL net latency ~2 us). */
export const NIC_LATENCY_US = 2;
/**
 * Memory held back from HBM: CUDA context and cuBLAS workspaces (~1 GiB), NCCL buffers (~1-2 GiB) and allocator
 * fragmentation. Assumption: 4 GiB plus 5% of HBM.
 */
export function memoryReserveGiB(hbmGiB: number): number {
  return 4 + 0.05 * hbmGiB;
}

function switchHops(network: ScaleOutNetwork): number {
  return network.topology === 'fat-tree-3' ? 5 : 3;
}

export function tiersForSystem(system: SystemSpec, network: ScaleOutNetwork): SystemTiers {
  const scaleUp: NetworkTier = {
    name: 'scale-up',
    bandwidthGbps: system.scaleUpGBpsPerDirection * 8,
    latencyUs: system.scaleUpLatencyUs,
    efficiency: SCALE_UP_EFFICIENCY,
  };
  const scaleOut: NetworkTier = {
    name: 'scale-out',
    bandwidthGbps: network.nicGbpsPerGpu,
    latencyUs: NIC_LATENCY_US + switchHops(network) * network.hopLatencyUs,
    efficiency: SCALE_OUT_EFFICIENCY * loadBalancingShare(network),
  };
  const oversubscription = network.oversubscription.reduce((a, b) => Math.max(a, b), 1);
  const achievable = achievableFor(system.gpu);
  return {
    gpu: system.gpu,
    mamfFraction: achievable.sustainedMatmulFraction,
    flashAttentionFraction: achievable.flashAttentionFraction,
    flash3AttentionFraction: achievable.flash3AttentionFraction,
    scaleUpDomainGpus: system.scaleUpDomainGpus,
    gpusPerNode: system.gpusPerNode,
    scaleUp,
    scaleOut,
    fullBisectionGpus: network.fullBisectionGpus,
    oversubscription,
    hbmGiB: achievable.deviceMemoryGiB ?? system.gpu.hbmGiB,
    hostLinkGBps: achievable.hostLinkGBps,
    // TPUs state their runtime's reserve (XLA); the formula above is the CUDA/NCCL assumption.
    memoryReserveGiB: achievable.memoryReserveGiB ?? memoryReserveGiB(system.gpu.hbmGiB),
    ...(achievable.xlaBufferPlan === true && { xlaBufferPlan: true }),
  };
}

/**
 * A torus pod: the scale-up domain is one torus (a TPU slice is the pod; a Trn2 UltraServer is 64 chips), its tier the
 * torus tier of the whole torus (the inner
 * level of two-level collectives), and groups inside it get the tier of their own span (plan.ts groupTier). The pod's
 * network is the data-center network between slices.
 */
export function tiersForPod(pod: Pod): SystemTiers {
  const tiers = tiersForSystem(pod.system, pod.network);
  if (pod.torus === undefined) return tiers;
  const torus = {
    dims: pod.torus.dims,
    dimLinkGBpsPerDirection: pod.torus.dimLinkGBpsPerDirection,
    hopLatencyUs: pod.system.scaleUpLatencyUs,
  };
  const domain = pod.torus.domainChips;
  return {
    ...tiers,
    scaleUpDomainGpus: domain,
    fullBisectionGpus: Math.max(tiers.fullBisectionGpus, domain),
    scaleUp: torusTier(domain, torus, SCALE_UP_EFFICIENCY),
    torus,
  };
}

/** `--fabric` for `estimate` means: one pod's system and networks (the first pod unless one is named). */
export function tiersForFabric(fabric: Fabric, podId?: string): SystemTiers {
  for (const site of fabric.sites) {
    for (const pod of site.pods) {
      if (podId === undefined || pod.id === podId) return tiersForPod(pod);
    }
  }
  throw new Error(podId ? `fabric ${fabric.name} has no pod ${podId}` : `fabric ${fabric.name} has no pods`);
}

export function wanTier(link: Pick<WanLink, 'capacityGbps' | 'latencyMs'>): NetworkTier {
  return {
    name: 'wan',
    bandwidthGbps: link.capacityGbps,
    latencyUs: link.latencyMs * 1000,
    efficiency: WAN_EFFICIENCY,
  };
}
