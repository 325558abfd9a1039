// Store safety at start (issue 13): never lose or silently replace the store. A SQLite store keeps its
// identity in a row and in a file beside it (`<db>.identity`); at start the file is integrity-checked
// and both identities must agree, otherwise the server refuses to start, naming the file and the fix
// (restore a backup, or start once with --reset-store, which sets the old files aside).
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InputIssue } from '../../core/issues.js';
import { InvalidInputError } from '../domain.js';

/** The store cannot be used as it is: the issue names the file and the fix (the CLI prints it, exit 2). */
export class StoreRefusedError extends InvalidInputError {
  readonly reason: 'missing' | 'damaged' | 'replaced' | 'read-only';
  constructor(reason: StoreRefusedError['reason'], issue: InputIssue) {
    super([issue], 422);
    this.reason = reason;
  }
}

export interface StoreIdentity {
  id: string;
  createdAt: number;
}

export const identityFile = (dbPath: string): string => `${dbPath}.identity`;

const RESTORE =
  'restore the file (and its -wal file) from a backup, or start once with --reset-store to begin an empty store (the old files are kept beside it as .reset-<time>)';

export function refuse(reason: StoreRefusedError['reason'], file: string, message: string, hint = RESTORE) {
  return new StoreRefusedError(reason, { path: file, message, hint });
}

export function readIdentityFile(dbPath: string): StoreIdentity | null {
  const f = identityFile(dbPath);
  if (!existsSync(f)) return null;
  try {
    const v = JSON.parse(readFileSync(f, 'utf8')) as Partial<StoreIdentity>;
    if (typeof v.id === 'string' && typeof v.createdAt === 'number') return { id: v.id, createdAt: v.createdAt };
  } catch {
    // unreadable JSON: reported below as a damaged identity file
  }
  throw refuse(
    'damaged',
    f,
    'the store identity file is unreadable',
    `restore it from a backup, or ${RESTORE.split(', or ')[1]}`,
  );
}

export function writeIdentityFile(dbPath: string, id: StoreIdentity): void {
  const f = identityFile(dbPath);
  const tmp = `${f}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ ...id, file: dbPath }) + '\n', { mode: 0o600 });
  renameSync(tmp, f); // atomic: a crash leaves the old identity or the new, never half of one
}

export function newIdentity(at: number): StoreIdentity {
  return { id: randomUUID(), createdAt: at };
}

/** Moves the database, its WAL and shared-memory files and its identity aside (`.reset-<at>`). */
export function setAside(dbPath: string, at: number): string[] {
  const moved: string[] = [];
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, identityFile(dbPath)]) {
    if (!existsSync(f)) continue;
    const to = `${f}.reset-${at}`;
    renameSync(f, to);
    moved.push(to);
  }
  return moved;
}

/** A read-only file or folder, reported as such (not as a damaged store). */
export function checkWritable(dbPath: string): void {
  const target = existsSync(dbPath) ? dbPath : dirname(dbPath);
  for (const f of existsSync(dbPath) ? [dbPath, dirname(dbPath)] : [target]) {
    try {
      accessSync(f, constants.W_OK);
    } catch {
      throw refuse(
        'read-only',
        f,
        f === dbPath
          ? 'the store file is read-only'
          : 'the folder of the store is read-only (SQLite writes its WAL beside the file)',
        `make it writable by this user (chmod u+w ${f}), or point store: at a writable path`,
      );
    }
  }
}

/** The file's inode and device: a file deleted or replaced while the server runs no longer matches. */
export function fileKey(dbPath: string): string | null {
  try {
    const s = statSync(dbPath);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/**
 * Whether the WAL file beside `dbPath` has a valid header. SQLite ignores a WAL whose header is damaged
 * (its commits silently vanish), so the check happens before opening. Format: sqlite.org/fileformat.html
 * section 4.1: magic 0x377f0682 (little-endian checksums) or 0x377f0683 (big-endian), then a checksum of
 * the first 24 bytes in bytes 24-31.
 */
export function walHeaderProblem(dbPath: string): string | null {
  const wal = `${dbPath}-wal`;
  if (!existsSync(wal)) return null;
  const buf = readFileSync(wal);
  if (buf.length === 0) return null; // an empty WAL holds no commits
  if (buf.length < 32) return `the WAL file ${wal} is ${buf.length} bytes, shorter than its 32-byte header`;
  const magic = buf.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683)
    return `the WAL file ${wal} has no WAL header (magic ${magic.toString(16)})`;
  const word = magic === 0x377f0683 ? (i: number) => buf.readUInt32BE(i) : (i: number) => buf.readUInt32LE(i);
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < 24; i += 8) {
    s0 = (s0 + word(i) + s1) >>> 0;
    s1 = (s1 + word(i + 4) + s0) >>> 0;
  }
  if (s0 !== buf.readUInt32BE(24) || s1 !== buf.readUInt32BE(28))
    return `the WAL file ${wal} has a damaged header (checksum)`;
  return null;
}
