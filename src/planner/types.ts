// Inputs and outputs of the planner.
import type { Estimate, Precision, Recompute } from '../perf/types.js';

import type { Strategy } from '../core/strategies.js';

export type { Strategy };

export interface PlanRequest {
  /** GPU budget over all chosen sites (default: every GPU the sites have, within power caps). */
  gpus?: number;
  /** Restrict to these site ids. */
  sites?: string[];
  /** Allowed jurisdictions (ISO 3166-2); a job pinned to them never uses another site. */
  allow?: string[];
  /** Tokens to train, for time to train and energy (default: 20 tokens per parameter, Chinchilla). */
  tokens?: number;
  /** Target global batch in sequences, or in tokens per step; the planner searches the nearest feasible batch. */
  gbs?: number;
  tokensPerStep?: number;
  top?: number;
  /** Override every WAN link's capacity or latency (what-if and sweeps). */
  wanCapacityGbps?: number;
  wanLatencyMs?: number;
  /** Token efficiency of local-SGD (DiLoCo) against synchronous training. */
  dilocoTokenEfficiency?: number;
  /** DiLoCo inner steps between outer synchronizations (default 100). */
  dilocoInnerSteps?: number;
  /** Bits per outer-gradient element: 32, 16, 8 or 4 (default 4). */
  dilocoOuterBits?: number;
  /** Stream the outer synchronization in fragments overlapped with inner steps (Streaming DiLoCo; default true). */
  dilocoStreaming?: boolean;
  /** Which strategies to consider (default: all). */
  strategies?: Strategy[];
  /** Numeric format of the GEMMs: bf16 (default), fp8, or auto (both where the GPU has FP8; the plan says which). */
  precision?: Precision | 'auto';
  onProgress?: (fraction: number) => void;
}

export interface SitePlacement {
  site: string;
  jurisdiction: string;
  gpus: number;
}

export interface TierMapping {
  tp: 'scale-up' | 'scale-out';
  cp: 'scale-up' | 'scale-out';
  ep: 'scale-up' | 'scale-out';
  dp: 'scale-up' | 'scale-out' | 'wan';
  pp: 'scale-up' | 'scale-out' | 'wan';
}

/** The estimate's figures a ranked plan carries (step time and the rates scaled for the strategy's WAN cost). */
type EstimateFigures = Pick<
  Estimate,
  | 'stepTimeSeconds'
  | 'tokensPerSecond'
  | 'modelTflopsPerGpu'
  | 'hardwareTflopsPerGpu'
  | 'mfu'
  | 'hfu'
  | 'memoryGiBPerGpu'
  | 'fits'
  | 'breakdown'
>;

export interface RankedPlan extends EstimateFigures {
  strategy: Strategy;
  placement: SitePlacement[];
  gpus: number;
  tp: number;
  pp: number;
  vpp: number;
  dp: number;
  cp: number;
  ep: number;
  /** Expert tensor parallelism (MoE parallel folding; equals tp for dense models). Absent in older stored plans. */
  etp?: number;
  /** Numeric format the plan trains in. Absent in older stored plans (bf16). */
  precision?: Precision;
  mbs: number;
  gbs: number;
  recompute: Recompute;
  sequenceParallel: boolean;
  zero: 0 | 1 | 2 | 3;
  mapping: TierMapping;
  effectiveTokensPerSecond: number;
  tokenEfficiency: number;
  wanGbpsUsed: number;
  wanGbpsNeeded: number;
  diloco?: { innerSteps: number; outerBits: number; streaming: boolean; syncSeconds: number };
  timeToTrainDays: number;
  energyMWh: number;
  powerMW: number;
  bottleneck: string;
}

export interface PlanResult {
  model: string;
  fabric: string;
  tokens: number;
  plans: RankedPlan[];
  plansEvaluated: number;
  searchSeconds: number;
}
