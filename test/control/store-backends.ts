// The backend matrix of the Store conformance suites: every Store implementation, each opened on a fresh
// database, with a way to open a second store on the same database (another replica, or a restart).
import { join } from 'node:path';
import { PostgresStore, SqliteStore, type Store } from '../../src/control/store/index.js';
import { freshPgDatabase, pgUnavailableReason, tempDir } from './helpers.js';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** Why this backend cannot run here (no PostgreSQL), or null. */
  skip: string | null;
  /** A fresh database; `replica()` opens a second store on the same database (another process or replica). */
  open: () => Promise<{ store: Store; cleanup: () => Promise<void>; replica: () => Store }>;
}

/**
 * SQLite (a temp file) and PostgreSQL (a fresh database named `<pgPrefix>_...`, dropped on cleanup).
 * `suite` names the suite in the line that says why PostgreSQL is skipped.
 */
export async function storeBackends(suite: string, pgPrefix: string): Promise<StoreBackend[]> {
  const pgSkip = await pgUnavailableReason();
  if (pgSkip) console.log(`[${suite}] skipping PostgreSQL backend: ${pgSkip}`);
  return [
    {
      name: 'sqlite',
      skip: null,
      open: async () => {
        const path = join(tempDir(), 'store.db');
        const store = new SqliteStore({ path });
        return { store, cleanup: () => store.close(), replica: () => new SqliteStore({ path }) };
      },
    },
    {
      name: 'postgres',
      skip: pgSkip,
      open: async () => {
        const db = await freshPgDatabase(pgPrefix);
        const store = new PostgresStore({ connectionString: db.url });
        return {
          store,
          cleanup: async () => {
            await store.close();
            await db.drop();
          },
          replica: () => new PostgresStore({ connectionString: db.url }),
        };
      },
    },
  ];
}
