// SQLite store safety at start and while running: opening (reset, read-only, WAL header and missing-file
// checks before the file is touched), the integrity and identity checks with the migrations, and the
// watch that notices the file deleted or replaced under a running server. See identity.ts and README.md.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DomainError, DuplicateError, StoreCorruptError, StoreUnavailableError } from '../domain.js';
import {
  checkWritable,
  fileKey,
  identityFile,
  newIdentity,
  readIdentityFile,
  refuse,
  setAside,
  walHeaderProblem,
  writeIdentityFile,
  type StoreIdentity,
} from './identity.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

type Row = Record<string, unknown>;

/** Maps better-sqlite3 errors to domain errors, keeping the original as `cause`. */
export function mapError(err: unknown, what: string): Error {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new DuplicateError(`${what}: already exists`, { cause: err });
  }
  if (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    code === 'SQLITE_IOERR' ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_CANTOPEN'
  ) {
    return new StoreUnavailableError(`${what}: database unavailable (${code})`, { cause: err });
  }
  if (code.startsWith('SQLITE_READONLY'))
    return new StoreUnavailableError(
      `${what}: the store is read-only (${code}): make the file and its folder writable`,
      {
        cause: err,
      },
    );
  if (code.startsWith('SQLITE_CONSTRAINT')) return new DuplicateError(`${what}: constraint failed`, { cause: err });
  return new StoreCorruptError(`${what}: ${(err as Error).message ?? String(err)}`, { cause: err });
}

function missingStore(file: string, recorded: StoreIdentity, emptied: boolean): Error {
  return refuse(
    'missing',
    file,
    `the store file is ${emptied ? 'empty or truncated' : 'missing'}, but ${identityFile(file)} records store ${recorded.id} created ${new Date(recorded.createdAt).toISOString()}`,
  );
}

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** Set the existing files aside (`.reset-<time>`) and start an empty store (`--reset-store`). */
  reset?: boolean;
  /** Clock for the identity's creation time (ms). */
  now?: () => number;
}

/** How often a running store checks that its file is still the one it opened (ms). */
const FILE_WATCH_MS = 1000;

function openError(err: unknown, file: string): Error {
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_READONLY'))
    return refuse('read-only', file, 'the store is read-only', `make ${file} and its folder writable by this user`);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return refuse('damaged', file, `the store file is damaged (${(err as Error).message})`);
  return mapError(err, `open ${file}`);
}

export interface OpenedSqlite {
  db: Database.Database;
  /** The file, or null for ':memory:'. */
  path: string | null;
  /** The file held data before this start (an empty new file does not). */
  preexisting: boolean;
  /** Files set aside by a reset. */
  setAside: string[];
}

/** Opens the database; refuses (before touching the file) a damaged WAL, a read-only file, a missing store. */
export function openSqlite(opts: SqliteOptions, now: () => number): OpenedSqlite {
  const path = opts.path === ':memory:' ? null : opts.path;
  const moved: string[] = [];
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    if (opts.reset) moved.push(...setAside(path, now()));
    checkWritable(path);
    const wal = walHeaderProblem(path);
    if (wal) throw refuse('damaged', path, wal);
    // refused before opening: opening would create an empty file in its place
    const recorded = existsSync(path) ? null : readIdentityFile(path);
    if (recorded) throw missingStore(path, recorded, false);
  }
  const preexisting = path !== null && existsSync(path) && statSync(path).size > 0;
  try {
    const db = new Database(opts.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    return { db, path, preexisting, setAside: moved };
  } catch (err) {
    throw openError(err, path ?? ':memory:');
  }
}

const hasTable = (db: Database.Database, name: string) =>
  !!db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name=?").get(name);

function integrityCheck(db: Database.Database, file: string): void {
  let result: string;
  try {
    result = String(db.pragma('quick_check', { simple: true }));
  } catch (err) {
    throw openError(err, file);
  }
  if (result !== 'ok') throw refuse('damaged', file, `the store file failed its integrity check (${result})`);
}

function applyMigrations(db: Database.Database, now: () => number): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const tx = db.transaction(() => {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        now(),
      );
    }
  });
  tx.immediate();
}

export interface Migrated {
  version: number;
  /** This start created the store (no schema before). */
  fresh: boolean;
  identity: StoreIdentity | null;
}

/**
 * Checks the store (integrity, identity) and brings its schema up to date. Refuses (StoreRefusedError,
 * naming the file and the fix) a damaged file, a missing or emptied file whose identity file says a
 * store existed, and a file that is not the store its identity file names.
 */
export function checkAndMigrate(o: OpenedSqlite, now: () => number): Migrated {
  const { db, path: file } = o;
  const recorded = file ? readIdentityFile(file) : null;
  if (file && o.preexisting) integrityCheck(db, file);
  const hadSchema = hasTable(db, 'schema_migrations');
  if (file && recorded && !hadSchema) throw missingStore(file, recorded, o.preexisting);
  applyMigrations(db, now);
  // a schema older than the identity migration (only when migrations are held back, as a test does)
  if (!hasTable(db, 'store_identity')) {
    const r = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as Row;
    return { version: Number(r.v ?? 0), fresh: !hadSchema, identity: null };
  }
  let row = db.prepare('SELECT id, created_at FROM store_identity LIMIT 1').get() as Row | undefined;
  if (file && recorded && (!row || row.id !== recorded.id))
    throw refuse(
      'replaced',
      file,
      `the store file is not the store ${identityFile(file)} records (${recorded.id}${row ? `; the file holds ${String(row.id)}` : '; the file has no identity'}): it was replaced`,
    );
  if (!row) {
    const id = newIdentity(now());
    db.prepare('INSERT INTO store_identity (id, created_at) VALUES (?, ?)').run(id.id, id.createdAt);
    row = { id: id.id, created_at: id.createdAt };
  }
  const identity = { id: String(row.id), createdAt: Number(row.created_at) };
  const fresh = !hadSchema;
  if (file) {
    // the schema and identity in the main file, not only in the WAL: a lost WAL then cannot pass for a new store
    if (fresh) db.pragma('wal_checkpoint(TRUNCATE)');
    if (!recorded) writeIdentityFile(file, identity);
  }
  return { version: LATEST_SCHEMA_VERSION, fresh, identity };
}

/** Every second: is the file still the one opened? Once not, `lost` says why (and stays set). */
export class FileWatch {
  lost: string | null = null;
  private readonly key: string | null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly file: string) {
    this.key = fileKey(file);
    this.timer = setInterval(() => this.check(), FILE_WATCH_MS);
    this.timer.unref();
  }

  check(): string | null {
    if (this.lost || !this.key) return this.lost;
    const key = fileKey(this.file);
    if (key === this.key) return null;
    this.lost =
      key === null
        ? `the store file ${this.file} was deleted while the server ran: stop the server, restore it from a backup (or start with --reset-store)`
        : `the store file ${this.file} was replaced while the server ran: stop the server and check which file is the store`;
    return this.lost;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
