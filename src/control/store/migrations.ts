// Versioned schema migrations, one SQL text per dialect. Append only: never edit an applied migration.

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

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'tenants, tokens, jobs, events, sites, leases',
    sqlite: tables('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
    postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
  { version: 2, name: 'indexes for the API filters and the scheduler', sqlite: indexes, postgres: indexes },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
