// Inputs and outputs of the inference twin (issue 15): a request trace replayed through replicas at sites.
// Everything here is plain data handed in by the edge (the CLI builds it from a placement, the serving model's
// timings, the fabric and the grid series); the twin reads no file and no clock.
import type { ReplicaTimings, ServingSlo } from '../../perf/serving/types.js';
import type { RequestTrace } from '../../workload/azure-llm.js';
import type { GridSeries } from '../grid.js';

export interface TwinSite {
  id: string;
  pue: number;
  gridZone: string;
}

/** One model copy at a site, with the serving model's time functions for its plan. */
export interface TwinReplicaSpec {
  id: string;
  siteId: string;
  gpus: number;
  timings: ReplicaTimings;
  /** Sequences decoded together at most (the plan's maxBatch; the KV cache may cap it lower). */
  maxBatch: number;
  /** Prompt tokens one iteration prefills at most (chunked prefill); absent: whole prompts. */
  maxPrefillTokens?: number;
  /** Prefill and decode on separate GPU groups: an iteration takes the longer phase, not their sum. */
  disaggregated?: boolean;
  /** Rated system W per GPU (catalog), for energy. */
  systemPowerPerGpuW: number;
}

/** Users in one region: their share of the trace's requests and their round-trip time to each site. */
export interface TwinRegion {
  id: string;
  share: number;
  rttMsBySite: Record<string, number>;
}

export interface SiteFailure {
  siteId: string;
  atS: number;
}

/** Training jobs at a site that may lend their GPUs to serving (issue 15: training and serving share sites). */
export interface SharingSpec {
  siteId: string;
  jobs: { id: string; gpus: number; intervalS: number; checkpointS: number }[];
  /** What a lent replica is (its GPUs come from one suspended job; one job gives floor(gpus / replica.gpus)). */
  replica: Omit<TwinReplicaSpec, 'id' | 'siteId'>;
  /** How often the lending policy looks at the load, s. */
  controlIntervalS: number;
  /** Serving load per replica the policy aims for (0..1 of the replica's capacity). */
  targetUtilization: number;
  /** Lend at the next checkpoint when it comes within this many seconds, else suspend now (losing < 1 interval). */
  maxCheckpointWaitS: number;
  /** Seconds from suspension until a lent replica serves (weights load, warm-up). */
  replicaStartS: number;
  /** Least time a job stays lent, s (default MIN_LEND_S, lending.ts). */
  minLendS?: number;
}

export interface InferenceTwinInputs {
  trace: RequestTrace;
  sites: TwinSite[];
  regions: TwinRegion[];
  replicas: TwinReplicaSpec[];
  slo: ServingSlo;
  /** Grid series per zone (the edge loads them: sim/grid-files.ts). */
  grid: Record<string, GridSeries>;
  /** Where trace time 0 falls in the grid series' year, s. */
  gridOffsetS: number;
  seed: number;
  failures?: SiteFailure[];
  sharing?: SharingSpec;
  /** Called now and then with the fraction of requests done (the CLI's progress bar); no effect on results. */
  onProgress?: (fraction: number) => void;
}

export interface LatencySummary {
  requests: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  tpotP50Ms: number;
  tpotP99Ms: number;
  sloAttainment: number;
}

export interface LendingReport {
  suspensions: number;
  returns: number;
  replicasLentPeak: number;
  gpuHoursLent: number;
  /** Training work lost at suspensions (compute since the last checkpoint), GPU-hours; 0 when every lend waits. */
  workLostGpuHours: number;
  /** Restart cost when jobs resume (src/sim/restart.ts), GPU-hours. */
  restartGpuHours: number;
  /** Largest work lost by one suspension, s of compute (never more than one checkpoint interval). */
  maxLostWorkS: number;
  /** The sharing jobs' checkpoint interval (the largest of them), s of compute. */
  checkpointIntervalS: number;
  /** Training GPU-hours that made progress over all the sharing jobs' GPU-hours in the run. */
  trainingGoodput: number;
  trainingGoodputLostGpuHours: number;
  events: { tS: number; kind: 'lend' | 'return'; jobId: string; replicas: number; lostWorkS: number }[];
}

export interface InferenceTwinSummary extends LatencySummary {
  requestsTotal: number;
  requestsFinished: number;
  requestsFailed: number;
  requestsRetried: number;
  gpuHours: number;
  energyMWh: number;
  emissionsTCO2e: number;
  /** Time of the last event, s. */
  durationS: number;
  iterations: number;
  events: number;
}

export interface InferenceTwinResult {
  summary: InferenceTwinSummary;
  perSite: (LatencySummary & { siteId: string; replicas: number; gpuHours: number; energyMWh: number })[];
  perRegion: (LatencySummary & { regionId: string })[];
  failed: { reason: string; count: number }[];
  lending?: LendingReport;
  /** Per request, in trace order (NaN where not applicable): for tests and the CLI's CSV. */
  requests: {
    regionOf: Int32Array;
    siteOf: Int32Array;
    ttftMs: Float64Array;
    tpotMs: Float64Array;
    status: Uint8Array;
  };
}

export const REQ_PENDING = 0;
export const REQ_DONE = 1;
export const REQ_FAILED = 2;
