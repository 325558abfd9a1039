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
  if (spec.resumeFrom) {
    env.SUPERFACTORY_RESUME_STEP = String(spec.resumeFrom.step);
    if (spec.resumeFrom.path) env.SUPERFACTORY_RESUME_FROM = spec.resumeFrom.path;
  }
  return env;
}
