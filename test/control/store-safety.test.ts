// Never lose or silently replace the store (issue 13): a SQLite file deleted while the server runs
// makes readiness fail and writes refuse; at start a missing, emptied, truncated, replaced or
// WAL-damaged store is refused naming the file and the fix; --reset-store sets it aside; demo data
// only into a store created by that start; a read-only store is reported as read-only by the CLI.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreRefusedError, openStore } from '../../src/control/store/index.js';
import { SqliteStore } from '../../src/control/store/sqlite.js';
import { startTestServer, type TestServer } from './fixtures.js';
import { freshPgDatabase, pgUnavailableReason, tempDir, waitFor } from './helpers.js';
import { PostgresStore } from '../../src/control/store/postgres.js';
import { StoreUnavailableError } from '../../src/control/domain.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const job = { name: 'safe', model: 'llama3-8b', gpus: 16, priority: -100 };

async function makeStore(path: string): Promise<void> {
  const s = new SqliteStore({ path });
  await s.migrate();
  await s.createTenant({ id: 'acme', name: 'Acme', quotaGpus: null, allowedJurisdictions: null, at: 1 });
  await s.close();
}

async function refusal(path: string, opts: { reset?: boolean } = {}): Promise<StoreRefusedError> {
  try {
    const s = await openStore(path, opts);
    await s.close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreRefusedError);
    return err as StoreRefusedError;
  }
  throw new Error(`openStore(${path}) did not refuse`);
}

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('a running store', () => {
  it('fails readiness and refuses writes once its file is deleted', async () => {
    server = await startTestServer({ schedule: false });
    const db = join(server.dir, 'control.db');
    expect((await server.req('GET', '/healthz')).status).toBe(200);
    expect((await server.req('GET', '/livez')).body).toEqual({ ok: true });
    rmSync(db);
    const h = await waitFor(async () => {
      const r = await server!.req('GET', '/healthz');
      return r.status === 503 ? r : null;
    });
    expect(h.body.ok).toBe(false);
    expect(h.body.errors[0].message).toMatch(/control\.db was deleted/);
    const sub = await server.req('POST', '/v1/jobs', server.admin, job);
    expect(sub.status).toBe(503);
    expect((await server.req('GET', '/livez')).status, 'liveness is not readiness').toBe(200);
  });
});

describe('a store at start', () => {
  it('is created fresh once, then found again (fresh: false), with its identity beside it', async () => {
    const path = join(tempDir('sf-safe-'), 'control.db');
    const a = await openStore(path);
    expect(a.fresh).toBe(true);
    await a.close();
    expect(existsSync(`${path}.identity`)).toBe(true);
    const b = await openStore(path);
    expect(b.fresh).toBe(false);
    await b.close();
  });

  it('refuses a deleted file whose identity remains, naming the file and the fix', async () => {
    const path = join(tempDir('sf-safe-'), 'control.db');
    await makeStore(path);
    rmSync(path);
    const e = await refusal(path);
    expect(e.reason).toBe('missing');
    expect(e.issues[0]).toMatchObject({ path, message: expect.stringMatching(/missing.*records store/) });
    expect(e.issues[0].hint).toMatch(/backup.*--reset-store/);
    expect(existsSync(path), 'no empty store was created in its place').toBe(false);
  });

  it('refuses a truncated or emptied file', async () => {
    for (const size of [0, 4096, 9000]) {
      const path = join(tempDir('sf-safe-'), 'control.db');
      await makeStore(path);
      expect(statSync(path).size).toBeGreaterThan(size);
      truncateSync(path, size);
      const e = await refusal(path);
      expect(['missing', 'damaged'], `truncated to ${size}`).toContain(e.reason);
      expect(e.issues[0].path).toBe(path);
    }
  });

  it('refuses a file that is another store (swapped files)', async () => {
    const dir = tempDir('sf-safe-');
    await makeStore(join(dir, 'a.db'));
    await makeStore(join(dir, 'b.db'));
    copyFileSync(join(dir, 'b.db'), join(dir, 'a.db'));
    const e = await refusal(join(dir, 'a.db'));
    expect(e.reason).toBe('replaced');
  });

  it('refuses a WAL whose header is damaged instead of silently dropping its commits', async () => {
    const dir = tempDir('sf-safe-');
    const path = join(dir, 'control.db');
    const s = new SqliteStore({ path });
    await s.migrate();
    await s.createTenant({ id: 'acme', name: 'Acme', quotaGpus: null, allowedJurisdictions: null, at: 1 });
    // a copy taken while the WAL holds the last commit (as a crash would leave it)
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    copyFileSync(`${path}.identity`, `${copy}.identity`);
    await s.close();
    const good = new SqliteStore({ path: copy });
    await good.migrate();
    expect(await good.getTenant('acme'), 'the intact copy keeps the commit in its WAL').not.toBeNull();
    await good.close();
    copyFileSync(path, copy); // again, now with a damaged WAL header
    writeFileSync(`${copy}-wal`, Buffer.alloc(4096, 0xab));
    const e = await refusal(copy);
    expect(e).toMatchObject({ reason: 'damaged' });
    expect(e.issues[0].message).toMatch(/WAL/);
  });

  it('--reset-store sets the old files aside and starts an empty store', async () => {
    const dir = tempDir('sf-safe-');
    const path = join(dir, 'control.db');
    await makeStore(path);
    rmSync(path);
    await refusal(path);
    const s = await openStore(path, { reset: true });
    expect(s.fresh).toBe(true);
    expect(await s.getTenant('acme')).toBeNull();
    await s.close();
    expect(readdirSync(dir).some((f) => /^control\.db\.identity\.reset-\d+$/.test(f))).toBe(true);
  });
});

describe('the CLI on a store it cannot use', () => {
  // Without DAC capabilities (as root) the child obeys file modes like any user, yet still reads the repository
  // through its owner bits, wherever the checkout lies (a 0700 temp folder included; a uid switch could not).
  const serve = (config: string, withoutDacOverride = false) => {
    const node = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--config', config];
    const argv = withoutDacOverride ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', ...node] : node;
    return spawnSync(argv[0], argv.slice(1), {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
  };

  it('prints error: FILE: message (fix: hint) and exits 2 for a deleted store', async () => {
    const dir = tempDir('sf-safe-');
    const path = join(dir, 'control.db');
    await makeStore(path);
    rmSync(path);
    const cfg = join(dir, 'deploy.yaml');
    writeFileSync(cfg, `port: 0\nstore: ${path}\nfabric: ${join(ROOT, 'test/control/data/two-sites.yaml')}\n`);
    const r = serve(cfg);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error: ${path}: the store file is missing`);
    expect(r.stderr).toMatch(/\(fix: restore the file .*--reset-store/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 90_000);

  it('reports a read-only store as read-only, not damaged', async () => {
    const dir = tempDir('sf-safe-');
    const path = join(dir, 'control.db');
    await makeStore(path);
    const cfg = join(dir, 'deploy.yaml');
    writeFileSync(cfg, `port: 0\nstore: ${path}\nfabric: ${join(ROOT, 'test/control/data/two-sites.yaml')}\n`);
    chmodSync(path, 0o444);
    chmodSync(dir, 0o555);
    // root writes anyway: check with its DAC override capabilities dropped when this runs as root
    const r = serve(cfg, process.getuid?.() === 0);
    chmodSync(dir, 0o755);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: .*read-only.*\(fix: make it writable/m);
    expect(r.stderr).not.toMatch(/damaged|corrupt/);
  }, 90_000);
});

const pgSkip = await pgUnavailableReason();
describe.skipIf(pgSkip !== null)('a read-only PostgreSQL store', () => {
  it('answers writes with "read-only" (503), not as a damaged store', async () => {
    const db = await freshPgDatabase('sf_ro');
    try {
      const rw = new PostgresStore({ connectionString: db.url });
      await rw.migrate();
      await rw.close();
      const u = new URL(db.url);
      u.searchParams.set('options', '-c default_transaction_read_only=on');
      const ro = new PostgresStore({ connectionString: u.toString() });
      try {
        const err = await ro
          .createTenant({ id: 'acme', name: 'Acme', quotaGpus: null, allowedJurisdictions: null, at: 1 })
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(StoreUnavailableError);
        expect((err as Error).message).toMatch(/read-only/);
        await expect(ro.ready()).rejects.toThrow(/read-only/);
      } finally {
        await ro.close();
      }
    } finally {
      await db.drop();
    }
  });
});
