// `npm run fuzz`: a bounded, seeded fuzz campaign against a control plane on loopback (127.0.0.1 only).
// It sends malformed and hostile requests (wrong types, missing and unknown fields, huge numbers, bad
// JSON, odd paths, methods, headers and encodings, other tenants' ids) and checks the contract: no 5xx,
// every 4xx carries {errors: [{path, message, hint}]}, and the server stays ready.
//   npm run fuzz -- [--requests N] [--seconds S] [--seed K]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Rng } from '../src/core/rng.js';
import { ensureAdmin, buildServer } from '../src/control/server.js';
import { SqliteStore } from '../src/control/store/sqlite.js';
import { TwinExecutor } from '../src/control/executors/twin.js';
import { loadFabric } from '../src/fabric/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  violations: { request: string; status: number; body: string; why: string }[];
  seconds: number;
}

const WEIRD: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  '',
  'x'.repeat(5000),
  '💥\u0000\u202e',
  '../../etc/passwd',
  '%00',
  [],
  [null],
  {},
  { $gt: '' },
  { __proto__: { admin: true } },
];
const FIELDS = [
  'name',
  'model',
  'gpus',
  'tokens',
  'priority',
  'allowedJurisdictions',
  'deadline',
  'command',
  'env',
  'executor',
  'checkpointable',
];
const PATHS = [
  '/v1/jobs',
  '/v1/jobs/{job}',
  '/v1/jobs/{job}/events',
  '/v1/jobs/{job}/logs',
  '/v1/jobs/{job}/suspend',
  '/v1/jobs/{job}/resume',
  '/v1/plans',
  '/v1/events',
  '/v1/events?after={weird}',
  '/v1/jobs?state={weird}&limit={weird}&cursor={weird}',
  '/v1/tenants',
  '/v1/tenants/{weird}',
  '/v1/tenants/{weird}/tokens',
  '/v1/sites/{weird}/drain',
  '/v1/sites/atl/heartbeat',
  '/v1/explore/plans',
  '/v1/explore/sweep',
  '/v1/explore/fabrics/{weird}',
  '/v1/whatif',
  '/v1/audit',
  '/v1/{weird}',
  '/healthz?{weird}',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function weirdText(rng: Rng): string {
  const v = pick(rng, WEIRD);
  return encodeURIComponent(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
}

/** A submission with one to three fields broken. */
function mutatedJob(rng: Rng): Record<string, unknown> {
  const b: Record<string, unknown> = { name: 'fuzz', model: 'llama3-8b', gpus: 1 + rng.int(32) };
  for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
    const f = pick(rng, [...FIELDS, `unknown${rng.int(3)}`]);
    if (rng.next() < 0.2) delete b[f];
    else b[f] = pick(rng, WEIRD);
  }
  return b;
}

function body(rng: Rng): string | undefined {
  const r = rng.next();
  if (r < 0.1) return undefined;
  if (r < 0.2) return '{"name":'; // truncated JSON
  if (r < 0.25) return 'not json at all';
  if (r < 0.3) return JSON.stringify(pick(rng, WEIRD));
  if (r < 0.8) return JSON.stringify(mutatedJob(rng));
  return JSON.stringify({
    model: pick(rng, ['llama3-8b', 'gpt-9', 42]),
    mode: pick(rng, ['outage', 'x']),
    [pick(rng, FIELDS)]: pick(rng, WEIRD),
  });
}

function issuesOk(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return 'no errors list';
  for (const e of errors as Record<string, unknown>[])
    if (typeof e?.path !== 'string' || typeof e?.message !== 'string' || typeof e?.hint !== 'string')
      return 'an error without path, message and hint';
  return null;
}

/** Runs the campaign against a fresh server on 127.0.0.1 (SQLite in a temp folder, the two-site test fabric, twins). */
export async function fuzz(opts: { requests?: number; seconds?: number; seed?: number } = {}): Promise<FuzzReport> {
  const requests = opts.requests ?? 3000;
  const deadline = Date.now() + (opts.seconds ?? 120) * 1000;
  const rng = new Rng(opts.seed ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'sf-fuzz-'));
  const store = new SqliteStore({ path: join(dir, 'control.db') });
  await store.migrate();
  const operator = await ensureAdmin(store);
  const fabric = await loadFabric(join(ROOT, 'test/control/data/two-sites.yaml'));
  const server = await buildServer({
    store,
    fabric,
    sites: fabric.sites.map((s) => ({
      siteId: s.id,
      heartbeat: 'executor' as const,
      executor: new TwinExecutor({ speedup: 100 }),
    })),
    logger: false,
    planner: null,
    tickMs: 100,
    checkpointRoot: join(dir, 'checkpoints'),
    rateLimit: { perSecond: 1e6, burst: 1e6, unauthenticated: { perSecond: 1e6, burst: 1e6 } },
  });
  const url = await server.listen(0, '127.0.0.1');
  const report: FuzzReport = { requests: 0, byStatus: {}, violations: [], seconds: 0 };
  const t0 = Date.now();
  try {
    const mk = await fetch(`${url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'fz' }),
    });
    if (mk.status !== 201) throw new Error(`fuzz setup: tenant ${mk.status}`);
    const tok = async (role: string) =>
      (
        (await (
          await fetch(`${url}/v1/tenants/fz/tokens`, {
            method: 'POST',
            headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
            body: JSON.stringify({ role }),
          })
        ).json()) as { token: string }
      ).token;
    const tokens = [operator, await tok('admin'), await tok('member'), await tok('viewer'), 'sf_not_a_token', ''];
    const jobIds = ['job_nope', 'x'.repeat(300)];
    const sub = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[2]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'seed', model: 'llama3-8b', gpus: 4 }),
    });
    jobIds.push(((await sub.json()) as { job: { id: string } }).job.id);

    for (let i = 0; i < requests && Date.now() < deadline; i++) {
      const method = pick(rng, METHODS);
      const path = pick(rng, PATHS)
        .replace('{job}', encodeURIComponent(pick(rng, jobIds)))
        .replace(/\{weird\}/g, () => weirdText(rng));
      const payload = method === 'GET' || method === 'DELETE' ? undefined : body(rng);
      const headers: Record<string, string> = {};
      const token = pick(rng, tokens);
      if (token) headers.authorization = rng.next() < 0.05 ? `Basic ${token}` : `Bearer ${token}`;
      if (payload !== undefined) headers['content-type'] = rng.next() < 0.1 ? 'text/plain' : 'application/json';
      if (rng.next() < 0.1) headers['idempotency-key'] = 'k'.repeat(1 + rng.int(400));
      if (rng.next() < 0.05) headers['last-event-id'] = weirdText(rng);
      const what = `${method} ${path} ${payload?.slice(0, 200) ?? ''}`;
      let status = 0;
      let text = '';
      try {
        const ctl = new AbortController();
        const res = await fetch(url + path, { method, headers, body: payload, signal: ctl.signal });
        status = res.status;
        // an event stream that was accepted streams forever: its headers are the answer
        if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) ctl.abort();
        else text = await res.text();
      } catch (err) {
        if ((err as Error).name !== 'AbortError') {
          report.violations.push({ request: what, status: 0, body: String(err), why: 'request failed (connection)' });
          continue;
        }
      }
      report.requests++;
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      if (status >= 500) report.violations.push({ request: what, status, body: text.slice(0, 500), why: '5xx' });
      else if (status >= 400 && method !== 'OPTIONS') {
        const why = issuesOk(text);
        if (why) report.violations.push({ request: what, status, body: text.slice(0, 500), why });
      }
    }
    const ready = await fetch(`${url}/healthz`);
    if (ready.status !== 200)
      report.violations.push({
        request: 'GET /healthz (after)',
        status: ready.status,
        body: await ready.text(),
        why: 'not ready after the campaign',
      });
  } finally {
    report.seconds = (Date.now() - t0) / 1000;
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await fuzz({ requests: flag('requests'), seconds: flag('seconds'), seed: flag('seed') });
  console.log(`fuzz: ${r.requests} requests in ${r.seconds.toFixed(1)} s; by status ${JSON.stringify(r.byStatus)}`);
  for (const v of r.violations.slice(0, 20)) console.log(`VIOLATION (${v.why}) ${v.status} ${v.request}\n  ${v.body}`);
  console.log(`${r.violations.length} violations`);
  process.exit(r.violations.length === 0 ? 0 : 1);
}
