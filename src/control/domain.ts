// Domain types of the live control plane: jobs and their lifecycle, tenants, tokens, sites, events.
// Errors are named for what the caller should do; storage errors are mapped to these at the store boundary.
import type { JobPlan } from '../contract/responses.js';
import type { InputIssue } from '../core/issues.js';
import type { Strategy } from '../core/strategies.js';

// Job states, roles and executor kinds cross the wire: their one home is the contract.
import { JOB_STATES, ROLES, type ExecutorKind, type JobState, type Role } from '../contract/states.js';
export { JOB_STATES, ROLES, type ExecutorKind, type JobState, type Role };

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);
/** States in which a job holds GPUs on a site. */
export const ACTIVE_STATES: readonly JobState[] = ['admitted', 'starting', 'running', 'checkpointing'];

/**
 * The lifecycle as a state machine. Every transition is recorded as an event; anything else is rejected.
 * queued -> admitted (placed by the policy) -> starting (run launched) -> running -> succeeded | failed;
 * running -> checkpointing (waiting for the next checkpoint: drain or suspend) -> running | suspended | preempted;
 * a preempted job (victim, site down, drain) goes back to queued and resumes from its latest checkpoint.
 */
const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  queued: ['admitted', 'suspended', 'cancelled', 'failed'],
  admitted: ['starting', 'queued', 'suspended', 'cancelled', 'preempted', 'failed'],
  starting: ['running', 'succeeded', 'failed', 'cancelled', 'preempted', 'suspended'],
  running: ['checkpointing', 'succeeded', 'failed', 'cancelled', 'preempted', 'suspended'],
  checkpointing: ['running', 'suspended', 'preempted', 'succeeded', 'failed', 'cancelled'],
  suspended: ['queued', 'cancelled'],
  preempted: ['queued', 'cancelled', 'failed'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: JobState): readonly JobState[] {
  return TRANSITIONS[from];
}

export interface Tenant {
  id: string;
  name: string;
  /** Most GPUs this tenant may hold at once (admitted + starting + running + checkpointing); null: no quota. */
  quotaGpus: number | null;
  /** Jurisdictions (e.g. US-GA) where this tenant's jobs may run; null: anywhere. */
  allowedJurisdictions: string[] | null;
  /** false: none of its jobs lends GPUs to a service (absent: they may, each job's `lendable` decides). */
  lendToServices?: false;
  createdAt: number;
}

export interface Principal {
  tenantId: string;
  role: Role;
  tokenId: string;
}

/** Inline model (same shape as the perf model's ModelSpec, validated at the edge). */
export type InlineModel = Record<string, unknown> & { name: string };

export interface JobSpec {
  model: string | InlineModel;
  gpus: number | null;
  tokens: number | null;
  priority: number;
  allowedJurisdictions: string[] | null;
  checkpointable: boolean;
  preemptible: boolean;
  /** false: never suspended to lend its GPUs to a service (absent: lendable when checkpointable and preemptible). */
  lendable?: boolean;
  /** Epoch ms. */
  deadline: number | null;
  command: string[] | null;
  executor: ExecutorKind | null;
  env: Record<string, string>;
  /** Only these sites may run the job (absent or null: any site; absent on jobs stored before it existed). */
  sites?: string[] | null;
  /** Planner options the job asked for (absent on jobs stored before they existed). */
  planOptions?: JobPlanOptions;
  /** Dataset folder per site; missing replicas are staged before the job starts (scheduling/staging.ts). */
  datasets?: Record<string, string>;
}

export interface JobPlanOptions {
  strategies?: Strategy[];
  dilocoInnerSteps?: number;
  dilocoOuterBits?: 4 | 8 | 16 | 32;
  dilocoStreaming?: boolean;
}

export interface PlacementPart {
  site: string;
  gpus: number;
  /** The pod and scale-up domain the policy chose (stored with the placement; the twin reads them). */
  pod?: string;
  domain?: number;
}

export interface Checkpoint {
  /** Opaque for the control plane: a step number or a path the job wrote. */
  step: number;
  path: string | null;
  at: number;
  site: string | null;
}

export interface Job {
  id: string;
  seq: number;
  tenantId: string;
  name: string;
  state: JobState;
  spec: JobSpec;
  /** GPUs the job needs: spec.gpus, or what the plan chose. */
  gpus: number | null;
  priority: number;
  /** The planner's best plan (or why there is none); null until planned. */
  plan: JobPlan | null;
  placement: PlacementPart[] | null;
  attempt: number;
  runId: string | null;
  checkpoint: Checkpoint | null;
  reason: string | null;
  exitCode: number | null;
  idempotencyKey: string | null;
  version: number;
  /**
   * Store-wide change sequence of the job's last write (insert or update): strictly increasing
   * across all jobs, so `Store.jobsChangedSince(cursor)` returns exactly the jobs written since.
   */
  changeSeq: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface JobEvent {
  seq: number;
  at: number;
  type: string;
  jobId: string | null;
  tenantId: string | null;
  siteId: string | null;
  from: JobState | null;
  to: JobState | null;
  data: Record<string, unknown> | null;
}

export type SiteStatus = 'unknown' | 'up' | 'down';

export interface SiteState {
  id: string;
  status: SiteStatus;
  drained: boolean;
  lastHeartbeatAt: number | null;
  updatedAt: number;
}

export interface Lease {
  name: string;
  holder: string;
  /** Increments each time a different holder takes the lease: a fencing token. */
  term: number;
  expiresAt: number;
}

/** Base of every error the control plane raises on purpose; `code` maps to an HTTP status at the edge. */
export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = status;
    this.name = new.target.name;
  }
}
export class NotFoundError extends DomainError {
  constructor(what: string, id: string, options?: { cause?: unknown }) {
    super('not_found', 404, `${what} ${id} not found`, options);
  }
}
/** The object changed under you or the transition is illegal in its current state: re-read and retry or give up. */
export class ConflictError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', 409, message, options);
  }
}
export class IllegalTransitionError extends ConflictError {
  readonly from: JobState;
  readonly to: JobState;
  constructor(jobId: string, from: JobState, to: JobState) {
    super(`job ${jobId} cannot go from ${from} to ${to} (allowed: ${allowedTransitions(from).join(', ') || 'none'})`);
    this.from = from;
    this.to = to;
  }
}
/** The store cannot be reached or refused the write for a transient reason: retry later. */
export class StoreUnavailableError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', 503, message, options);
  }
}
/** A bug or a broken schema: do not retry. */
export class StoreCorruptError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_error', 500, message, options);
  }
}
export class DuplicateError extends ConflictError {}

export type { InputIssue };

/** The request is malformed (400) or well-formed but unacceptable (422): fix the input. */
export class InvalidInputError extends DomainError {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[], status: 400 | 422 = 422) {
    super(
      status === 400 ? 'bad_request' : 'unprocessable',
      status,
      issues.map((i) => `${i.path}: ${i.message}`).join('; '),
    );
    this.issues = issues;
  }
}
