// The Executor interface: how the control plane starts, watches and stops a job's gang on one site.
// One conformance suite (test/control/executor-conformance.test.ts) runs against every backend.
import type { Checkpoint, ExecutorKind, PlacementPart } from '../domain.js';

export interface RunSpec {
  /** `${jobId}.${attempt}`: unique per attempt, the idempotency key of start(). */
  runKey: string;
  jobId: string;
  attempt: number;
  tenantId: string;
  name: string;
  model: string;
  siteId: string;
  placement: PlacementPart[];
  gpus: number;
  /** argv; null for executors that do not run commands (twin). */
  command: string[] | null;
  env: Record<string, string>;
  /** SUPERFACTORY_CHECKPOINT_DIR: where the job writes checkpoints; shared by all attempts of a job. */
  checkpointDir: string;
  /** The checkpoint to resume from (SUPERFACTORY_RESUME_STEP / SUPERFACTORY_RESUME_FROM), or null for a fresh start. */
  resumeFrom: Checkpoint | null;
  checkpointable: boolean;
  /** Expected run time at full speed (s), when the planner knows it (the twin uses it). */
  expectedDurationS: number | null;
  /** This run is one part of a cross-site gang (one part per site); absent for a one-site run. */
  gang?: GangPart;
}

/**
 * One site's part of a cross-site gang. Ranks are numbered site by site: the part of site i holds
 * ranks rankOffset .. rankOffset + worldSizes[i] - 1 of worldSize; MASTER_ADDR:MASTER_PORT is the
 * rendezvous on the first site, reachable from every site.
 */
export interface GangPart {
  index: number;
  count: number;
  sites: string[];
  /** Processes (ranks) of each site's part, in site order. */
  worldSizes: number[];
  rankOffset: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  /** The plan's topology for the trainer (SUPERFACTORY_STRATEGY, _TP/_PP/_DP/_CP, _WAN_DIM, DiLoCo H and bits). */
  env: Record<string, string>;
  /** Spawn or allocate held: nothing runs until release() (all or nothing across the gang's sites). */
  hold: boolean;
}

/** The last progress line a run's trainer wrote (SUPERFACTORY_PROGRESS_FILE; examples/train/train.py). */
export interface RunProgress {
  site?: string;
  step: number;
  loss?: number;
  stepTimeSeconds?: number;
  /** Forward, backward and optimizer time of the step, without waiting for the other sites (stragglers). */
  computeSeconds?: number;
  tokensPerSecond?: number;
  /** Bytes this site sent over the WAN per step: counted on its link when it has one, else the trainer's payload. */
  wanBytesPerStep?: number;
  wanPayloadBytesPerStep?: number;
  wanCounted?: 'link' | 'payload';
  at?: number;
}

export type RunPhase = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';

export interface RunStatus {
  runKey: string;
  phase: RunPhase;
  /** Executor's own id (Slurm job id, pid list, ...). */
  externalId: string | null;
  exitCode: number | null;
  reason: string | null;
  /** Latest checkpoint the run wrote, if the executor can see it. */
  checkpoint: { step: number; path: string | null } | null;
  /** A gang part allocated and waiting for release() (phase `pending`). */
  held?: boolean;
  /** The trainer's last progress report, when it writes one. */
  progress?: RunProgress | null;
}

export interface Executor {
  readonly kind: ExecutorKind;
  /** What this backend cannot do (also listed in the conformance test file). */
  readonly knownGaps: readonly string[];
  /** Whether it needs a command (local, slurm) or simulates the job (twin). */
  readonly needsCommand: boolean;
  /**
   * Whether one run may have placement parts on several sites (one gang across sites, e.g. over the
   * WAN). The twin can: one engine simulates the whole gang. Local and Slurm cannot: one process
   * tree / one Slurm cluster per site. The scheduler places a cross-site job across sites only when
   * every site it may use is driven by such an executor.
   */
  readonly spansSites: boolean;
  /**
   * Whether it can run one site's part of a gang that the control plane coordinates across sites
   * (RunSpec.gang: held start, release(), the gang's ranks and rendezvous). Local and Slurm can.
   */
  readonly runsGangParts?: boolean;
  /** The address this site's processes are reachable at from the other sites (the gang's rendezvous). */
  readonly address?: string;
  /** The network namespace this site's processes run in (checkpoint copies leave through its WAN link), if any. */
  readonly netns?: string | null;
  /** Largest run this executor accepts, in GPUs (the never-fit rule's capacity); absent: the site's GPUs. */
  readonly maxGpusPerRun?: number;
  /** Processes (ranks) a run of `gpus` GPUs has. */
  processes?(gpus: number): number;
  /** Lets a held gang part run (idempotent); throws when the part is not held or running. */
  release?(runKey: string): Promise<void>;
  /**
   * Launches the run, or returns the existing run with the same runKey without launching it again
   * (idempotent: the control plane calls it again after a crash while the job is `starting`).
   */
  start(spec: RunSpec): Promise<RunStatus>;
  /** Status of the given runs; a run the executor does not know is reported with phase `unknown`. */
  status(runKeys: readonly string[]): Promise<Map<string, RunStatus>>;
  /** Runs that are still alive (pending or running), for reconciliation. */
  list(): Promise<RunStatus[]>;
  /** Stops the whole gang; idempotent; unknown runs are ignored. */
  cancel(runKey: string): Promise<void>;
  /** Throws when the site cannot be reached (a missed heartbeat). */
  heartbeat(): Promise<void>;
  /** Recent log lines of a run (best effort). */
  logs?(runKey: string, maxBytes?: number): Promise<string>;
  close(): Promise<void>;
}

export class ExecutorUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutorUnavailableError';
  }
}

/** A launch that can never succeed (bad command, too many processes): the job fails. */
export class LaunchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LaunchError';
  }
}

export function unknownStatus(runKey: string): RunStatus {
  return { runKey, phase: 'unknown', externalId: null, exitCode: null, reason: 'run not found', checkpoint: null };
}

/** Environment every gang member gets, besides RANK/WORLD_SIZE/LOCAL_RANK/MASTER_*. */
export function baseEnv(spec: RunSpec): Record<string, string> {
  const env: Record<string, string> = {
    ...spec.env,
    SUPERFACTORY_JOB_ID: spec.jobId,
    SUPERFACTORY_ATTEMPT: String(spec.attempt),
    SUPERFACTORY_RUN_KEY: spec.runKey,
    SUPERFACTORY_SITE: spec.siteId,
    SUPERFACTORY_GPUS: String(spec.gpus),
    SUPERFACTORY_CHECKPOINT_DIR: spec.checkpointDir,
  };
  const g = spec.gang;
  if (g) {
    Object.assign(env, g.env, {
      SUPERFACTORY_SITE_INDEX: String(g.index),
      SUPERFACTORY_SITE_COUNT: String(g.count),
      SUPERFACTORY_SITES: g.sites.join(','),
      SUPERFACTORY_SITE_WORLD_SIZES: g.worldSizes.join(','),
      SUPERFACTORY_RANK_OFFSET: String(g.rankOffset),
    });
  }
  if (spec.resumeFrom) {
    env.SUPERFACTORY_RESUME_STEP = String(spec.resumeFrom.step);
    if (spec.resumeFrom.path) env.SUPERFACTORY_RESUME_FROM = spec.resumeFrom.path;
  }
  return env;
}
