// The scheduling-policy contract shared by the digital twin (src/sim) and the live control plane
// (src/control). Pure data and pure functions: no I/O, no clock (time is always an argument `nowS`,
// seconds on the caller's timeline), no randomness.

/** Job kinds. `inference` jobs are not checkpointed and are usually not time-shiftable. */
export type JobKind = 'pretraining' | 'finetune' | 'inference';

export type SiteStatus = 'up' | 'draining' | 'down';

/**
 * One pod's free capacity, kept per scale-up (NVLink) domain so that gang placement can fill
 * domains first. `domainFree[i]` is the free GPU count of domain i; domain i has
 * `domainCapacity[i]` GPUs (all equal to `domainGpus` except possibly the last).
 * `freeGpus` must equal the sum of `domainFree` (maintained by `allocate`/`release`).
 */
export interface PodState {
  id: string;
  siteId: string;
  /** GPUs per scale-up domain for this pod's system (8 for HGX, 72 for NVL72). */
  domainGpus: number;
  domainCapacity: number[];
  domainFree: number[];
  totalGpus: number;
  freeGpus: number;
  /** GPUs up but not usable (failed/under repair); they are not counted in domainFree. */
  failedGpus: number;
  /** Facility power (W, IT x PUE) added when one GPU of this pod goes from idle to busy. */
  busyPowerPerGpuW: number;
  /** Facility power (W) per GPU of this pod while idle. */
  idlePowerPerGpuW: number;
}

export interface SiteState {
  id: string;
  status: SiteStatus;
  /** Legal jurisdiction of the site, e.g. "US", "US-GA", "EU-DE"; matched against JobRequest.allowedJurisdictions. */
  jurisdiction: string;
  /** Grid balancing authority / zone, e.g. "SOCO", "MISO". */
  gridZone: string;
  pods: PodState[];
  totalGpus: number;
  freeGpus: number;
  /** Facility power cap (W). Infinity when none. */
  powerCapW: number;
  /** Current facility draw (W), maintained by allocate/release from the pods' busy/idle power. */
  powerDrawW: number;
  /** Grid carbon intensity now (gCO2e/kWh), supplied by the caller. */
  carbonGPerKWh: number;
  /** Electricity price now (USD/MWh), supplied by the caller. */
  priceUsdPerMWh: number;
  /**
   * Optional hourly forecast of carbon intensity starting at the current hour (index 0 = now),
   * used by the carbon-aware policy to time-shift flexible jobs. Caller-supplied.
   */
  carbonForecastGPerKWh?: number[];
}

/** Tenant quota for fair share (Kueue-like: a nominal quota, a cohort to borrow within, a borrowing limit). */
export interface TenantState {
  id: string;
  /** Nominal GPU quota. */
  quotaGpus: number;
  /** Tenants in the same cohort may borrow each other's unused quota. Undefined: a cohort of its own. */
  cohort?: string;
  /** Maximum GPUs borrowed beyond quota (default: unlimited within the cohort's unused quota). */
  borrowingLimitGpus?: number;
  /** Weight in dominant-resource fairness (default 1). */
  weight?: number;
  /** GPUs currently in use by this tenant's running jobs (maintained by the caller or by scheduleRound). */
  usedGpus: number;
  /** Facility power (W) currently attributable to this tenant (second DRF resource). */
  usedPowerW: number;
}

export interface ClusterState {
  sites: SiteState[];
  /** Tenants with quotas; tenants not listed have no quota limit (fair-share treats them as quota 0, cohort "default"). */
  tenants: TenantState[];
  totalGpus: number;
  freeGpus: number;
}

export interface JobRequest {
  id: string;
  tenant: string;
  /** Larger is more important. */
  priority: number;
  gpus: number;
  kind: JobKind;
  /** Model zoo id (perf/models), e.g. "llama3-8b". */
  modelId: string;
  /** Jurisdictions the job may run in; empty or undefined means any. Hard constraint under every policy. */
  allowedJurisdictions?: string[];
  preemptible: boolean;
  checkpointable: boolean;
  submitTimeS: number;
  /** Absolute deadline (s). A job with a deadline can be time-shifted by the carbon-aware policy until deadline - duration. */
  deadlineS?: number;
  /** Expected run time at full speed (s), used for backfill reservations and time-shifting. */
  durationS?: number;
  /** Token budget when durationS is not known (the caller converts it with the perf model). */
  tokens?: number;
  /** Whether the job may span several sites over the WAN (default: true for pretraining only). */
  allowMultiSite?: boolean;
}

/** GPUs taken from one scale-up domain. */
export interface AllocationPart {
  siteId: string;
  podId: string;
  /** Index of the scale-up domain in the pod's domainFree array. */
  domain: number;
  gpus: number;
}

/** How spread out a gang is; the perf model turns this into a speed factor. */
export type SpreadClass = 'domain' | 'pod' | 'site' | 'multi-site';

export interface Allocation {
  jobId: string;
  gpus: number;
  parts: AllocationPart[];
  /** Distinct sites / pods / domains used. */
  sites: string[];
  pods: number;
  domains: number;
  spread: SpreadClass;
}

/** A job that holds GPUs now. */
export interface RunningJob {
  job: JobRequest;
  allocation: Allocation;
  startTimeS: number;
  /** When the caller expects it to finish at its current speed (s); used by backfill. */
  expectedEndS: number;
}

export type HoldReason =
  'no-capacity' | 'sovereignty' | 'power-cap' | 'quota' | 'reservation' | 'time-shift' | 'too-large' | 'locality';

export type Decision =
  | { type: 'start'; jobId: string; allocation: Allocation }
  | { type: 'preempt'; jobId: string; forJobId: string }
  | { type: 'hold'; jobId: string; reason: HoldReason; untilS?: number };

export interface SchedulingPolicy {
  readonly name: string;
  /** Order the queue (returns a new array; never mutates the input). */
  orderQueue(queue: readonly JobRequest[], state: ClusterState, nowS: number): JobRequest[];
  /** Place a job on the current free capacity, or null. Never mutates state. */
  place(job: JobRequest, state: ClusterState, nowS: number): Allocation | null;
  /** Ids of running jobs to preempt so that `job` can start; [] when none may or need be. */
  chooseVictims(job: JobRequest, state: ClusterState, running: readonly RunningJob[], nowS: number): string[];
  /**
   * Optional: hold a job that could be placed (time-shift, quota, reservation). Returns the reason
   * and optional time to re-examine it, or null to let it start.
   */
  shouldHold?(job: JobRequest, state: ClusterState, nowS: number): { reason: HoldReason; untilS?: number } | null;
  /** Whether jobs behind a blocked head may start when they do not delay the head (EASY backfill). */
  readonly backfill?: boolean;
  /** Whether chooseVictims can ever return victims (lets scheduleRound stop early on a full cluster). */
  readonly preempts?: boolean;
}

export interface RoundOptions {
  /** Apply the starts/preemptions to `state` in place (the simulator does); default false (works on a clone). */
  mutate?: boolean;
  /** Emit a hold decision for every job not started (default true). */
  emitHolds?: boolean;
  /**
   * Locality wait (s): a gang whose placement would use more scale-up domains than it needs waits up to this long
   * after its submit for a consolidated one, then takes what it gets (Philly's scheduler relaxed locality the same
   * way: Jeon et al., ATC'19, Sec. 3). Default 0: no wait.
   */
  localityWaitS?: number;
  /**
   * The finite-end jobs of `running`, sorted by `expectedEndS` (a `RunningByEnd` the caller keeps, running-index.ts;
   * read only when a reservation is needed): the backfill reservation then walks only the jobs ending before the head
   * starts. Same decisions as without.
   */
  runningByEnd?: { readonly sorted: readonly RunningJob[] };
}

export interface RoundResult {
  decisions: Decision[];
  /** Counts for quick inspection. */
  started: number;
  preempted: number;
  held: number;
  /** The state after the round (the input object when mutate is true, else a clone). */
  state: ClusterState;
  /**
   * The jobs not started, in the policy's order. Passing this back as the next round's queue (with
   * new arrivals appended) keeps ordering O(n).
   */
  queue: JobRequest[];
  /** Earliest `untilS` among time-shift holds, so the caller can wake the scheduler then. */
  nextWakeS?: number;
}
