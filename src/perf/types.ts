// Inputs and outputs of the performance model. Pure data; no I/O.
import type { GpuSpec } from '../fabric/types.js';

export interface MoeSpec {
  experts: number;
  topK: number;
  expertFfnHiddenSize: number;
  sharedExperts: number;
  /** Leading layers that stay dense (DeepSeek-V3: 3). */
  denseLayers: number;
}

export interface MlaSpec {
  qLoraRank: number;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
}

/** Finds a model by zoo id (throws when unknown); the edge passes `loadModel`, so pure code reads no zoo file. */
export type ModelLookup = (id: string) => ModelSpec;

export interface ModelSpec {
  name: string;
  layers: number;
  hiddenSize: number;
  ffnHiddenSize: number;
  attentionHeads: number;
  kvHeads: number;
  vocabSize: number;
  seqLength: number;
  gatedMlp: boolean;
  moe?: MoeSpec;
  /** Multi-head latent attention (DeepSeek-V2/V3): low-rank Q and KV projections. */
  mla?: MlaSpec;
  /** Per-head dimension when it differs from hiddenSize/attentionHeads. */
  headDim?: number;
  tiedEmbeddings?: boolean;
  /**
   * Hidden dropout on (Megatron's default 0.1): the attention-output and MLP-output dropouts each keep a 1-byte mask
   * per element for the backward (Korthikanti et al. 2022, Sec. 4.1). Default false (current recipes set 0).
   */
  hiddenDropout?: boolean;
  source?: string;
}

export type Recompute = 'none' | 'selective' | 'full';
/** Numeric format of the transformer blocks' GEMMs: BF16, or FP8 through Transformer Engine (attention core, router
 * and logits stay BF16). */
export type Precision = 'bf16' | 'fp8';

export interface Plan {
  gpus: number;
  tp: number;
  pp: number;
  dp: number;
  cp?: number;
  ep?: number;
  /** Expert tensor parallelism (MoE parallel folding: EP x ETP x expert-DP = TP x CP x DP). Default: tp. */
  etp?: number;
  vpp?: number;
  mbs: number;
  gbs: number;
  seq?: number;
  recompute?: Recompute;
  sequenceParallel?: boolean;
  /** 0: replicated optimizer; 1: distributed optimizer (Megatron) / ZeRO-1; 2: + gradients; 3: + parameters (FSDP). */
  zero?: 0 | 1 | 2 | 3;
  /** Default 'bf16'. */
  precision?: Precision;
  /**
   * Layers per pipeline stage whose activations wait in host memory between forward and backward (Megatron-Core
   * activation offloading, cpu_offloading_num_layers). Default 0.
   */
  offloadLayers?: number;
}

/** A network tier as the alpha-beta model sees it. */
export interface NetworkTier {
  name: 'scale-up' | 'scale-out' | 'wan';
  /** Per-GPU (or per-link for WAN) bandwidth, one direction, in Gb/s. */
  bandwidthGbps: number;
  /** One-way latency per message step, microseconds. */
  latencyUs: number;
  /** Fraction of line rate that collectives reach on this tier (bus bandwidth efficiency). */
  efficiency: number;
}

/** A torus slice as the perf model reads it (fabric pod.torus): ring dimensions and one link's bandwidth. */
export interface TorusTiers {
  dims: number[];
  /** One link per dimension, one direction, GB/s. */
  dimLinkGBpsPerDirection: number[];
  hopLatencyUs: number;
}

/** What the perf model needs to know about the hardware a job runs on. */
export interface SystemTiers {
  gpu: GpuSpec;
  scaleUpDomainGpus: number;
  gpusPerNode: number;
  scaleUp: NetworkTier;
  scaleOut: NetworkTier;
  /** Oversubscription seen by traffic that leaves a full-bisection group of this many GPUs. */
  fullBisectionGpus: number;
  oversubscription: number;
  /** Best sustained BF16 GEMM as a fraction of peak (measured MSMF, else MAMF); the size-efficiency curve plateaus here. */
  mamfFraction: number;
  /** Fraction of peak that fused (flash) attention reaches, forward and backward. */
  flashAttentionFraction: number;
  /** The same for Hopper/Blackwell-native fused attention (FlashAttention-3, cuDNN 9), when a run uses it. */
  flash3AttentionFraction: number;
  /** GPU <-> host memory bandwidth per GPU, one direction, GB/s (PCIe or NVLink-C2C): carries offloaded activations. */
  hostLinkGBps: number;
  /** HBM a process can allocate from: the capacity the device exposes (79.6 GiB on an H100 80GB), GiB. */
  hbmGiB: number;
  /** Memory held back from that for the CUDA context, NCCL buffers and fragmentation (GiB); TPU: XLA's reserve. */
  memoryReserveGiB: number;
  /** XLA plans the step's buffers (TPU, data/catalog/achievable.json): see memory.ts stageActivationBytes. */
  xlaBufferPlan?: boolean;
  /** Set for a torus slice (TPU pod): groups inside it use the torus tier for their span (torus.ts). */
  torus?: TorusTiers;
}

export interface StepBreakdown {
  computeSeconds: number;
  tpCommSeconds: number;
  cpCommSeconds: number;
  epCommSeconds: number;
  ppCommSeconds: number;
  pipelineBubbleSeconds: number;
  dpCommExposedSeconds: number;
  dpCommTotalSeconds: number;
  wanCommExposedSeconds: number;
  /** WAN time if nothing overlapped, bytes each site sends per step, and the compute window that can hide it. */
  wanCommTotalSeconds: number;
  wanBytesPerStep: number;
  wanOverlapWindowSeconds: number;
  optimizerSeconds: number;
}

export interface MemoryBreakdown {
  weightsGiB: number;
  gradientsGiB: number;
  optimizerGiB: number;
  activationsGiB: number;
  reserveGiB: number;
}

export interface Estimate {
  stepTimeSeconds: number;
  tokensPerSecond: number;
  modelTflopsPerGpu: number;
  hardwareTflopsPerGpu: number;
  mfu: number;
  hfu: number;
  memoryGiBPerGpu: number;
  fits: boolean;
  breakdown: StepBreakdown & {
    memory: MemoryBreakdown;
    hbmGiB: number;
    microBatches: number;
    layersPerStage: number[];
  };
  bottleneck: string;
}
