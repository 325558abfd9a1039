// Test fixtures: a tiny two-site fabric (8 GPUs per site, jurisdictions US-GA and US-WI) and a server factory over real HTTP on 127.0.0.1, port 0.
import { join } from 'node:path';
import { loadFabric } from '../../src/fabric/index.js';
import type { Fabric } from '../../src/fabric/types.js';
import { fileURLToPath } from 'node:url';
import type { SiteBinding } from '../../src/control/control-plane.js';
import { LocalExecutor } from '../../src/control/executors/local.js';
import { TwinExecutor } from '../../src/control/executors/twin.js';
import { SqliteStore } from '../../src/control/store/sqlite.js';
import type { Store } from '../../src/control/store/types.js';
import { buildServer, ensureAdmin, type ControlServer, type ServerOptions } from '../../src/control/server.js';
import { tempDir } from './helpers.js';

export const TWO_SITES = fileURLToPath(new URL('./data/two-sites.yaml', import.meta.url));

/** Two 8-GPU sites: atl (US-GA) and wi (US-WI). */
export async function tinyFabric(): Promise<Fabric> {
  return loadFabric(TWO_SITES);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
export type Json = any;

export interface TestServer {
  server: ControlServer;
  url: string;
  admin: string;
  store: Store;
  dir: string;
  close: () => Promise<void>;
  req: (
    method: string,
    path: string,
    token?: string | null,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; body: Json; headers: Headers }>;
}

export async function startTestServer(
  opts: Partial<ServerOptions> & {
    executor?: 'twin' | 'local';
    store?: Store;
    siteBindings?: (dir: string) => SiteBinding[];
    /** Address to listen on (default 127.0.0.1), e.g. the host's end of a test namespace's link. */
    listenHost?: string;
  } = {},
): Promise<TestServer> {
  const dir = tempDir('sf-api-');
  const store = opts.store ?? new SqliteStore({ path: join(dir, 'control.db') });
  await store.migrate();
  const admin = await ensureAdmin(store);
  const fabric = opts.fabric ?? (await tinyFabric());
  const sites =
    opts.siteBindings?.(dir) ??
    fabric.sites.map((s) => ({
      siteId: s.id,
      heartbeat: 'executor' as const,
      executor:
        opts.executor === 'local'
          ? new LocalExecutor({ root: join(dir, 'runs', s.id), killGraceMs: 300 })
          : new TwinExecutor({ speedup: 10, checkpointEveryS: 5 }),
    }));
  const server = await buildServer({
    logger: false,
    tickMs: 100,
    checkpointRoot: join(dir, 'checkpoints'),
    rateLimit: { perSecond: 1000, burst: 1000 },
    planner: null,
    ...opts,
    store,
    fabric,
    sites,
  });
  const url = await server.listen(0, opts.listenHost);
  const req = async (
    method: string,
    path: string,
    token?: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      h['content-type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(url + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text
    }
    return { status: res.status, body: parsed as Json, headers: res.headers };
  };
  return {
    server,
    url,
    admin,
    store,
    dir,
    req,
    close: async () => {
      await server.close();
      for (const s of sites) {
        if (s.executor instanceof LocalExecutor) await s.executor.stopAll();
      }
      await store.close();
    },
  };
}

/** Creates a tenant and a token of the given role over the API. */
export async function tenantToken(
  t: TestServer,
  tenant: string,
  role: 'admin' | 'member' | 'viewer' = 'member',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const c = await t.req('POST', '/v1/tenants', t.admin, { id: tenant, ...extra });
  if (c.status !== 201 && c.status !== 409) throw new Error(`create tenant: ${c.status} ${JSON.stringify(c.body)}`);
  const r = await t.req('POST', `/v1/tenants/${tenant}/tokens`, t.admin, { role });
  if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}
