// Response types of the control-plane API: what the server sends and the CLI and dashboard read.
// Types only (no runtime code): the browser bundle gets nothing from the server side by importing them.
// Planner and simulator shapes are derived from their own types, so renaming a field there fails to
// compile wherever the wire uses it.
import type { JobUsage } from './usage.js';
import type { InputIssue } from '../core/issues.js';
import type { Fabric } from '../fabric/types.js';
import type { PlanResult, RankedPlan } from '../planner/types.js';
import type { SweepResult } from '../planner/sweep.js';
import type { SimSummary } from '../sim/metrics.js';
import type { ExecutorKind, JobState, Role } from './states.js';

export type { InputIssue } from '../core/issues.js';
export type { PlanResult, RankedPlan, SitePlacement, Strategy } from '../planner/types.js';

/** Every 4xx and 5xx body. */
export interface ErrorBody {
  errors: InputIssue[];
}

/** The planner's fields a job keeps (the store holds the whole ranked plan; these are what readers use). */
export type JobPlanFields = Pick<
  RankedPlan,
  | 'strategy'
  | 'placement'
  | 'gpus'
  | 'tp'
  | 'pp'
  | 'vpp'
  | 'dp'
  | 'cp'
  | 'ep'
  | 'tokensPerSecond'
  | 'effectiveTokensPerSecond'
  | 'stepTimeSeconds'
  | 'mfu'
  | 'wanGbpsUsed'
  | 'diloco'
>;
/** A job's plan: the planner's best plan, or why there is none. Both sides list every field, so reads need no cast. */
export type JobPlan =
  (JobPlanFields & { error?: undefined }) | ({ error: string } & { [K in keyof JobPlanFields]?: undefined });

export interface CheckpointView {
  step: number;
  path: string | null;
  /** Epoch ms. */
  at: number;
  site: string | null;
}

export interface JobView {
  id: string;
  name: string;
  tenant: string;
  state: JobState;
  model: string | ({ name: string } & Record<string, unknown>);
  gpus: number | null;
  tokens: number | null;
  priority: number;
  allowedJurisdictions: string[] | null;
  /** The sites the job was restricted to on submission (null: any). */
  allowedSites: string[] | null;
  checkpointable: boolean;
  preemptible: boolean;
  deadline: string | null;
  command: string[] | null;
  executor: ExecutorKind | null;
  plan: JobPlan | null;
  placement: { site: string; gpus: number }[] | null;
  sites: string[];
  attempt: number;
  runId: string | null;
  checkpoint: CheckpointView | null;
  reason: string | null;
  exitCode: number | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One site's part of a job, from its trainer's last progress report. */
export interface MeasuredSiteView {
  site: string;
  attempt: number;
  step: number;
  loss: number | null;
  stepTimeSeconds: number | null;
  tokensPerSecond: number | null;
  /** Bytes this site sent over the WAN per step. */
  wanBytesPerStep: number | null;
  /** 'link': counted on the site's WAN interface; 'payload': the trainer's own count of what it sent. */
  wanCounted: 'link' | 'payload';
  /** Epoch ms of the report. */
  at: number;
}

/** What the job's current attempt measured (GET /v1/jobs/:id), next to the plan's prediction. */
export interface MeasuredView {
  attempt: number;
  /** The slowest part's step. */
  step: number;
  loss: number | null;
  stepTimeSeconds: number | null;
  tokensPerSecond: number | null;
  /** Mean over the gang's sites of the bytes each sent over the WAN per step (null for one site). */
  wanBytesPerStep: number | null;
  wanCounted: 'link' | 'payload';
  /** The plan's bytes per site per step (wanGbpsUsed x stepTimeSeconds). */
  predictedWanBytesPerStep: number | null;
  sites: MeasuredSiteView[];
}

export interface JobResponse {
  /** GET /v1/jobs/:id adds what the trainer measured and the job's GPU-hours, energy, cost and emissions. */
  job: JobView & { measured?: MeasuredView | null; usage?: JobUsage };
}
export interface JobPageResponse {
  jobs: JobView[];
  nextCursor: string | null;
}

/** GET /v1/jobs/:id/logs?format=json: one page of the run's log, bytes [offset, nextOffset) of size. */
export interface JobLogPage {
  job: string;
  runId: string | null;
  offset: number;
  /** Pass as offset for the next page; equal to size at the end (so far). */
  nextOffset: number;
  /** The whole log's size in bytes now. */
  size: number;
  text: string;
}

export interface EventView {
  seq: number;
  at: string;
  type: string;
  job: string | null;
  tenant: string | null;
  site: string | null;
  from: JobState | null;
  to: JobState | null;
  data: Record<string, unknown> | null;
}
export interface EventsResponse {
  events: EventView[];
  /** The sequence number to pass as `after` for the next page. */
  last: number;
}

export interface SiteStatusView {
  id: string;
  name: string;
  status: 'unknown' | 'up' | 'down';
  drained: boolean;
  jurisdiction: string;
  gpus: number;
  usedGpus: number;
  executor: string | null;
  heartbeat: 'executor' | 'agent' | null;
  /** Epoch ms. */
  lastHeartbeatAt: number | null;
  updatedAt: number;
}
export interface SiteStateView {
  id: string;
  status: 'unknown' | 'up' | 'down';
  drained: boolean;
  lastHeartbeatAt: number | null;
  updatedAt: number;
}

export interface TenantView {
  id: string;
  name: string;
  quotaGpus: number | null;
  allowedJurisdictions: string[] | null;
  /** Present (false) when the tenant's jobs never lend GPUs to services. */
  lendToServices?: false;
  /** Epoch ms. */
  createdAt: number;
}

export interface TokenIssued {
  /** The secret, shown once. */
  token: string;
  tenant: string;
  role: Role;
}

/** A token as listed (the secret is never shown again). */
export interface TokenView {
  id: string;
  tenant: string;
  role: Role;
  name: string;
  revoked: boolean;
  createdAt: string;
  /** When the token was last used (recorded at most once a minute per replica), null when never. */
  lastUsedAt: string | null;
}

export interface Me {
  tenant: string;
  role: Role;
  tokenId: string;
  /** A platform operator (an admin of the system tenant): sites, tenants, quotas, every tenant's jobs. */
  operator: boolean;
}

/** GET /healthz (readiness): 200 with ok true, or 503 with ok false and why. */
export interface Health {
  ok: boolean;
  store: string;
  leader: boolean;
  replica: string;
  planner: boolean;
  errors?: InputIssue[];
}

export type FabricView = Fabric;

export interface Catalog {
  models: { id: string; name: string }[];
  fabrics: string[];
  serverFabric: string;
  policies: readonly string[];
  strategies: readonly string[];
}

export interface Telemetry {
  at: string;
  carbonNote: string;
  sites: {
    id: string;
    gridZone: string;
    gpus: number;
    usedGpus: number;
    freeGpus: number;
    powerCapMW: number;
    powerDrawMW: number;
    carbonGPerKWh: number | null;
    priceUsdPerMWh: number | null;
    carbonSource: string | null;
  }[];
  wanLinks: {
    id: string;
    a: string;
    b: string;
    capacityGbps: number;
    latencyMs: number;
    usedGbps: number;
    utilization: number;
    jobs: number;
    /** What the running jobs' trainers counted on this link (sum of wanBytesPerStep x 8 / step time), Gb/s; null
     * when no job on the link has reported yet. */
    measuredGbps: number | null;
  }[];
}

/** One sample of GET /v1/history: per site and per WAN link at one instant. */
export interface HistorySample {
  at: string;
  sites: {
    id: string;
    /** usedGpus / gpus, 0..1. */
    utilization: number;
    usedGpus: number;
    powerDrawMW: number;
    carbonGPerKWh: number | null;
    /** Queued jobs that may run on this site (a job counts for each site it may use). */
    queued: number;
  }[];
  wanLinks: { id: string; usedGbps: number; utilization: number }[];
}
/** GET /v1/history: samples oldest first, every sampleS, kept for retentionS in the store (the leader samples). */
export interface HistoryResponse {
  sampleS: number;
  retentionS: number;
  storage: 'store';
  samples: HistorySample[];
}

/** POST /v1/plans. */
export type PlansResponse = PlanResult;
/** POST /v1/explore/plans: the planner's result and the fabric's sites. */
export type ExplorePlansResponse = PlanResult & { fabricSites: { id: string; name: string; gpus: number }[] };

/** The planner's WAN sweep over a grid, as POST /v1/explore/sweep returns it. */
export type SweepView = SweepResult & {
  wanGbpsList: number[];
  wanLatencyMsList: number[];
  searchSeconds: number;
};

/** The headline numbers of one twin run. */
export type RunSummary = Pick<
  SimSummary,
  | 'jobsTotal'
  | 'jobsFinished'
  | 'jobsUnfinished'
  | 'meanJctHours'
  | 'p50JctHours'
  | 'p99JctHours'
  | 'meanQueueHours'
  | 'gpuUtilization'
  | 'goodput'
  | 'interruptions'
  | 'preemptions'
  | 'lostGpuHours'
  | 'energyMWh'
  | 'emissionsTCO2e'
  | 'costUsd'
  | 'makespanHours'
>;

/** One twin run of a what-if, compacted for charts. */
export interface RunView {
  label: string;
  policy: string;
  scenario: string;
  /** RunSummary's fields; indexable by name for tables. */
  summary: RunSummary & Record<string, number>;
  series: {
    tHours: number[];
    utilization: number[];
    sites: { id: string; utilization: number[]; carbonGPerKWh: number[] }[];
    carbonTPerH: number[];
    powerMW: number[];
    queued: number[];
  };
  /** JCT quantiles (hours) at q = 0, 0.005, ..., 1 (201 points): the CDF, compact. */
  jctQuantilesHours: number[];
}

/** One what-if: two (or more) twin runs on the same jobs (a workload mix or a synthetic trace), seed and fabric. */
export interface WhatIfResult {
  mode: 'outage' | 'policies';
  fabric: string;
  jobs: number;
  /** The workload mix the jobs came from (data/workloads), absent for the synthetic generator. */
  workloadMix?: string;
  runs: RunView[];
  wallMs: number;
  isolated?: boolean;
}
