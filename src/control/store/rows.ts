// Row <-> domain mapping shared by both SQL backends.
import type { Job, JobEvent, JobState, SiteState, SiteStatus, Tenant, Lease, Role } from '../domain.js';
import { InvalidInputError } from '../domain.js';
import type { TokenRecord, TokenInfo } from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as T));

export function rowToJob(r: Row): Job {
  return {
    id: String(r.id),
    seq: num(r.seq),
    tenantId: String(r.tenant_id),
    name: String(r.name),
    state: r.state as JobState,
    spec: json(r.spec)!,
    gpus: numOrNull(r.gpus),
    priority: num(r.priority),
    plan: json(r.plan),
    placement: json(r.placement),
    attempt: num(r.attempt),
    runId: (r.run_id as string | null) ?? null,
    checkpoint: json(r.checkpoint),
    reason: (r.reason as string | null) ?? null,
    exitCode: numOrNull(r.exit_code),
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    version: num(r.version),
    changeSeq: num(r.change_seq),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
  };
}

export function rowToEvent(r: Row): JobEvent {
  return {
    seq: num(r.seq),
    at: num(r.at),
    type: String(r.type),
    jobId: (r.job_id as string | null) ?? null,
    tenantId: (r.tenant_id as string | null) ?? null,
    siteId: (r.site_id as string | null) ?? null,
    from: (r.from_state as JobState | null) ?? null,
    to: (r.to_state as JobState | null) ?? null,
    data: json(r.data),
  };
}

/** A tenant with a patch applied; `lendToServices: true` drops the opt-out (only `false` shows on the object). */
export function tenantPatched(
  cur: Tenant,
  patch: Partial<Pick<Tenant, 'name' | 'quotaGpus' | 'allowedJurisdictions'>> & { lendToServices?: boolean },
): Tenant {
  const { lendToServices, ...rest } = patch;
  const t: Tenant = { ...cur, ...rest };
  if (lendToServices === true) delete t.lendToServices;
  if (lendToServices === false) t.lendToServices = false;
  return t;
}

export function rowToTenant(r: Row): Tenant {
  return {
    id: String(r.id),
    name: String(r.name),
    quotaGpus: numOrNull(r.quota_gpus),
    allowedJurisdictions: json(r.allowed_jurisdictions),
    // stored as 0/1 (SQLite) or a boolean (PostgreSQL); only the opt-out shows on the object
    ...(r.lend_to_services === 0 || r.lend_to_services === false ? { lendToServices: false as const } : {}),
    createdAt: num(r.created_at),
  };
}

export function rowToSite(r: Row): SiteState {
  return {
    id: String(r.id),
    status: r.status as SiteStatus,
    drained: num(r.drained) === 1 || r.drained === true,
    lastHeartbeatAt: numOrNull(r.last_heartbeat_at),
    updatedAt: num(r.updated_at),
  };
}

export function rowToLease(r: Row): Lease {
  return { name: String(r.name), holder: String(r.holder), term: num(r.term), expiresAt: num(r.expires_at) };
}

export function rowToToken(r: Row): TokenRecord {
  return { id: String(r.id), tenantId: String(r.tenant_id), role: r.role as Role, name: String(r.name) };
}

export function rowToTokenInfo(r: Row): TokenInfo {
  return {
    ...rowToToken(r),
    revoked: Number(r.revoked) !== 0,
    createdAt: Number(r.created_at),
    lastUsedAt: numOrNull(r.last_used_at),
  };
}

export function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^s:(\d+)$/.exec(text);
  if (!m)
    throw new InvalidInputError(
      [{ path: 'cursor', message: 'invalid cursor', hint: 'pass the nextCursor of a previous page unchanged' }],
      400,
    );
  return Number(m[1]);
}

export function sitesKey(placement: { site: string }[] | null | undefined): string | null {
  if (!placement || placement.length === 0) return null;
  return `,${[...new Set(placement.map((p) => p.site))].join(',')},`;
}

export const JOB_COLUMNS =
  'seq, id, tenant_id, name, state, priority, gpus, spec, plan, placement, attempt, run_id, checkpoint, reason, exit_code, idempotency_key, version, change_seq, created_at, updated_at, started_at, finished_at';

/**
 * A job from a row read as an array in JOB_COLUMNS order (better-sqlite3 `raw()`, pg `rowMode: 'array'`):
 * building one object per row with 22 named keys costs more than the query itself on big reads.
 */
export function arrayToJob(a: readonly unknown[]): Job {
  return {
    seq: num(a[0]),
    id: String(a[1]),
    tenantId: String(a[2]),
    name: String(a[3]),
    state: a[4] as JobState,
    priority: num(a[5]),
    gpus: numOrNull(a[6]),
    spec: json(a[7])!,
    plan: json(a[8]),
    placement: json(a[9]),
    attempt: num(a[10]),
    runId: (a[11] as string | null) ?? null,
    checkpoint: json(a[12]),
    reason: (a[13] as string | null) ?? null,
    exitCode: numOrNull(a[14]),
    idempotencyKey: (a[15] as string | null) ?? null,
    version: num(a[16]),
    changeSeq: num(a[17]),
    createdAt: num(a[18]),
    updatedAt: num(a[19]),
    startedAt: numOrNull(a[20]),
    finishedAt: numOrNull(a[21]),
  };
}
