// Opens a store from a URL-ish string: `postgres://...` / `postgresql://...`, `sqlite:PATH`, a file path, or ':memory:'.
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type { Store } from './types.js';
export { SqliteStore } from './sqlite.js';
export { PostgresStore } from './postgres.js';
export { StoreRefusedError } from './identity.js';

export const DEFAULT_SQLITE_PATH = '.superfactory/control.db';

/**
 * Opens and checks a store (see identity.ts: a damaged, missing or replaced SQLite file is refused with
 * StoreRefusedError naming the file and the fix). `reset`: set an existing SQLite store aside first.
 */
export async function openStore(
  location: string = DEFAULT_SQLITE_PATH,
  opts: { migrate?: boolean; reset?: boolean } = {},
): Promise<Store> {
  const store: Store = /^postgres(ql)?:\/\//.test(location)
    ? new PostgresStore({ connectionString: location })
    : new SqliteStore({ path: location.replace(/^sqlite:/, ''), reset: opts.reset });
  if (opts.migrate !== false) await store.migrate();
  return store;
}
