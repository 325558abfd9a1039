// Opens a store from a URL-ish string: `postgres://...` / `postgresql://...`, `sqlite:PATH`, a file path, or ':memory:'.
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type { Store } from './types.js';
export { SqliteStore } from './sqlite.js';
export { PostgresStore } from './postgres.js';

export const DEFAULT_SQLITE_PATH = '.superfactory/control.db';

export async function openStore(
  location: string = DEFAULT_SQLITE_PATH,
  opts: { migrate?: boolean } = {},
): Promise<Store> {
  const store: Store = /^postgres(ql)?:\/\//.test(location)
    ? new PostgresStore({ connectionString: location })
    : new SqliteStore({ path: location.replace(/^sqlite:/, '') });
  if (opts.migrate !== false) await store.migrate();
  return store;
}
