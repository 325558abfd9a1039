// Browser-test and benchmark harness for the dashboard: builds web/dist when missing (Vite's build
// API), starts a real control plane (SQLite in a temp dir, the fairwater preset, twin executors, the
// real planner) on 127.0.0.1, and launches Debian's chromium through playwright-core.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { SiteBinding } from '../../src/control/control-plane.js';
import { TwinExecutor } from '../../src/control/executors/twin.js';
import { buildServer, ensureAdmin, type ControlServer, type ServerOptions } from '../../src/control/server.js';
import { SqliteStore } from '../../src/control/store/sqlite.js';
import { loadFabric } from '../../src/fabric/index.js';
import { realPlanner } from '../../src/control/planner.js';
import { LocalExecutor } from '../../src/control/executors/local.js';
import { parseFabric } from '../../src/fabric/index.js';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { withLocalSite, LOCAL_SITE_ID } from '../../src/cli/start-fabric.js';
import { dataPath } from '../../src/data-dir.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_DIST = join(ROOT, 'web', 'dist');
export const CHROMIUM = process.env.SUPERFACTORY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'artifacts');

/** Why the browser tests cannot run here, or null. */
export function browserUnavailableReason(): string | null {
  if (!existsSync(CHROMIUM))
    return `no chromium at ${CHROMIUM} (apt-get install chromium, or set SUPERFACTORY_CHROMIUM)`;
  return null;
}

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSourceMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds web/dist with Vite when it is missing, older than a source under web/src, or `force`. Returns the dist folder. */
export async function ensureWebBuilt(force = false): Promise<string> {
  const index = join(WEB_DIST, 'index.html');
  const web = join(ROOT, 'web');
  const sourcesMs = Math.max(
    newestSourceMs(join(web, 'src')),
    statSync(join(web, 'index.html')).mtimeMs,
    statSync(join(web, 'vite.config.ts')).mtimeMs,
  );
  if (!force && existsSync(index) && statSync(index).mtimeMs >= sourcesMs) return WEB_DIST;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`vite build did not write ${WEB_DIST}/index.html`);
  return WEB_DIST;
}

export interface DashboardServer {
  server: ControlServer;
  url: string;
  admin: string;
  store: SqliteStore;
  req: <T = unknown>(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
  ) => Promise<{ status: number; body: T }>;
  /** Creates a tenant (if needed) and a token of `role` for it. */
  token: (tenant: string, role: 'admin' | 'member' | 'viewer') => Promise<string>;
  close: () => Promise<void>;
}

/** The fabric of `superfactory start`: fairwater plus site `local` (this machine). */
export function startFabric() {
  const r = parseFabric(
    withLocalSite(YAML.parse(readFileSync(dataPath('fabrics', 'fairwater.yaml'), 'utf8'))),
    'start',
  );
  if (!r.ok) throw new Error(`start fabric: ${JSON.stringify(r.issues)}`);
  return r.fabric;
}

export async function startDashboardServer(
  opts: Partial<ServerOptions> & {
    speedup?: number;
    checkpointEveryS?: number;
    /** As `npm start`: fairwater on the twin plus site `local` on the local executor (real commands). */
    local?: boolean;
  } = {},
): Promise<DashboardServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-web-'));
  const store = new SqliteStore({ path: join(dir, 'control.db') });
  await store.migrate();
  const admin = await ensureAdmin(store);
  const fabric = opts.fabric ?? (opts.local ? startFabric() : await loadFabric('fairwater'));
  const sites: SiteBinding[] = fabric.sites.map((s) => ({
    siteId: s.id,
    heartbeat: 'executor' as const,
    executor:
      opts.local && s.id === LOCAL_SITE_ID
        ? // one process per 8 "GPUs": a job of one node is one rank
          new LocalExecutor({ root: join(dir, 'runs'), gpusPerProcess: 8, killGraceMs: 300 })
        : // an hour of simulated time per minute; a checkpoint every 30 simulated seconds (0.5 s of wall time)
          new TwinExecutor({ speedup: opts.speedup ?? 60, checkpointEveryS: opts.checkpointEveryS ?? 30 }),
  }));
  const server = await buildServer({
    logger: false,
    tickMs: 200,
    checkpointRoot: join(dir, 'checkpoints'),
    rateLimit: { perSecond: 1000, burst: 1000 },
    staticDir: WEB_DIST,
    planner: realPlanner,
    ...opts,
    store,
    fabric,
    sites,
  });
  const url = await server.listen(0);
  const req = async <T>(method: string, path: string, token: string | null, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed as T };
  };
  const token = async (tenant: string, role: 'admin' | 'member' | 'viewer') => {
    const c = await req('POST', '/v1/tenants', admin, { id: tenant });
    if (c.status !== 201 && c.status !== 409)
      throw new Error(`create tenant ${tenant}: ${c.status} ${JSON.stringify(c.body)}`);
    const r = await req<{ token: string }>('POST', `/v1/tenants/${tenant}/tokens`, admin, { role });
    if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token;
  };
  return {
    server,
    url,
    admin,
    store,
    req,
    token,
    close: async () => {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * Launches chromium on a fresh profile folder (removed on close). Playwright takes the profile as
 * launchPersistentContext's first argument (it refuses --user-data-dir in args) and passes it on as
 * --user-data-dir. One context; each page has its own sessionStorage, so each page signs in alone.
 */
export async function launchChromium(
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'sf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      // a browser that already died cannot close its context: say so, then remove the profile anyway
      await context.close().catch((err: unknown) => console.warn('chromium context close:', err));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Why a browser suite cannot run here, or null; warned once with the suite's file so a skip says why.
 * `extra` is a suite's own requirement (e.g. torch), checked after chromium.
 */
export function browserSuiteSkip(file: string, extra: () => string | null = () => null): string | null {
  const reason = browserUnavailableReason() ?? extra();
  if (reason) console.warn(`${file} skipped: ${reason}`);
  return reason;
}

export interface BrowserSuite {
  srv: DashboardServer;
  context: BrowserContext;
  /** A new page at `hash`, signed in with `token`, once the dashboard is ready; fails on any page error. */
  signIn: (token: string, hash?: string, timeoutMs?: number) => Promise<Page>;
  /** The page errors a page opened by signIn has raised so far (a suite checks them again after its actions). */
  errors: (page: Page) => readonly string[];
  close: () => Promise<void>;
}

/**
 * One browser suite's set-up: builds web/dist when stale, makes artifacts/, starts a control plane (`opts` as
 * startDashboardServer), runs `setup` (tenants, jobs) before chromium starts, then launches chromium.
 */
export async function startBrowserSuite(
  opts: Parameters<typeof startDashboardServer>[0] = {},
  setup: (srv: DashboardServer) => Promise<void> = async () => {},
  viewport?: { width: number; height: number },
): Promise<BrowserSuite> {
  await ensureWebBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  const srv = await startDashboardServer(opts);
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  try {
    await setup(srv);
    browser = await launchChromium(viewport);
  } catch (err) {
    await srv.close();
    throw err;
  }
  const { context } = browser;
  const close = browser.close;
  const pageErrors = new WeakMap<Page, string[]>();
  const signIn = async (token: string, hash = '', timeoutMs = 20_000): Promise<Page> => {
    const page = await context.newPage();
    const errors: string[] = [];
    pageErrors.set(page, errors);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${srv.url}/${hash}`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('body[data-ready]', { timeout: timeoutMs });
    expect(errors).toEqual([]);
    return page;
  };
  return {
    srv,
    context,
    signIn,
    errors: (page) => pageErrors.get(page) ?? [],
    close: async () => {
      await close();
      await srv.close();
    },
  };
}

/**
 * startBrowserSuite as a describe block's beforeAll (within `timeoutMs`) and its close as afterAll. Call it
 * inside the describe; read `.suite` inside the tests (it throws before beforeAll has run).
 */
export function useBrowserSuite(
  opts: () => Promise<Parameters<typeof startDashboardServer>[0]> | Parameters<typeof startDashboardServer>[0],
  setup?: (srv: DashboardServer) => Promise<void>,
  timeoutMs = 180_000,
): { readonly suite: BrowserSuite } {
  let suite: BrowserSuite | undefined;
  beforeAll(async () => {
    suite = await startBrowserSuite(await opts(), setup);
  }, timeoutMs);
  afterAll(async () => {
    await suite?.close();
  });
  return {
    get suite() {
      if (!suite) throw new Error('useBrowserSuite: the suite starts in beforeAll; use it inside a test');
      return suite;
    },
  };
}
