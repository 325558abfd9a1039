// Shared test helpers: a reachable PostgreSQL (fresh database per suite), temp dirs, tokens.
import pg from 'pg';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The PostgreSQL URL tests use: SUPERFACTORY_PG_URL, or the PG* environment when PGHOST/PGDATABASE is set. */
export function pgBaseUrl(): string | null {
  if (process.env.SUPERFACTORY_PG_URL) return process.env.SUPERFACTORY_PG_URL;
  if (process.env.PGHOST || process.env.PGDATABASE) {
    const u = new URL('postgres://localhost/');
    u.hostname = process.env.PGHOST ?? 'localhost';
    u.port = process.env.PGPORT ?? '5432';
    u.username = process.env.PGUSER ?? 'postgres';
    if (process.env.PGPASSWORD) u.password = process.env.PGPASSWORD;
    u.pathname = '/' + (process.env.PGDATABASE ?? 'postgres');
    return u.toString();
  }
  return null;
}

/** Null when PostgreSQL is reachable, else why not (printed by the skipping suite). */
export async function pgUnavailableReason(): Promise<string | null> {
  const url = pgBaseUrl();
  if (!url) return 'no SUPERFACTORY_PG_URL (or PGHOST/PGDATABASE) set; run `source scripts/ci/postgres.sh`';
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${redact(url)} unreachable: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}

/** Creates an empty database for one suite and returns its URL and a dropper. */
export async function freshPgDatabase(prefix = 'sf_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = pgBaseUrl()!;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await c.end();
    },
  };
}

export function tempDir(prefix = 'sf-control-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
