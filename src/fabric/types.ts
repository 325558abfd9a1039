// Resolved, validated fabric objects. Everything downstream reads these and never re-parses input.
// Units live in names: Gbps = 1e9 bit/s (network), GBps = 1e9 byte/s (memory, NVLink), GiB = 2^30 B.

export interface GpuSpec {
  id: string;
  name: string;
  vendor: string;
  bf16DenseTflops: number;
  fp8DenseTflops: number | null;
  hbmGiB: number;
  hbmTBps: number;
  tdpW: number;
  source: string;
  /** Measured ceilings from data/catalog/achievable.json, attached by loadCatalog; absent for a GPU it lacks. */
  achievable?: AchievableCeilings;
}

/** Measured GEMM and attention ceilings a datasheet does not give (data/catalog/achievable.json, sources there). */
export interface AchievableCeilings {
  mamfFraction: number;
  sustainedMatmulFraction: number;
  flashAttentionFraction: number;
  flash3AttentionFraction: number;
  /** HBM the driver exposes (nvidia-smi memory.total), GiB; null when no figure is published. */
  deviceMemoryGiB: number | null;
  /** GPU <-> host bandwidth per GPU, one direction, GB/s. */
  hostLinkGBps: number;
  /** Memory the runtime holds back from deviceMemoryGiB, GiB (TPU: XLA's reserve); absent: the CUDA assumption. */
  memoryReserveGiB?: number;
  /** XLA plans the step's buffers (TPU): the loss's FP32 logits and their gradient share one buffer (memory.ts). */
  xlaBufferPlan?: boolean;
}

export interface SystemSpec {
  id: string;
  name: string;
  gpuId: string;
  gpu: GpuSpec;
  gpusPerNode: number;
  /** GPUs that share one NVLink (scale-up) domain: 8 for HGX, 72 for NVL72. */
  scaleUpDomainGpus: number;
  /** Per-GPU NVLink bandwidth, one direction, GB/s. */
  scaleUpGBpsPerDirection: number;
  scaleUpLatencyUs: number;
  /** Default per-GPU scale-out NIC rate for this system, Gb/s. */
  defaultNicGbpsPerGpu: number;
  /** Whole-system power per GPU including CPUs, NICs, switches in the rack (W). */
  systemPowerPerGpuW: number;
  source: string;
  /** Other ids that resolve to this system (e.g. `hgx-a100` for `dgx-a100-80gb`). */
  aliases?: string[];
  /** Set for rack-scale systems (72 for NVL72): pods are sized in racks, not nodes. */
  gpusPerRack?: number;
  /** Scale-out transport a pod gets when its network leaves `transport` out. */
  defaultTransport?: Transport;
  /**
   * Set for torus-connected accelerators (TPU v4/v5p): chips link to their neighbours in 3 dimensions (ICI) and
   * blocks of `ocsBlockDims` chips are joined by optical circuit switches into a slice of any allowed shape.
   */
  torus?: SystemTorus;
}

/** The inter-chip torus a system's chips form (catalog figures). */
export interface SystemTorus {
  /** ICI / NeuronLink links per chip (6 for a 3D torus: two per dimension). */
  linksPerChip: number;
  /** TPU: chips per OCS block, per dimension (a 4x4x4 cube in one rack); slices of whole blocks form one torus. */
  ocsBlockDims?: number[];
  /** Trainium2 UltraServer: every scale-up domain is one torus of this fixed shape (4x4x4); pods hold many. */
  fixedDims?: number[];
  /** Per-dimension link bandwidth, one direction, GB/s, when the dimensions differ (else per-chip / links). */
  dimLinkGBpsPerDirection?: number[];
}

/** A pod's torus: its slice (or domain) shape, the blocks it is made of, and the bandwidth of one link. */
export interface PodTorus {
  /** Chips along each dimension, e.g. [12, 16, 16]. */
  dims: number[];
  /** OCS block shape (TPU), or [] for a fixed-shape domain (Trainium2). */
  ocsBlockDims: number[];
  /** TPU: OCS blocks (cubes) joined into the slice; fixed-shape systems: tori (UltraServers) in the pod. */
  blocks: number;
  /** Chips in one torus (the scale-up domain): the pod for a TPU slice, 64 for a Trn2 UltraServer. */
  domainChips: number;
  /** One link, one direction, GB/s (the mean over the dimensions when they differ). */
  linkGBpsPerDirection: number;
  /** One link per dimension, one direction, GB/s. */
  dimLinkGBpsPerDirection: number[];
}

export type FabricTopology = 'fat-tree-2' | 'fat-tree-3';
export type Transport = 'roce' | 'infiniband' | 'efa';
/** adaptive: switch adaptive routing (InfiniBand, Spectrum-X); ecmp: per-flow hashing; spray: NIC packet spraying
 * over every path and plane (MRC). */
export type LoadBalancing = 'adaptive' | 'ecmp' | 'spray';

export interface ScaleOutNetwork {
  topology: FabricTopology;
  railOptimized: boolean;
  nicGbpsPerGpu: number;
  /** Oversubscription ratio at each switch tier above the leaf (1 = full bisection). Length = tiers - 1. */
  oversubscription: number[];
  /** GPUs under one full-bisection group (leaf/pod) before the first oversubscribed tier. */
  fullBisectionGpus: number;
  hopLatencyUs: number;
  transport: Transport;
  /** Absent: adaptive (the behaviour before this field existed). */
  loadBalancing?: LoadBalancing;
}

export interface Pod {
  id: string;
  system: SystemSpec;
  nodes: number;
  racks: number | null;
  gpus: number;
  network: ScaleOutNetwork;
  /** Set when the system is torus-connected: ICI inside the pod, `network` (the DCN) between pods. */
  torus?: PodTorus;
}

export interface Site {
  id: string;
  name: string;
  lat: number;
  lon: number;
  jurisdiction: string;
  powerMW: number;
  pue: number;
  wueLPerKWh: number;
  gridZone: string;
  checkpointStorageGBps: number;
  pods: Pod[];
  gpus: number;
}

export interface WanLink {
  id: string;
  a: string;
  b: string;
  routeKm: number;
  capacityGbps: number;
  /** One-way latency in ms: propagation (routeKm x 4.9 us) plus equipment latency, or as given (never below physics). */
  latencyMs: number;
  equipmentLatencyMs: number;
}

export interface Fabric {
  name: string;
  description: string;
  sites: Site[];
  wanLinks: WanLink[];
  gpus: number;
}

/** Errors are values at the edge: a path to the field, what is wrong, and how to fix it (defined in core). */
export type { InputIssue } from '../core/issues.js';
