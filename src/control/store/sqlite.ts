// SQLite backend (better-sqlite3): the embedded default. WAL journal, synchronous=NORMAL:
// a committed transaction survives a crash of this process (kill -9) because it is in the WAL in the
// OS page cache; a power loss or kernel crash may lose the last few commits before the next checkpoint.
// Over 400 lines on purpose: one class implementing the whole Store interface, query for query the mirror
// image of postgres.ts (the other SQL dialect); kept whole so the two can be read side by side and stay in step.
import type Database from 'better-sqlite3';
import type { Job, JobEvent, JobState, Lease, SiteState, SiteStatus, Tenant } from '../domain.js';
import { ConflictError, NotFoundError, StoreUnavailableError } from '../domain.js';
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
import type { StoreIdentity } from './identity.js';
import {
  FileWatch,
  checkAndMigrate,
  mapError,
  openSqlite,
  type OpenedSqlite,
  type SqliteOptions,
} from './sqlite-setup.js';
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

/** The next change sequence, evaluated inside the writing statement (one writer at a time: commit order = sequence order). */
const NEXT_CHANGE = '(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM jobs)';

type Row = Record<string, unknown>;

export type { SqliteOptions } from './sqlite-setup.js';

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly path: string | null;
  private readonly now: () => number;
  private readonly opened: OpenedSqlite;
  private watch: FileWatch | null = null;
  /** True when this start created the store (its schema did not exist): demo data may be seeded. */
  fresh = false;
  identity: StoreIdentity | null = null;
  /** Files set aside by a reset. */
  readonly setAside: string[];

  constructor(opts: SqliteOptions) {
    this.now = opts.now ?? Date.now;
    this.opened = openSqlite(opts, this.now);
    this.db = this.opened.db;
    this.path = this.opened.path;
    this.setAside = this.opened.setAside;
  }

  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Jobs of a `SELECT ${JOB_COLUMNS} ...` statement, read as arrays (raw mode: about half the cost of row objects). */
  private jobs(sql: string, args: unknown[]): Job[] {
    const key = `raw:${sql}`;
    let s = this.stmts.get(key);
    if (!s) {
      s = this.db.prepare(sql).raw(true);
      this.stmts.set(key, s);
    }
    return (s.all(...args) as unknown[][]).map(arrayToJob);
  }

  private run<T>(what: string, fn: () => T): Promise<T> {
    const lost = this.watch?.lost;
    if (lost) return Promise.reject(new StoreUnavailableError(`${what}: ${lost}`));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(mapError(err, what));
    }
  }

  /** Checks the store (integrity, identity; see sqlite-setup.ts) and brings its schema up to date. */
  async migrate(): Promise<number> {
    return this.run('migrate', () => {
      const m = checkAndMigrate(this.opened, this.now);
      this.fresh = m.fresh;
      this.identity = m.identity;
      if (this.path && m.identity) {
        this.watch?.stop();
        this.watch = new FileWatch(this.path);
      }
      return m.version;
    });
  }

  /** Readiness: the file is the one opened and a write commits. */
  async ready(): Promise<void> {
    this.watch?.check();
    await this.run('readiness write', () => {
      this.st('UPDATE store_identity SET checked_at = ?').run(this.now());
    });
  }

  async schemaVersion(): Promise<number> {
    return this.run('schemaVersion', () => {
      const exists = this.db
        .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migrations'")
        .get();
      if (!exists) return 0;
      const r = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as Row;
      return Number(r.v ?? 0);
    });
  }

  async close(): Promise<void> {
    this.watch?.stop();
    this.watch = null;
    if (this.db.open) this.db.close();
  }

  // Tenants and tokens
  async createTenant(t: Omit<Tenant, 'createdAt'> & { at: number }): Promise<Tenant> {
    return this.run(`create tenant ${t.id}`, () => {
      this.st(
        'INSERT INTO tenants (id, name, quota_gpus, allowed_jurisdictions, lend_to_services, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(
        t.id,
        t.name,
        t.quotaGpus,
        t.allowedJurisdictions ? JSON.stringify(t.allowedJurisdictions) : null,
        t.lendToServices === false ? 0 : 1,
        t.at,
      );
      return {
        id: t.id,
        name: t.name,
        quotaGpus: t.quotaGpus,
        allowedJurisdictions: t.allowedJurisdictions,
        ...(t.lendToServices === false ? { lendToServices: false as const } : {}),
        createdAt: t.at,
      };
    });
  }

  async getTenant(id: string): Promise<Tenant | null> {
    return this.run('get tenant', () => {
      const r = this.st('SELECT * FROM tenants WHERE id = ?').get(id) as Row | undefined;
      return r ? rowToTenant(r) : null;
    });
  }

  async listTenants(): Promise<Tenant[]> {
    return this.run('list tenants', () =>
      (this.st('SELECT * FROM tenants ORDER BY id').all() as Row[]).map(rowToTenant),
    );
  }

  async updateTenant(
    id: string,
    patch: Partial<Pick<Tenant, 'name' | 'quotaGpus' | 'allowedJurisdictions'>> & { lendToServices?: boolean },
  ): Promise<Tenant> {
    return this.run(`update tenant ${id}`, () => {
      const cur = this.st('SELECT * FROM tenants WHERE id = ?').get(id) as Row | undefined;
      if (!cur) throw new NotFoundError('tenant', id);
      const t = tenantPatched(rowToTenant(cur), patch);
      this.st(
        'UPDATE tenants SET name = ?, quota_gpus = ?, allowed_jurisdictions = ?, lend_to_services = ? WHERE id = ?',
      ).run(
        t.name,
        t.quotaGpus,
        t.allowedJurisdictions ? JSON.stringify(t.allowedJurisdictions) : null,
        t.lendToServices === false ? 0 : 1,
        id,
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
    return this.run(`create token ${t.id}`, () => {
      this.st('INSERT INTO tokens (id, secret_hash, tenant_id, role, name, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        t.id,
        t.secretHash,
        t.tenantId,
        t.role,
        t.name,
        t.at,
      );
      return { id: t.id, tenantId: t.tenantId, role: t.role, name: t.name };
    });
  }

  async findTokenByHash(secretHash: string): Promise<TokenRecord | null> {
    return this.run('find token', () => {
      const r = this.st('SELECT id, tenant_id, role, name FROM tokens WHERE secret_hash = ? AND revoked = 0').get(
        secretHash,
      ) as Row | undefined;
      return r ? rowToToken(r) : null;
    });
  }

  async revokeToken(id: string): Promise<void> {
    return this.run('revoke token', () => {
      this.st('UPDATE tokens SET revoked = 1 WHERE id = ?').run(id);
    });
  }

  async listTokens(tenantId: string): Promise<TokenInfo[]> {
    return this.run('list tokens', () =>
      (
        this.st(
          'SELECT id, tenant_id, role, name, revoked, created_at, last_used_at FROM tokens WHERE tenant_id = ? ORDER BY created_at, id',
        ).all(tenantId) as Row[]
      ).map(rowToTokenInfo),
    );
  }

  async getToken(id: string): Promise<TokenInfo | null> {
    return this.run('get token', () => {
      const r = this.st(
        'SELECT id, tenant_id, role, name, revoked, created_at, last_used_at FROM tokens WHERE id = ?',
      ).get(id) as Row | undefined;
      return r ? rowToTokenInfo(r) : null;
    });
  }

  async touchToken(id: string, at: number): Promise<void> {
    return this.run('record token use', () => {
      this.st('UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?').run(at, id);
    });
  }

  // Jobs
  private insertEvent(e: NewEvent & { from?: string | null; to?: string | null }): JobEvent {
    const info = this.st(
      'INSERT INTO events (at, type, job_id, tenant_id, site_id, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      e.at,
      e.type,
      e.jobId ?? null,
      e.tenantId ?? null,
      e.siteId ?? null,
      e.from ?? null,
      e.to ?? null,
      e.data ? JSON.stringify(e.data) : null,
    );
    return {
      seq: Number(info.lastInsertRowid),
      at: e.at,
      type: e.type,
      jobId: e.jobId ?? null,
      tenantId: e.tenantId ?? null,
      siteId: e.siteId ?? null,
      from: (e.from as JobState | null) ?? null,
      to: (e.to as JobState | null) ?? null,
      data: e.data ?? null,
    };
  }

  private jobById(id: string): Job | null {
    return this.jobs(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`, [id])[0] ?? null;
  }

  private submitTx = (j: NewJob): SubmitResult => {
    if (j.idempotencyKey) {
      const r = this.st(`SELECT ${JOB_COLUMNS} FROM jobs WHERE tenant_id = ? AND idempotency_key = ?`).get(
        j.tenantId,
        j.idempotencyKey,
      ) as Row | undefined;
      if (r) return { job: rowToJob(r), created: false };
    }
    const changeSeq = (this.st('SELECT COALESCE(MAX(change_seq), 0) + 1 AS n FROM jobs').get() as Row).n as number;
    const info = this.st(
      'INSERT INTO jobs (id, tenant_id, name, state, priority, gpus, spec, idempotency_key, change_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      j.id,
      j.tenantId,
      j.name,
      'queued',
      j.priority,
      j.gpus,
      JSON.stringify(j.spec),
      j.idempotencyKey,
      changeSeq,
      j.at,
      j.at,
    );
    this.insertEvent({
      at: j.at,
      type: 'job.submitted',
      jobId: j.id,
      tenantId: j.tenantId,
      to: 'queued',
      data: { name: j.name, gpus: j.gpus },
    });
    const job: Job = {
      id: j.id,
      seq: Number(info.lastInsertRowid),
      tenantId: j.tenantId,
      name: j.name,
      state: 'queued',
      spec: j.spec,
      gpus: j.gpus,
      priority: j.priority,
      plan: null,
      placement: null,
      attempt: 0,
      runId: null,
      checkpoint: null,
      reason: null,
      exitCode: null,
      idempotencyKey: j.idempotencyKey,
      version: 1,
      changeSeq,
      createdAt: j.at,
      updatedAt: j.at,
      startedAt: null,
      finishedAt: null,
    };
    return { job, created: true };
  };

  // Group commit: submissions and job updates that arrive in the same event-loop turn share one
  // transaction, so a burst writes each touched B-tree page to the WAL once instead of once per job.
  // Each write runs in its own savepoint (one bad write fails alone) and is acknowledged only after
  // the commit that holds it.
  private pending: { what: string; fn: () => unknown; resolve: (r: never) => void; reject: (e: Error) => void }[] = [];
  private flushScheduled = false;
  private savepoint?: Database.Transaction<(fn: () => unknown) => unknown>;

  private grouped<T>(what: string, fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ what, fn, resolve: resolve as (r: never) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushGroup());
      }
    });
  }

  async submitJob(j: NewJob): Promise<SubmitResult> {
    return this.grouped(`submit job ${j.id}`, () => this.submitTx(j));
  }

  private flushGroup(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    const lost = this.watch?.lost;
    if (lost) {
      for (const p of batch) p.reject(new StoreUnavailableError(`${p.what}: ${lost}`));
      return;
    }
    this.savepoint ??= this.db.transaction((fn: () => unknown) => fn());
    const one = this.savepoint;
    const results: unknown[] = [];
    try {
      this.db
        .transaction(() => {
          for (const p of batch) {
            try {
              results.push(one(p.fn)); // nested: a savepoint per write
            } catch (err) {
              results.push(mapError(err, p.what));
            }
          }
        })
        .immediate();
    } catch (err) {
      for (const p of batch) p.reject(mapError(err, p.what));
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r instanceof Error) p.reject(r);
      else p.resolve(r as never);
    });
  }

  async getJob(id: string): Promise<Job | null> {
    return this.run('get job', () => this.jobById(id));
  }

  async listJobs(f: JobFilter): Promise<JobPage> {
    return this.run('list jobs', () => {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const oldest = f.order === 'oldest';
      if (f.tenantId) {
        where.push('tenant_id = ?');
        args.push(f.tenantId);
      }
      if (f.states && f.states.length > 0) {
        where.push(`state IN (${f.states.map(() => '?').join(', ')})`);
        args.push(...f.states);
      }
      if (f.site) {
        where.push('sites LIKE ?');
        args.push(`%,${f.site},%`);
      }
      if (f.cursor) {
        where.push(oldest ? 'seq > ?' : 'seq < ?');
        args.push(decodeCursor(f.cursor));
      }
      const limit = Math.max(1, Math.min(f.limit ?? 100, 100_000));
      const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${oldest ? 'ASC' : 'DESC'} LIMIT ?`;
      const jobs = this.jobs(sql, [...args, limit + 1]);
      const more = jobs.length > limit;
      if (more) jobs.length = limit;
      return { jobs, nextCursor: more ? encodeCursor(jobs[jobs.length - 1].seq) : null };
    });
  }

  async jobChangeCursor(): Promise<number> {
    return this.run('job change cursor', () =>
      Number((this.st('SELECT COALESCE(MAX(change_seq), 0) AS n FROM jobs').get() as Row).n),
    );
  }

  async jobsChangedSince(cursor: number): Promise<JobChanges> {
    return this.run('jobs changed since', () => {
      // one statement, one snapshot; sequence numbers are taken inside the single writer's lock, so
      // everything at or below the highest one returned has committed
      const jobs = this.jobs(`SELECT ${JOB_COLUMNS} FROM jobs WHERE change_seq > ? ORDER BY change_seq ASC`, [cursor]);
      return { jobs, cursor: jobs.length > 0 ? jobs[jobs.length - 1].changeSeq : cursor };
    });
  }

  private writeJob(id: string, columns: Record<string, string | number | null>): void {
    const keys = Object.keys(columns);
    const sql = `UPDATE jobs SET ${keys.map((k) => `${k} = ?`).join(', ')}, change_seq = ${NEXT_CHANGE} WHERE id = ?`;
    this.st(sql).run(...keys.map((k) => columns[k]), id);
  }

  private transitionTx = (t: Transition): Job => {
    const job = this.jobById(t.jobId);
    if (!job) throw new NotFoundError('job', t.jobId);
    const u = applyTransition(job, t);
    this.writeJob(job.id, u.columns);
    this.insertEvent(u.event);
    return this.jobById(job.id)!;
  };
  private transitionTransaction?: Database.Transaction<(t: Transition) => Job>;

  async transitionJob(t: Transition): Promise<Job> {
    return this.run(`transition job ${t.jobId} to ${t.to}`, () => {
      this.transitionTransaction ??= this.db.transaction(this.transitionTx);
      return this.transitionTransaction.immediate(t);
    });
  }

  async transitionMany(ts: readonly Transition[]): Promise<(Job | Error)[]> {
    return this.run('transition jobs', () => {
      this.transitionTransaction ??= this.db.transaction(this.transitionTx);
      const one = this.transitionTransaction;
      return this.db
        .transaction(() =>
          ts.map((t) => {
            try {
              return one(t); // nested: a savepoint per transition
            } catch (err) {
              return mapError(err, `transition job ${t.jobId} to ${t.to}`);
            }
          }),
        )
        .immediate();
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
    // grouped with the other writes of this event-loop turn (the plan stage stores a slice of plans at once)
    return this.grouped(`update job ${jobId}`, () => {
      // only the columns the check and the event need (a whole job with its plan costs a JSON parse)
      const job = this.st('SELECT tenant_id, version, placement FROM jobs WHERE id = ?').get(jobId) as Row | undefined;
      if (!job) throw new NotFoundError('job', jobId);
      const version = Number(job.version);
      if (expectVersion !== undefined && version !== expectVersion) {
        throw new ConflictError(`job ${jobId} changed (version ${version}, expected ${expectVersion})`);
      }
      const columns = patchColumns(patch);
      columns.updated_at = at;
      columns.version = version + 1;
      this.writeJob(jobId, columns);
      const placement = job.placement ? (JSON.parse(String(job.placement)) as { site: string }[] | null) : null;
      if (eventType)
        this.insertEvent({
          at,
          type: eventType,
          jobId,
          tenantId: String(job.tenant_id),
          siteId: placement?.[0]?.site ?? null,
          data: data ?? null,
        });
      return this.jobById(jobId)!;
    });
  }

  async activeGpus(tenantId: string): Promise<number> {
    return this.run('active gpus', () => {
      const r = this.st(
        "SELECT COALESCE(SUM(gpus), 0) AS n FROM jobs WHERE tenant_id = ? AND state IN ('admitted', 'starting', 'running', 'checkpointing')",
      ).get(tenantId) as Row;
      return Number(r.n);
    });
  }

  async countJobs(states?: JobState[]): Promise<Record<string, number>> {
    return this.run('count jobs', () => {
      const rows = this.st('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Row[];
      const out: Record<string, number> = {};
      for (const r of rows) if (!states || states.includes(r.state as JobState)) out[String(r.state)] = Number(r.n);
      return out;
    });
  }

  async appendEvent(e: NewEvent): Promise<JobEvent> {
    return this.run('append event', () => this.insertEvent(e));
  }

  async listEvents(f: EventFilter): Promise<JobEvent[]> {
    return this.run('list events', () => {
      const where = ['seq > ?'];
      const args: (string | number)[] = [f.afterSeq ?? 0];
      if (f.tenantId) {
        where.push('tenant_id = ?');
        args.push(f.tenantId);
      }
      if (f.jobId) {
        where.push('job_id = ?');
        args.push(f.jobId);
      }
      if (f.typePrefix) {
        where.push('substr(type, 1, length(?)) = ?');
        args.push(f.typePrefix, f.typePrefix);
      }
      const limit = Math.max(1, Math.min(f.limit ?? 500, 10_000));
      return (
        this.st(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq ASC LIMIT ?`).all(
          ...args,
          limit,
        ) as Row[]
      ).map(rowToEvent);
    });
  }

  async lastEventSeq(): Promise<number> {
    return this.run('last event', () => {
      const r = this.st('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null };
      return r.seq ?? 0;
    });
  }

  // Sites
  async upsertSite(id: string, at: number): Promise<SiteState> {
    return this.run(`upsert site ${id}`, () => {
      this.st(
        'INSERT INTO sites (id, status, drained, updated_at) VALUES (?, ?, 0, ?) ON CONFLICT (id) DO NOTHING',
      ).run(id, 'unknown', at);
      return rowToSite(this.st('SELECT * FROM sites WHERE id = ?').get(id) as Row);
    });
  }

  async listSites(): Promise<SiteState[]> {
    return this.run('list sites', () => (this.st('SELECT * FROM sites ORDER BY id').all() as Row[]).map(rowToSite));
  }

  async getSite(id: string): Promise<SiteState | null> {
    return this.run('get site', () => {
      const r = this.st('SELECT * FROM sites WHERE id = ?').get(id) as Row | undefined;
      return r ? rowToSite(r) : null;
    });
  }

  private siteUpdate(id: string, sql: string, args: (string | number)[]): SiteState {
    const info = this.st(sql).run(...args, id);
    if (info.changes === 0) throw new NotFoundError('site', id);
    return rowToSite(this.st('SELECT * FROM sites WHERE id = ?').get(id) as Row);
  }

  async recordHeartbeat(id: string, at: number): Promise<SiteState> {
    return this.run('heartbeat', () =>
      this.siteUpdate(id, 'UPDATE sites SET last_heartbeat_at = ?, updated_at = ? WHERE id = ?', [at, at]),
    );
  }

  async setSiteStatus(id: string, status: SiteStatus, at: number): Promise<SiteState> {
    return this.run('set site status', () =>
      this.siteUpdate(id, 'UPDATE sites SET status = ?, updated_at = ? WHERE id = ?', [status, at]),
    );
  }

  async setSiteDrained(id: string, drained: boolean, at: number): Promise<SiteState> {
    return this.run('drain site', () =>
      this.siteUpdate(id, 'UPDATE sites SET drained = ?, updated_at = ? WHERE id = ?', [drained ? 1 : 0, at]),
    );
  }

  // Fleet history
  async appendHistorySample(at: number, sample: HistorySample, keep: HistoryRetention): Promise<void> {
    return this.run('append history sample', () =>
      this.db
        .transaction(() => {
          this.st(
            'INSERT INTO history_samples (at, sample) VALUES (?, ?) ON CONFLICT (at) DO UPDATE SET sample = excluded.sample',
          ).run(at, JSON.stringify(sample));
          // the subquery is NULL while fewer than maxRows rows exist: nothing beyond the count then
          this.st(
            'DELETE FROM history_samples WHERE at < ? OR at <= (SELECT at FROM history_samples ORDER BY at DESC LIMIT 1 OFFSET ?)',
          ).run(at - keep.maxAgeMs, keep.maxRows);
        })
        .immediate(),
    );
  }

  async listHistorySamples(sinceMs: number, limit: number): Promise<HistorySample[]> {
    return this.run('list history samples', () => {
      const rows = this.st('SELECT sample FROM history_samples WHERE at >= ? ORDER BY at DESC LIMIT ?').all(
        sinceMs,
        Math.max(1, limit),
      ) as Row[];
      return rows.reverse().map((r) => JSON.parse(String(r.sample)) as HistorySample);
    });
  }

  // Leases
  async acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<Lease> {
    return this.run('acquire lease', () =>
      this.db
        .transaction(() => {
          const cur = this.st('SELECT * FROM leases WHERE name = ?').get(name) as Row | undefined;
          if (!cur) {
            this.st('INSERT INTO leases (name, holder, term, expires_at) VALUES (?, ?, 1, ?)').run(
              name,
              holder,
              now + ttlMs,
            );
          } else {
            const l = rowToLease(cur);
            if (l.holder === holder) this.st('UPDATE leases SET expires_at = ? WHERE name = ?').run(now + ttlMs, name);
            else if (l.expiresAt <= now)
              this.st('UPDATE leases SET holder = ?, term = term + 1, expires_at = ? WHERE name = ?').run(
                holder,
                now + ttlMs,
                name,
              );
          }
          return rowToLease(this.st('SELECT * FROM leases WHERE name = ?').get(name) as Row);
        })
        .immediate(),
    );
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    return this.run('release lease', () => {
      this.st('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?').run(name, holder);
    });
  }

  async getLease(name: string): Promise<Lease | null> {
    return this.run('get lease', () => {
      const r = this.st('SELECT * FROM leases WHERE name = ?').get(name) as Row | undefined;
      return r ? rowToLease(r) : null;
    });
  }

  // ---- services (store/services.ts; migration 6) ----
  async createService(s: NewService): Promise<ServiceRecord> {
    return this.run(`create service ${s.name}`, () => {
      this.st(
        'INSERT INTO services (id, tenant_id, name, spec, min_replicas, max_replicas, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)',
      ).run(s.id, s.tenantId, s.name, JSON.stringify(s.spec), s.minReplicas, s.maxReplicas, s.at, s.at);
      return rowToService(this.st('SELECT * FROM services WHERE id = ?').get(s.id) as Row);
    });
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    return this.run('get service', () => {
      const r = this.st('SELECT * FROM services WHERE id = ?').get(id) as Row | undefined;
      return r ? rowToService(r) : null;
    });
  }

  async listServices(tenantId?: string): Promise<ServiceRecord[]> {
    return this.run('list services', () =>
      (tenantId === undefined
        ? this.st('SELECT * FROM services ORDER BY created_at, id').all()
        : this.st('SELECT * FROM services WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId)
      ).map((r) => rowToService(r as Row)),
    );
  }

  async updateService(id: string, patch: ServicePatch, at: number): Promise<ServiceRecord> {
    return this.run(`update service ${id}`, () =>
      this.db
        .transaction(() => {
          const cur = this.st('SELECT * FROM services WHERE id = ?').get(id) as Row | undefined;
          const b = patchedBounds(cur ? rowToService(cur) : null, id, patch);
          this.st(
            'UPDATE services SET min_replicas = ?, max_replicas = ?, version = version + 1, updated_at = ? WHERE id = ?',
          ).run(b.min, b.max, at, id);
          return rowToService(this.st('SELECT * FROM services WHERE id = ?').get(id) as Row);
        })
        .immediate(),
    );
  }

  async deleteService(id: string): Promise<boolean> {
    return this.run(`delete service ${id}`, () => this.st('DELETE FROM services WHERE id = ?').run(id).changes > 0);
  }

  async putReplica(r: StoredReplica): Promise<void> {
    return this.run(`put replica ${r.id}`, () => {
      this.st(PUT_REPLICA_SQL.replace(/\$\d+/g, '?')).run(...replicaArgs(r));
    });
  }

  async deleteReplica(id: string): Promise<void> {
    return this.run(`delete replica ${id}`, () => {
      this.st('DELETE FROM service_replicas WHERE id = ?').run(id);
    });
  }

  async listReplicas(serviceId?: string): Promise<StoredReplica[]> {
    return this.run('list replicas', () =>
      (serviceId === undefined
        ? this.st('SELECT * FROM service_replicas ORDER BY started_at, id').all()
        : this.st('SELECT * FROM service_replicas WHERE service_id = ? ORDER BY started_at, id').all(serviceId)
      ).map((r) => rowToReplica(r as Row)),
    );
  }
}
