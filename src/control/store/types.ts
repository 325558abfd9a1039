// The Store: everything the control plane persists. One interface, two backends (SQLite, PostgreSQL),
// one conformance suite (test/control/store-conformance.test.ts). Every method is atomic.
import type { HistorySample, JobPlan } from '../../contract/responses.js';
import type {
  Checkpoint,
  Job,
  JobEvent,
  JobSpec,
  JobState,
  Lease,
  PlacementPart,
  Role,
  SiteState,
  SiteStatus,
  Tenant,
} from '../domain.js';
import type { ServiceStore } from './services.js';

export interface NewJob {
  id: string;
  tenantId: string;
  name: string;
  spec: JobSpec;
  gpus: number | null;
  priority: number;
  idempotencyKey: string | null;
  at: number;
}

export interface JobFilter {
  tenantId?: string;
  states?: JobState[];
  site?: string;
  /** Opaque cursor from a previous page. */
  cursor?: string | null;
  limit?: number;
  /** Oldest first (scheduler) instead of newest first (API). */
  order?: 'newest' | 'oldest';
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}

/** Fields a transition may change along with the state. */
export interface JobPatch {
  placement?: PlacementPart[] | null;
  attempt?: number;
  runId?: string | null;
  checkpoint?: Checkpoint | null;
  reason?: string | null;
  exitCode?: number | null;
  plan?: JobPlan | null;
  gpus?: number | null;
  startedAt?: number | null;
  finishedAt?: number | null;
}

export interface Transition {
  jobId: string;
  to: JobState;
  /** Reject unless the job is in one of these states (compare-and-set on state). */
  from?: JobState[];
  /** Reject unless the job still has this version (optimistic concurrency). */
  expectVersion?: number;
  patch?: JobPatch;
  at: number;
  data?: Record<string, unknown>;
}

export interface EventFilter {
  afterSeq?: number;
  tenantId?: string;
  jobId?: string;
  /** Only events whose type starts with this (e.g. `audit.`). */
  typePrefix?: string;
  limit?: number;
}

export interface NewEvent {
  at: number;
  type: string;
  jobId?: string | null;
  tenantId?: string | null;
  siteId?: string | null;
  data?: Record<string, unknown> | null;
}

export interface TokenRecord {
  id: string;
  tenantId: string;
  role: Role;
  name: string;
}

/** A token as listed (never its secret or hash). */
export interface TokenInfo extends TokenRecord {
  revoked: boolean;
  createdAt: number;
  /** Epoch ms of the last recorded use (recorded at most once per throttle interval), null when never used. */
  lastUsedAt: number | null;
}

/** How much fleet history the store keeps: rows older than maxAgeMs and beyond the newest maxRows are deleted. */
export interface HistoryRetention {
  maxAgeMs: number;
  maxRows: number;
}

export interface SubmitResult {
  job: Job;
  /** False when an earlier submission with the same idempotency key was returned instead. */
  created: boolean;
}

/** Jobs written since a change cursor. */
export interface JobChanges {
  /** Every job (any state) inserted or updated after the cursor, each as it stands now, in change order. */
  jobs: Job[];
  /** The cursor to pass next time. */
  cursor: number;
}

export interface Store extends ServiceStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; returns the schema version. Safe to run from several replicas at once. */
  migrate(): Promise<number>;
  schemaVersion(): Promise<number>;
  /** Readiness: the store is the one opened and accepts a write (throws StoreUnavailableError saying why). */
  ready(): Promise<void>;
  /** True when the last `migrate()` created the store (no schema before): only such a store gets demo data. */
  readonly fresh: boolean;
  close(): Promise<void>;

  createTenant(t: Omit<Tenant, 'createdAt'> & { at: number }): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  /** `lendToServices`: false opts the tenant's jobs out of lending GPUs to services, true opts them back in. */
  updateTenant(
    id: string,
    patch: Partial<Pick<Tenant, 'name' | 'quotaGpus' | 'allowedJurisdictions'>> & { lendToServices?: boolean },
  ): Promise<Tenant>;

  /** Stores only the sha256 of the secret. */
  createToken(t: {
    id: string;
    tenantId: string;
    role: Role;
    name: string;
    secretHash: string;
    at: number;
  }): Promise<TokenRecord>;
  findTokenByHash(secretHash: string): Promise<TokenRecord | null>;
  revokeToken(id: string): Promise<void>;
  /** A tenant's tokens, revoked ones included, oldest first. */
  listTokens(tenantId: string): Promise<TokenInfo[]>;
  getToken(id: string): Promise<TokenInfo | null>;
  /** Records a token's use at `at` (never moves it back). Callers throttle: see api/token-usage.ts. */
  touchToken(id: string, at: number): Promise<void>;

  /** Inserts the job in state queued and a job.submitted event, atomically. Idempotent per (tenant, key). */
  submitJob(job: NewJob): Promise<SubmitResult>;
  getJob(id: string): Promise<Job | null>;
  listJobs(filter: JobFilter): Promise<JobPage>;
  /**
   * The change cursor now: every job write with a change sequence at or below it has committed (or
   * rolled back), so none can appear below it later. An incremental reader takes it before a full
   * read, then follows with `jobsChangedSince` (jobs written in between are returned twice: harmless).
   */
  jobChangeCursor(): Promise<number>;
  /**
   * Jobs written after `cursor` (see `Job.changeSeq`), up to a new cursor below which no write is
   * still in flight: a writer that took a lower sequence number but commits later than one that took
   * a higher one is never skipped. Cost: the changed rows only.
   */
  jobsChangedSince(cursor: number): Promise<JobChanges>;
  /** Applies a state-machine transition and records it as an event, atomically. */
  transitionJob(t: Transition): Promise<Job>;
  /**
   * Several transitions in one database transaction (one commit); each applies or fails on its own
   * (a failed one changes nothing, later ones of the same job see the state before it); errors are
   * returned, not thrown.
   */
  transitionMany(ts: readonly Transition[]): Promise<(Job | Error)[]>;
  /**
   * Updates fields without a state change (plan, checkpoint); records an event when `eventType` is
   * given. With `expectVersion`, rejects (ConflictError) unless the job still has that version.
   */
  updateJob(
    jobId: string,
    patch: JobPatch,
    at: number,
    eventType?: string,
    data?: Record<string, unknown>,
    expectVersion?: number,
  ): Promise<Job>;
  /** GPUs held by a tenant's jobs in active states. */
  activeGpus(tenantId: string): Promise<number>;
  countJobs(states?: JobState[]): Promise<Record<string, number>>;

  appendEvent(e: NewEvent): Promise<JobEvent>;
  listEvents(filter: EventFilter): Promise<JobEvent[]>;
  /** The sequence number of the newest event (0 when there is none): where a live stream starts. */
  lastEventSeq(): Promise<number>;

  upsertSite(id: string, at: number): Promise<SiteState>;
  listSites(): Promise<SiteState[]>;
  getSite(id: string): Promise<SiteState | null>;
  recordHeartbeat(id: string, at: number): Promise<SiteState>;
  setSiteStatus(id: string, status: SiteStatus, at: number): Promise<SiteState>;
  setSiteDrained(id: string, drained: boolean, at: number): Promise<SiteState>;

  /**
   * Stores one fleet history sample taken at `at` (epoch ms; a second sample at the same ms replaces the
   * first) and, in the same transaction, deletes what `keep` no longer allows.
   */
  appendHistorySample(at: number, sample: HistorySample, keep: HistoryRetention): Promise<void>;
  /** Samples taken at or after `sinceMs`, oldest first; at most the newest `limit`. */
  listHistorySamples(sinceMs: number, limit: number): Promise<HistorySample[]>;

  /** Takes or renews a lease; returns the lease as it stands (holder tells whether you got it). */
  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<Lease>;
  releaseLease(name: string, holder: string): Promise<void>;
  getLease(name: string): Promise<Lease | null>;
}
