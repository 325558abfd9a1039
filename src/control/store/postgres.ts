// PostgreSQL backend (pg): several control-plane replicas share one database.
// Commits use PostgreSQL's default synchronous_commit=on: an acknowledged job is on disk.
// Over 400 lines on purpose: one class implementing the whole Store interface, query for query the mirror
// image of sqlite.ts (the other SQL dialect); kept whole so the two can be read side by side and stay in step.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Job, JobEvent, JobState, Lease, SiteState, SiteStatus, Tenant } from '../domain.js';
import {
  ConflictError,
  DomainError,
  DuplicateError,
  NotFoundError,
  StoreCorruptError,
  StoreUnavailableError,
} from '../domain.js';
import { applyTransition, patchColumns } from './apply.js';
import {
  PUT_REPLICA_SQL,
  patchedBounds,
  replicaArgs,
  rowToReplica,
  rowToService,
  type NewService,
  type ServicePatch,
  type ServiceRecord,
  type StoredReplica,
} from './services.js';
import { JOB_CHANGE_LOCK, LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import {
  JOB_COLUMNS,
  arrayToJob,
  decodeCursor,
  encodeCursor,
  rowToEvent,
  rowToJob,
  rowToLease,
  rowToSite,
  rowToTenant,
  rowToToken,
  rowToTokenInfo,
  sitesKey,
  tenantPatched,
} from './rows.js';
import type { HistorySample } from '../../contract/responses.js';
import type {
  EventFilter,
  HistoryRetention,
  JobChanges,
  JobFilter,
  JobPage,
  JobPatch,
  NewEvent,
  NewJob,
  Store,
  SubmitResult,
  TokenInfo,
  TokenRecord,
  Transition,
} from './types.js';

/** Column positions in JOB_COLUMNS (rows read as arrays). */
const COL = new Map(JOB_COLUMNS.split(', ').map((c, i) => [c, i]));

/**
 * How long the change-feed reader waits for job writes in flight to finish (see jobChangeHorizon);
 * past it, it reports no new changes this time (and writers queued behind it go on).
 */
const HORIZON_LOCK_TIMEOUT_MS = 250;

type Row = Record<string, unknown>;
type Queryable = pg.Pool | pg.PoolClient;

// bigint (int8) columns hold epoch milliseconds and sequence numbers: safe as JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));

const MIGRATION_LOCK = 0x5f5f_5346; // advisory lock key serializing migrations across replicas

function mapError(err: unknown, what: string): Error {
  if (err instanceof DomainError) return err;
  const code = String((err as { code?: string }).code ?? '');
  if (code === '23505') return new DuplicateError(`${what}: already exists`, { cause: err });
  if (code.startsWith('23')) return new DuplicateError(`${what}: constraint failed`, { cause: err });
  // 25006 read_only_sql_transaction (a standby or a read-only database): the store is read-only, not damaged
  if (code === '25006')
    return new StoreUnavailableError(`${what}: the database is read-only (a standby?): point store: at the primary`, {
      cause: err,
    });
  if (code === '40001' || code === '40P01' || code.startsWith('08') || code.startsWith('57') || code.startsWith('53')) {
    return new StoreUnavailableError(`${what}: database unavailable (${code})`, { cause: err });
  }
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code) ||
    /terminat|Connection/i.test((err as Error).message ?? '')
  ) {
    return new StoreUnavailableError(`${what}: database unreachable (${(err as Error).message})`, { cause: err });
  }
  return new StoreCorruptError(`${what}: ${(err as Error).message ?? String(err)}`, { cause: err });
}

export interface PostgresOptions {
  connectionString?: string;
  max?: number;
}

/**
 * Rolls back after a failed statement. A rollback that fails too means the connection is broken: its
 * error is returned so that `release(err)` discards the connection instead of pooling it.
 */
async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The transitions applied in order to the locked rows (arrays in JOB_COLUMNS order), in memory. */
function applyInMemory(rows: Map<string, unknown[]>, ts: readonly Transition[]) {
  const out: (Job | Error)[] = [];
  const changed = new Set<string>();
  const events: ReturnType<typeof applyTransition>['event'][] = [];
  for (const t of ts) {
    const row = rows.get(t.jobId);
    if (!row) {
      out.push(new NotFoundError('job', t.jobId));
      continue;
    }
    try {
      const u = applyTransition(arrayToJob(row), t);
      const next = row.slice();
      for (const [k, v] of Object.entries(u.columns)) {
        const i = COL.get(k);
        if (i !== undefined) next[i] = v;
      }
      rows.set(t.jobId, next);
      changed.add(t.jobId);
      events.push(u.event);
      out.push(arrayToJob(next));
    } catch (err) {
      out.push(mapError(err, `transition job ${t.jobId} to ${t.to}`));
    }
  }
  return { out, changed, events };
}

/** Columns a transition may change, with their SQL array types for unnest(). */
const TRANSITION_COLUMNS = {
  state: 'text',
  gpus: 'int',
  plan: 'text',
  placement: 'text',
  attempt: 'int',
  run_id: 'text',
  checkpoint: 'text',
  reason: 'text',
  exit_code: 'int',
  version: 'int',
  updated_at: 'bigint',
  started_at: 'bigint',
  finished_at: 'bigint',
} as const;

/** Writes the changed rows with one UPDATE over unnest(); returns each job's new change sequence. */
async function updateRows(c: pg.PoolClient, rows: Map<string, unknown[]>, ids: string[]): Promise<Map<string, number>> {
  const cols = Object.keys(TRANSITION_COLUMNS) as (keyof typeof TRANSITION_COLUMNS)[];
  const values: unknown[][] = [ids, ids.map((id) => sitesKey(arrayToJob(rows.get(id)!).placement))];
  for (const col of cols) values.push(ids.map((id) => rows.get(id)![COL.get(col)!] ?? null));
  const upd = await c.query(
    `UPDATE jobs AS j SET sites = u.sites, ${cols.map((col) => `${col} = u.${col}`).join(', ')}, change_seq = sf_next_job_change()
     FROM unnest($1::text[], $2::text[], ${cols.map((col, i) => `$${i + 3}::${TRANSITION_COLUMNS[col]}[]`).join(', ')}) AS u(id, sites, ${cols.join(', ')})
     WHERE j.id = u.id RETURNING j.id, j.change_seq`,
    values,
  );
  return new Map((upd.rows as Row[]).map((r) => [String(r.id), Number(r.change_seq)]));
}

/** Every event of a batch with one INSERT, in order. */
async function insertEvents(c: pg.PoolClient, events: ReturnType<typeof applyTransition>['event'][]): Promise<void> {
  await c.query(
    `INSERT INTO events (at, type, job_id, tenant_id, site_id, from_state, to_state, data)
     SELECT at, type, job_id, tenant_id, site_id, from_state, to_state, data
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY
       AS e(at, type, job_id, tenant_id, site_id, from_state, to_state, data, n)
     ORDER BY n`,
    [
      events.map((e) => e.at),
      events.map((e) => e.type),
      events.map((e) => e.jobId ?? null),
      events.map((e) => e.tenantId ?? null),
      events.map((e) => e.siteId ?? null),
      events.map((e) => e.from),
      events.map((e) => e.to),
      events.map((e) => (e.data ? JSON.stringify(e.data) : null)),
    ],
  );
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(opts: PostgresOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', () => {});
  }

  private async jobs(what: string, sql: string, args: unknown[] = [], db: Queryable = this.pool): Promise<Job[]> {
    try {
      const r = await db.query({ text: sql, values: args, rowMode: 'array' });
      return (r.rows as unknown[][]).map(arrayToJob);
    } catch (err) {
      throw mapError(err, what);
    }
  }

  private async q(what: string, sql: string, args: unknown[] = [], db: Queryable = this.pool): Promise<Row[]> {
    try {
      const r = await db.query({ text: sql, values: args });
      return r.rows as Row[];
    } catch (err) {
      throw mapError(err, what);
    }
  }

  private async tx<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapError(err, what);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      broken = await rollback(client);
      throw mapError(err, what);
    } finally {
      client.release(broken);
    }
  }

  async migrate(): Promise<number> {
    await this.tx('migrate', async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const had = (await c.query("SELECT to_regclass('schema_migrations') AS t")).rows[0]?.t;
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await c.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)),
      );
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query(m.postgres);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
      }
      // the store's identity: created with the schema, kept for the store's life (absent only when a
      // test holds later migrations back)
      if (!(await c.query("SELECT to_regclass('store_identity') AS t")).rows[0]?.t) return;
      let row = (await c.query('SELECT id, created_at FROM store_identity LIMIT 1')).rows[0] as Row | undefined;
      if (!row) {
        row = { id: randomUUID(), created_at: Date.now() };
        await c.query('INSERT INTO store_identity (id, created_at) VALUES ($1, $2)', [row.id, row.created_at]);
      }
      this.identity = { id: String(row.id), createdAt: Number(row.created_at) };
      this.fresh = !had;
    });
    return LATEST_SCHEMA_VERSION;
  }

  /** True when the last migrate() created the schema. */
  fresh = false;
  identity: { id: string; createdAt: number } | null = null;

  /** Readiness: a write commits. */
  async ready(): Promise<void> {
    await this.q('readiness write', 'UPDATE store_identity SET checked_at = $1', [Date.now()]);
  }

  async schemaVersion(): Promise<number> {
    const exists = await this.q('schemaVersion', "SELECT to_regclass('schema_migrations') AS t");
    if (!exists[0]?.t) return 0;
    const r = await this.q('schemaVersion', 'SELECT MAX(version) AS v FROM schema_migrations');
    return Number(r[0]?.v ?? 0);
  }

  private closed = false;
  async close(): Promise<void> {
    if (this.closed) return; // pg refuses a second end()
    this.closed = true;
    await this.pool.end();
  }

  async createTenant(t: Omit<Tenant, 'createdAt'> & { at: number }): Promise<Tenant> {
    await this.q(
      `create tenant ${t.id}`,
      'INSERT INTO tenants (id, name, quota_gpus, allowed_jurisdictions, lend_to_services, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        t.id,
        t.name,
        t.quotaGpus,
        t.allowedJurisdictions ? JSON.stringify(t.allowedJurisdictions) : null,
        t.lendToServices !== false,
        t.at,
      ],
    );
    return {
      id: t.id,
      name: t.name,
      quotaGpus: t.quotaGpus,
      allowedJurisdictions: t.allowedJurisdictions,
      ...(t.lendToServices === false ? { lendToServices: false as const } : {}),
      createdAt: t.at,
    };
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const r = await this.q('get tenant', 'SELECT * FROM tenants WHERE id = $1', [id]);
    return r[0] ? rowToTenant(r[0]) : null;
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.q('list tenants', 'SELECT * FROM tenants ORDER BY id')).map(rowToTenant);
  }

  async updateTenant(
    id: string,
    patch: Partial<Pick<Tenant, 'name' | 'quotaGpus' | 'allowedJurisdictions'>> & { lendToServices?: boolean },
  ): Promise<Tenant> {
    return this.tx(`update tenant ${id}`, async (c) => {
      const cur = (await c.query('SELECT * FROM tenants WHERE id = $1 FOR UPDATE', [id])).rows[0] as Row | undefined;
      if (!cur) throw new NotFoundError('tenant', id);
      const t = tenantPatched(rowToTenant(cur), patch);
      await c.query(
        'UPDATE tenants SET name = $1, quota_gpus = $2, allowed_jurisdictions = $3, lend_to_services = $4 WHERE id = $5',
        [
          t.name,
          t.quotaGpus,
          t.allowedJurisdictions ? JSON.stringify(t.allowedJurisdictions) : null,
          t.lendToServices !== false,
          id,
        ],
      );
      return t;
    });
  }

  async createToken(t: {
    id: string;
    tenantId: string;
    role: TokenRecord['role'];
    name: string;
    secretHash: string;
    at: number;
  }): Promise<TokenRecord> {
    await this.q(
      `create token ${t.id}`,
      'INSERT INTO tokens (id, secret_hash, tenant_id, role, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [t.id, t.secretHash, t.tenantId, t.role, t.name, t.at],
    );
    return { id: t.id, tenantId: t.tenantId, role: t.role, name: t.name };
  }

  async findTokenByHash(secretHash: string): Promise<TokenRecord | null> {
    const r = await this.q(
      'find token',
      'SELECT id, tenant_id, role, name FROM tokens WHERE secret_hash = $1 AND revoked = 0',
      [secretHash],
    );
    return r[0] ? rowToToken(r[0]) : null;
  }

  async revokeToken(id: string): Promise<void> {
    await this.q('revoke token', 'UPDATE tokens SET revoked = 1 WHERE id = $1', [id]);
  }

  async listTokens(tenantId: string): Promise<TokenInfo[]> {
    const rows = await this.q(
      'list tokens',
      'SELECT id, tenant_id, role, name, revoked, created_at, last_used_at FROM tokens WHERE tenant_id = $1 ORDER BY created_at, id',
      [tenantId],
    );
    return rows.map(rowToTokenInfo);
  }

  async getToken(id: string): Promise<TokenInfo | null> {
    const rows = await this.q(
      'get token',
      'SELECT id, tenant_id, role, name, revoked, created_at, last_used_at FROM tokens WHERE id = $1',
      [id],
    );
    return rows[0] ? rowToTokenInfo(rows[0]) : null;
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.q(
      'record token use',
      'UPDATE tokens SET last_used_at = GREATEST(COALESCE(last_used_at, 0), $1) WHERE id = $2',
      [at, id],
    );
  }

  async submitJob(j: NewJob): Promise<SubmitResult> {
    // One round trip: insert the job and its event in a single statement (atomic), unless the
    // idempotency key already names a job of this tenant.
    const sql = `WITH j AS (
        INSERT INTO jobs (id, tenant_id, name, state, priority, gpus, spec, idempotency_key, created_at, updated_at)
        VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $8)
        ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
        RETURNING ${JOB_COLUMNS}
      ), e AS (
        INSERT INTO events (at, type, job_id, tenant_id, to_state, data)
        SELECT $8, 'job.submitted', id, tenant_id, 'queued', $9 FROM j
      )
      SELECT * FROM j`;
    const rows = await this.q(`submit job ${j.id}`, sql, [
      j.id,
      j.tenantId,
      j.name,
      j.priority,
      j.gpus,
      JSON.stringify(j.spec),
      j.idempotencyKey,
      j.at,
      JSON.stringify({ name: j.name, gpus: j.gpus }),
    ]);
    if (rows[0]) return { job: rowToJob(rows[0]), created: true };
    const existing = await this.q(
      'submit job (idempotent)',
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2`,
      [j.tenantId, j.idempotencyKey],
    );
    if (!existing[0]) throw new StoreCorruptError(`submit job ${j.id}: insert returned nothing`);
    return { job: rowToJob(existing[0]), created: false };
  }

  async getJob(id: string): Promise<Job | null> {
    const r = await this.q('get job', `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return r[0] ? rowToJob(r[0]) : null;
  }

  async listJobs(f: JobFilter): Promise<JobPage> {
    const where: string[] = [];
    const args: unknown[] = [];
    const oldest = f.order === 'oldest';
    const p = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (f.tenantId) where.push(`tenant_id = ${p(f.tenantId)}`);
    if (f.states && f.states.length > 0) where.push(`state = ANY(${p(f.states)})`);
    if (f.site) where.push(`sites LIKE ${p(`%,${f.site},%`)}`);
    if (f.cursor) where.push(`seq ${oldest ? '>' : '<'} ${p(decodeCursor(f.cursor))}`);
    const limit = Math.max(1, Math.min(f.limit ?? 100, 100_000));
    const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${oldest ? 'ASC' : 'DESC'} LIMIT ${p(limit + 1)}`;
    const jobs = await this.jobs('list jobs', sql, args);
    const more = jobs.length > limit;
    if (more) jobs.length = limit;
    return { jobs, nextCursor: more ? encodeCursor(jobs[jobs.length - 1].seq) : null };
  }

  /**
   * The highest change sequence below which no job write is in flight, or null when writes in flight
   * did not finish within HORIZON_LOCK_TIMEOUT_MS. Sequence numbers come from a SEQUENCE, so a
   * transaction that took 10 may commit after one that took 11; but every writer takes
   * JOB_CHANGE_LOCK shared (sf_next_job_change) before its number and keeps it until it ends, so
   * once this reader holds the lock exclusively every number issued so far is committed or rolled
   * back. One round trip; writers wait only for the instant the lock is held.
   */
  private async jobChangeHorizon(): Promise<number | null> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapError(err, 'job change horizon');
    }
    let broken: Error | undefined;
    try {
      // several statements in one query: pg answers one result per statement (typed as one result)
      const raw: pg.QueryResult | pg.QueryResult[] = await client.query(
        `BEGIN; SET LOCAL lock_timeout = '${HORIZON_LOCK_TIMEOUT_MS}ms'; SELECT pg_advisory_xact_lock(${JOB_CHANGE_LOCK}); SELECT last_value, is_called FROM jobs_change_seq; COMMIT`,
      );
      const res = Array.isArray(raw) ? raw : [raw];
      const r = res[3].rows[0] as Row;
      return r.is_called ? Number(r.last_value) : Number(r.last_value) - 1;
    } catch (err) {
      broken = await rollback(client);
      if ((err as { code?: string }).code === '55P03') return null; // lock_not_available: a long writer; try again next time
      throw mapError(err, 'job change horizon');
    } finally {
      client.release(broken);
    }
  }

  async jobChangeCursor(): Promise<number> {
    for (let i = 0; i < 20; i++) {
      const h = await this.jobChangeHorizon();
      if (h !== null) return h;
    }
    throw new StoreUnavailableError(
      `job change cursor: job writes stayed in flight for ${20 * HORIZON_LOCK_TIMEOUT_MS} ms`,
    );
  }

  async jobsChangedSince(cursor: number): Promise<JobChanges> {
    const horizon = await this.jobChangeHorizon();
    if (horizon === null || horizon <= cursor) return { jobs: [], cursor };
    const jobs = await this.jobs(
      'jobs changed since',
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE change_seq > $1 AND change_seq <= $2 ORDER BY change_seq ASC`,
      [cursor, horizon],
    );
    return { jobs, cursor: horizon };
  }

  private async insertEvent(
    c: Queryable,
    e: NewEvent & { from?: string | null; to?: string | null },
  ): Promise<JobEvent> {
    const r = await c.query(
      'INSERT INTO events (at, type, job_id, tenant_id, site_id, from_state, to_state, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
      [
        e.at,
        e.type,
        e.jobId ?? null,
        e.tenantId ?? null,
        e.siteId ?? null,
        e.from ?? null,
        e.to ?? null,
        e.data ? JSON.stringify(e.data) : null,
      ],
    );
    return rowToEvent(r.rows[0] as Row);
  }

  private async writeJob(c: pg.PoolClient, id: string, columns: Record<string, string | number | null>): Promise<Job> {
    const keys = Object.keys(columns);
    const sql = `UPDATE jobs SET ${keys.map((k, i) => `${k} = $${i + 1}`).join(', ')}, change_seq = sf_next_job_change() WHERE id = $${keys.length + 1} RETURNING ${JOB_COLUMNS}`;
    const r = await c.query(sql, [...keys.map((k) => columns[k]), id]);
    return rowToJob(r.rows[0] as Row);
  }

  async transitionJob(t: Transition): Promise<Job> {
    return this.tx(`transition job ${t.jobId} to ${t.to}`, async (c) => {
      const r = (await c.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE`, [t.jobId])).rows[0] as
        Row | undefined;
      if (!r) throw new NotFoundError('job', t.jobId);
      const u = applyTransition(rowToJob(r), t);
      const job = await this.writeJob(c, t.jobId, u.columns);
      await this.insertEvent(c, u.event);
      return job;
    });
  }

  /**
   * One transaction, four statements whatever the batch size: lock the rows (in id order), apply the
   * transitions in memory (in order; a failed one changes nothing), write every changed row with one
   * UPDATE over unnest() and every event with one INSERT.
   */
  async transitionMany(ts: readonly Transition[]): Promise<(Job | Error)[]> {
    if (ts.length === 0) return [];
    return this.tx('transition jobs', async (c) => {
      const ids = [...new Set(ts.map((t) => t.jobId))].sort();
      const locked = await c.query({
        text: `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
        values: [ids],
        rowMode: 'array',
      });
      const rows = new Map<string, unknown[]>();
      for (const a of locked.rows as unknown[][]) rows.set(String(a[COL.get('id')!]), a);
      const { out, changed, events } = applyInMemory(rows, ts);
      if (changed.size === 0) return out;
      const seqOf = await updateRows(c, rows, [...changed]);
      for (const j of out) if (!(j instanceof Error)) j.changeSeq = seqOf.get(j.id) ?? j.changeSeq;
      await insertEvents(c, events);
      return out;
    });
  }

  async updateJob(
    jobId: string,
    patch: JobPatch,
    at: number,
    eventType?: string,
    data?: Record<string, unknown>,
    expectVersion?: number,
  ): Promise<Job> {
    return this.tx(`update job ${jobId}`, async (c) => {
      const r = (await c.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE`, [jobId])).rows[0] as
        Row | undefined;
      if (!r) throw new NotFoundError('job', jobId);
      const cur = rowToJob(r);
      if (expectVersion !== undefined && cur.version !== expectVersion) {
        throw new ConflictError(`job ${jobId} changed (version ${cur.version}, expected ${expectVersion})`);
      }
      const columns = patchColumns(patch);
      columns.updated_at = at;
      columns.version = cur.version + 1;
      const job = await this.writeJob(c, jobId, columns);
      if (eventType)
        await this.insertEvent(c, {
          at,
          type: eventType,
          jobId,
          tenantId: job.tenantId,
          siteId: job.placement?.[0]?.site ?? null,
          data: data ?? null,
        });
      return job;
    });
  }

  async activeGpus(tenantId: string): Promise<number> {
    const r = await this.q(
      'active gpus',
      "SELECT COALESCE(SUM(gpus), 0) AS n FROM jobs WHERE tenant_id = $1 AND state IN ('admitted', 'starting', 'running', 'checkpointing')",
      [tenantId],
    );
    return Number(r[0]?.n ?? 0);
  }

  async countJobs(states?: JobState[]): Promise<Record<string, number>> {
    const rows = await this.q('count jobs', 'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state');
    const out: Record<string, number> = {};
    for (const r of rows) if (!states || states.includes(r.state as JobState)) out[String(r.state)] = Number(r.n);
    return out;
  }

  async appendEvent(e: NewEvent): Promise<JobEvent> {
    try {
      return await this.insertEvent(this.pool, e);
    } catch (err) {
      throw mapError(err, 'append event');
    }
  }

  async listEvents(f: EventFilter): Promise<JobEvent[]> {
    const where = ['seq > $1'];
    const args: unknown[] = [f.afterSeq ?? 0];
    if (f.tenantId) {
      args.push(f.tenantId);
      where.push(`tenant_id = $${args.length}`);
    }
    if (f.jobId) {
      args.push(f.jobId);
      where.push(`job_id = $${args.length}`);
    }
    if (f.typePrefix) {
      args.push(f.typePrefix);
      where.push(`left(type, length($${args.length})) = $${args.length}`);
    }
    args.push(Math.max(1, Math.min(f.limit ?? 500, 10_000)));
    const rows = await this.q(
      'list events',
      `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq ASC LIMIT $${args.length}`,
      args,
    );
    return rows.map(rowToEvent);
  }

  async lastEventSeq(): Promise<number> {
    const rows = await this.q('last event', 'SELECT MAX(seq) AS seq FROM events');
    return rows[0]?.seq === null || rows[0]?.seq === undefined ? 0 : Number(rows[0].seq);
  }

  async upsertSite(id: string, at: number): Promise<SiteState> {
    await this.q(
      `upsert site ${id}`,
      "INSERT INTO sites (id, status, drained, updated_at) VALUES ($1, 'unknown', 0, $2) ON CONFLICT (id) DO NOTHING",
      [id, at],
    );
    return (await this.getSite(id))!;
  }

  async listSites(): Promise<SiteState[]> {
    return (await this.q('list sites', 'SELECT * FROM sites ORDER BY id')).map(rowToSite);
  }

  async getSite(id: string): Promise<SiteState | null> {
    const r = await this.q('get site', 'SELECT * FROM sites WHERE id = $1', [id]);
    return r[0] ? rowToSite(r[0]) : null;
  }

  private async siteUpdate(what: string, id: string, set: string, args: unknown[]): Promise<SiteState> {
    const r = await this.q(what, `UPDATE sites SET ${set} WHERE id = $${args.length + 1} RETURNING *`, [...args, id]);
    if (!r[0]) throw new NotFoundError('site', id);
    return rowToSite(r[0]);
  }

  async recordHeartbeat(id: string, at: number): Promise<SiteState> {
    return this.siteUpdate('heartbeat', id, 'last_heartbeat_at = $1, updated_at = $2', [at, at]);
  }

  async setSiteStatus(id: string, status: SiteStatus, at: number): Promise<SiteState> {
    return this.siteUpdate('set site status', id, 'status = $1, updated_at = $2', [status, at]);
  }

  async setSiteDrained(id: string, drained: boolean, at: number): Promise<SiteState> {
    return this.siteUpdate('drain site', id, 'drained = $1, updated_at = $2', [drained ? 1 : 0, at]);
  }

  async appendHistorySample(at: number, sample: HistorySample, keep: HistoryRetention): Promise<void> {
    await this.tx('append history sample', async (c) => {
      await c.query(
        'INSERT INTO history_samples (at, sample) VALUES ($1, $2) ON CONFLICT (at) DO UPDATE SET sample = EXCLUDED.sample',
        [at, JSON.stringify(sample)],
      );
      // the subquery is NULL while fewer than maxRows rows exist: nothing beyond the count then
      await c.query(
        'DELETE FROM history_samples WHERE at < $1 OR at <= (SELECT at FROM history_samples ORDER BY at DESC LIMIT 1 OFFSET $2)',
        [at - keep.maxAgeMs, keep.maxRows],
      );
    });
  }

  async listHistorySamples(sinceMs: number, limit: number): Promise<HistorySample[]> {
    const rows = await this.q(
      'list history samples',
      'SELECT sample FROM history_samples WHERE at >= $1 ORDER BY at DESC LIMIT $2',
      [sinceMs, Math.max(1, limit)],
    );
    return rows.reverse().map((r) => JSON.parse(String(r.sample)) as HistorySample);
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<Lease> {
    const r = await this.q(
      'acquire lease',
      `INSERT INTO leases (name, holder, term, expires_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (name) DO UPDATE SET
         term = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.term ELSE leases.term + 1 END,
         holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4
       RETURNING *`,
      [name, holder, now + ttlMs, now],
    );
    if (r[0]) return rowToLease(r[0]);
    return (await this.getLease(name))!;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.q('release lease', 'UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async getLease(name: string): Promise<Lease | null> {
    const r = await this.q('get lease', 'SELECT * FROM leases WHERE name = $1', [name]);
    return r[0] ? rowToLease(r[0]) : null;
  }

  // ---- services (store/services.ts; migration 6) ----
  async createService(s: NewService): Promise<ServiceRecord> {
    const r = await this.q(
      `create service ${s.name}`,
      'INSERT INTO services (id, tenant_id, name, spec, min_replicas, max_replicas, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING *',
      [s.id, s.tenantId, s.name, JSON.stringify(s.spec), s.minReplicas, s.maxReplicas, s.at],
    );
    return rowToService(r[0]);
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    const r = await this.q('get service', 'SELECT * FROM services WHERE id = $1', [id]);
    return r[0] ? rowToService(r[0]) : null;
  }

  async listServices(tenantId?: string): Promise<ServiceRecord[]> {
    const r =
      tenantId === undefined
        ? await this.q('list services', 'SELECT * FROM services ORDER BY created_at, id')
        : await this.q('list services', 'SELECT * FROM services WHERE tenant_id = $1 ORDER BY created_at, id', [
            tenantId,
          ]);
    return r.map(rowToService);
  }

  async updateService(id: string, patch: ServicePatch, at: number): Promise<ServiceRecord> {
    return this.tx(`update service ${id}`, async (c) => {
      const cur = await this.q('get service', 'SELECT * FROM services WHERE id = $1 FOR UPDATE', [id], c);
      const b = patchedBounds(cur[0] ? rowToService(cur[0]) : null, id, patch);
      const r = await this.q(
        `update service ${id}`,
        'UPDATE services SET min_replicas = $1, max_replicas = $2, version = version + 1, updated_at = $3 WHERE id = $4 RETURNING *',
        [b.min, b.max, at, id],
        c,
      );
      return rowToService(r[0]);
    });
  }

  async deleteService(id: string): Promise<boolean> {
    const r = await this.q(`delete service ${id}`, 'DELETE FROM services WHERE id = $1 RETURNING id', [id]);
    return r.length > 0;
  }

  async putReplica(r: StoredReplica): Promise<void> {
    await this.q(`put replica ${r.id}`, PUT_REPLICA_SQL, replicaArgs(r));
  }

  async deleteReplica(id: string): Promise<void> {
    await this.q(`delete replica ${id}`, 'DELETE FROM service_replicas WHERE id = $1', [id]);
  }

  async listReplicas(serviceId?: string): Promise<StoredReplica[]> {
    const r =
      serviceId === undefined
        ? await this.q('list replicas', 'SELECT * FROM service_replicas ORDER BY started_at, id')
        : await this.q(
            'list replicas',
            'SELECT * FROM service_replicas WHERE service_id = $1 ORDER BY started_at, id',
            [serviceId],
          );
    return r.map(rowToReplica);
  }
}
