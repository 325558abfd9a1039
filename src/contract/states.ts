// Names that cross the wire and that both sides must spell alike: job states and token roles.

export const JOB_STATES = [
  'queued',
  'admitted',
  'starting',
  'running',
  'checkpointing',
  'suspended',
  'succeeded',
  'failed',
  'cancelled',
  'preempted',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Token roles. An `admin` of the system tenant is a platform operator (sites, tenants, quotas, every
 * tenant's jobs); an `admin` of any other tenant administers only that tenant (its tokens and jobs).
 */
export const ROLES = ['admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The operators' tenant: its admins run the platform. */
export const SYSTEM_TENANT = 'system';

export const EXECUTOR_KINDS = ['local', 'slurm', 'twin'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];
