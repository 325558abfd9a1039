// Versioned schema migrations, one SQL text per dialect. Append only: never edit an applied migration.
import { REPLICAS_SQL, SERVICES_SQL } from './services.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

const tables = (serial: string, bigint: string) => `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  quota_gpus INTEGER,
  allowed_jurisdictions TEXT,
  created_at ${bigint} NOT NULL
);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  name TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at ${bigint} NOT NULL
);
CREATE TABLE jobs (
  seq ${serial},
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  gpus INTEGER,
  spec TEXT NOT NULL,
  plan TEXT,
  placement TEXT,
  sites TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  run_id TEXT,
  checkpoint TEXT,
  reason TEXT,
  exit_code INTEGER,
  idempotency_key TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at ${bigint} NOT NULL,
  updated_at ${bigint} NOT NULL,
  started_at ${bigint},
  finished_at ${bigint}
);
CREATE TABLE events (
  seq ${serial},
  at ${bigint} NOT NULL,
  type TEXT NOT NULL,
  job_id TEXT,
  tenant_id TEXT,
  site_id TEXT,
  from_state TEXT,
  to_state TEXT,
  data TEXT
);
CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL DEFAULT 'unknown',
  drained INTEGER NOT NULL DEFAULT 0,
  last_heartbeat_at ${bigint},
  updated_at ${bigint} NOT NULL
);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  term ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL
);
`;

const indexes = `
CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant_id, idempotency_key);
CREATE INDEX jobs_tenant_seq ON jobs (tenant_id, seq);
CREATE INDEX jobs_state_seq ON jobs (state, seq);
CREATE INDEX events_job ON events (job_id, seq);
CREATE INDEX events_tenant ON events (tenant_id, seq);
`;

/** Advisory lock key of job writes (shared) vs the change-feed horizon read (exclusive); see postgres.ts. */
export const JOB_CHANGE_LOCK = 0x5346_4a43; // 'SFJC'

// Version 3: a store-wide change sequence on jobs, bumped by every insert and update, so that the
// scheduler reads only the jobs written since its last tick. SQLite has one writer at a time: each
// write takes MAX(change_seq) + 1 inside its write transaction (commit order = sequence order).
// PostgreSQL takes it from a SEQUENCE through sf_next_job_change(), which first takes a shared
// transaction-scoped advisory lock: a reader that holds the same lock exclusively knows that every
// sequence value issued so far belongs to a finished transaction (see PostgresStore.jobChangeHorizon).
const changeSeqSqlite = `
ALTER TABLE jobs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET change_seq = seq;
CREATE INDEX jobs_by_change_seq ON jobs (change_seq);
`;
const changeSeqPostgres = `
CREATE SEQUENCE jobs_change_seq AS BIGINT;
CREATE FUNCTION sf_next_job_change() RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${JOB_CHANGE_LOCK});
  RETURN nextval('jobs_change_seq');
END
$fn$;
ALTER TABLE jobs ADD COLUMN change_seq BIGINT;
UPDATE jobs SET change_seq = sf_next_job_change();
ALTER TABLE jobs ALTER COLUMN change_seq SET DEFAULT sf_next_job_change();
ALTER TABLE jobs ALTER COLUMN change_seq SET NOT NULL;
CREATE INDEX jobs_by_change_seq ON jobs (change_seq);
`;

// The store's identity: one row written when the store is created (its id is also kept in a file
// beside a SQLite store), so a deleted, truncated or swapped database is told from a new one.
const identity = `
CREATE TABLE store_identity (id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, checked_at BIGINT);
`;

// Version 5: the fleet history (GET /v1/history) in the store, so every replica serves the samples the
// leader took and a restart keeps them (retention enforced on each write), and a token's last use
// (written at most once a minute per token, see api/token-usage.ts).
const historyAndTokenUse = (bigint: string) => `
CREATE TABLE history_samples (at ${bigint} PRIMARY KEY, sample TEXT NOT NULL);
ALTER TABLE tokens ADD COLUMN last_used_at ${bigint};
`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'tenants, tokens, jobs, events, sites, leases',
    sqlite: tables('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
    postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
  { version: 2, name: 'indexes for the API filters and the scheduler', sqlite: indexes, postgres: indexes },
  {
    version: 3,
    name: 'jobs.change_seq: incremental reads for the scheduler',
    sqlite: changeSeqSqlite,
    postgres: changeSeqPostgres,
  },
  { version: 4, name: 'store identity', sqlite: identity, postgres: identity },
  {
    version: 5,
    name: 'fleet history samples, token last use',
    sqlite: historyAndTokenUse('INTEGER'),
    postgres: historyAndTokenUse('BIGINT'),
  },
  { version: 6, name: 'services (live serving, issue 15)', sqlite: SERVICES_SQL, postgres: SERVICES_SQL },
  {
    version: 7,
    name: 'service replicas (every replica routes; a new leader adopts)',
    sqlite: REPLICAS_SQL,
    postgres: REPLICAS_SQL,
  },
  {
    version: 8,
    name: 'tenants.lend_to_services: a tenant may keep its jobs from lending GPUs to services',
    sqlite: 'ALTER TABLE tenants ADD COLUMN lend_to_services INTEGER NOT NULL DEFAULT 1',
    postgres: 'ALTER TABLE tenants ADD COLUMN lend_to_services BOOLEAN NOT NULL DEFAULT TRUE',
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
