// The API contract over real HTTP (fastify on 127.0.0.1, port 0), real SQLite, the twin executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tenantToken, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
let alice: string; // member of tenant a
let bob: string; // member of tenant b
let viewer: string; // viewer of tenant a

beforeAll(async () => {
  t = await startTestServer();
  alice = await tenantToken(t, 'a', 'member', { quotaGpus: 16, allowedJurisdictions: ['US-GA', 'US-WI'] });
  viewer = await tenantToken(t, 'a', 'viewer');
  bob = await tenantToken(t, 'b', 'member', { allowedJurisdictions: ['US-WI'] });
});
afterAll(async () => {
  await t?.close();
});

const job = (over: Record<string, unknown> = {}) => ({ name: 'train', model: 'llama3-8b', gpus: 4, ...over });

describe('API contract', () => {
  it('serves an OpenAPI 3 document and the docs page', async () => {
    const r = await t.req('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/plans', '/v1/events/stream', '/v1/sites/{id}/drain']),
    );
    const docs = await fetch(`${t.url}/docs`);
    expect(docs.status).toBe(200);
  });

  it('answers health and Prometheus metrics without a token', async () => {
    const h = await t.req('GET', '/healthz');
    expect(h.body).toMatchObject({ ok: true, store: 'sqlite', leader: true });
    const m = await t.req('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('superfactory_jobs{state="queued"}');
    expect(m.body).toContain('superfactory_http_request_duration_seconds');
  });

  it('shows the fabric and the sites with their executor and heartbeat', async () => {
    const f = await t.req('GET', '/v1/fabric', viewer);
    expect(f.body.sites.map((s: { id: string }) => s.id)).toEqual(['atl', 'wi']);
    const s = await waitFor(async () => {
      const r = await t.req('GET', '/v1/sites', viewer);
      return r.body.sites.every((x: { status: string }) => x.status === 'up') ? r : null;
    });
    expect(s.body.sites[0]).toMatchObject({
      id: 'atl',
      jurisdiction: 'US-GA',
      executor: 'twin',
      drained: false,
      gpus: 8,
    });
  });

  it('accepts a job, returns its id, and runs it to success in the twin', async () => {
    const r = await t.req('POST', '/v1/jobs', alice, job({ name: 'first' }));
    expect(r.status).toBe(201);
    expect(r.body.job).toMatchObject({ name: 'first', tenant: 'a', state: 'queued', gpus: 4, plan: null });
    expect(r.body.job.id).toMatch(/^job_/);
    expect(r.headers.get('location')).toBe(`/v1/jobs/${r.body.job.id}`);
    const done = await waitFor(async () => {
      const g = await t.req('GET', `/v1/jobs/${r.body.job.id}`, alice);
      return g.body.job.state === 'running' || g.body.job.state === 'succeeded' ? g : null;
    });
    expect(done.body.job.sites.length).toBe(1);
    const ev = await t.req('GET', `/v1/jobs/${r.body.job.id}/events`, alice);
    expect(ev.body.events.map((e: { to: string }) => e.to).slice(0, 4)).toEqual([
      'queued',
      'admitted',
      'starting',
      'running',
    ]);
  });

  it('returns the same job for a retried submission with the same Idempotency-Key', async () => {
    const a = await t.req('POST', '/v1/jobs', alice, job({ name: 'idem' }), { 'idempotency-key': 'retry-1' });
    const b = await t.req('POST', '/v1/jobs', alice, job({ name: 'idem' }), { 'idempotency-key': 'retry-1' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.job.id).toBe(a.body.job.id);
  });

  it('lists jobs newest first with filters and a cursor', async () => {
    for (let i = 0; i < 5; i++)
      await t.req('POST', '/v1/jobs', alice, job({ name: `page-${i}`, gpus: 16, priority: -5 }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: { jobs: { id: string; tenant: string }[]; nextCursor: string | null } } =
        await t.req('GET', `/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, alice);
      expect(r.status).toBe(200);
      expect(r.body.jobs.every((j) => j.tenant === 'a')).toBe(true);
      seen.push(...r.body.jobs.map((j) => j.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    const byState = await t.req('GET', '/v1/jobs?state=queued,running,succeeded', alice);
    expect(byState.status).toBe(200);
    const bad = await t.req('GET', '/v1/jobs?state=flying', alice);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toMatch(/^state/);
    const site = await t.req('GET', '/v1/jobs?site=atl', t.admin);
    expect(site.body.jobs.length, 'no job on atl: the filter was not exercised').toBeGreaterThan(0);
    expect(site.body.jobs.every((j: { sites: string[] }) => j.sites.includes('atl'))).toBe(true);
  });

  it('cancels a job and rejects cancelling it again as unprocessable only when finished otherwise', async () => {
    const r = await t.req('POST', '/v1/jobs', alice, job({ name: 'to-cancel', gpus: 16, priority: -10 }));
    const c = await t.req('DELETE', `/v1/jobs/${r.body.job.id}`, alice);
    expect(c.status).toBe(200);
    expect(c.body.job.state).toBe('cancelled');
    const again = await t.req('DELETE', `/v1/jobs/${r.body.job.id}`, alice);
    expect(again.body.job.state).toBe('cancelled');
  });

  it('suspends and resumes a queued job', async () => {
    const r = await t.req('POST', '/v1/jobs', alice, job({ name: 'pause', gpus: 16, priority: -10 }));
    const s = await t.req('POST', `/v1/jobs/${r.body.job.id}/suspend`, alice);
    expect(s.body.job.state).toBe('suspended');
    const g = await t.req('POST', `/v1/jobs/${r.body.job.id}/resume`, alice);
    expect(g.body.job.state).toBe('queued');
    const bad = await t.req('POST', `/v1/jobs/${r.body.job.id}/resume`, alice);
    expect(bad.status).toBe(422);
    await t.req('DELETE', `/v1/jobs/${r.body.job.id}`, alice);
  });

  it('streams events over server-sent events', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/v1/events/stream`, {
      headers: { authorization: `Bearer ${alice}` },
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const sub = await t.req('POST', '/v1/jobs', alice, job({ name: 'sse' }));
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes(sub.body.job.id) && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    ctrl.abort();
    expect(text).toContain('event: job.submitted');
    expect(text).toContain(sub.body.job.id);
    const ev = await t.req('GET', '/v1/events?after=0&limit=5', alice);
    expect(ev.body.events.length).toBe(5);
    expect(ev.body.events.every((e: { tenant: string | null }) => e.tenant === 'a')).toBe(true);
  });

  it('answers POST /v1/plans with 503 when no planner is installed, after validating the body', async () => {
    const bad = await t.req('POST', '/v1/plans', alice, { model: 'no-such-model', gpus: 8 });
    expect(bad.status).toBe(422);
    const r = await t.req('POST', '/v1/plans', alice, { model: 'llama3-8b', gpus: 8 });
    expect([200, 503]).toContain(r.status);
  });

  it('drains and undrains a site (admin only)', async () => {
    const no = await t.req('POST', '/v1/sites/atl/drain', alice);
    expect(no.status).toBe(403);
    const d = await t.req('POST', '/v1/sites/atl/drain', t.admin);
    expect(d.body.site).toMatchObject({ id: 'atl', drained: true });
    const u = await t.req('POST', '/v1/sites/atl/undrain', t.admin);
    expect(u.body.site.drained).toBe(false);
    expect((await t.req('POST', '/v1/sites/mars/drain', t.admin)).status).toBe(404);
  });
});

describe('security', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    const a = await t.req('GET', '/v1/jobs');
    expect(a.status).toBe(401);
    expect(a.body.errors[0]).toMatchObject({ path: 'authorization' });
    expect((await t.req('GET', '/v1/jobs', 'sf_not-a-token')).status).toBe(401);
    expect((await t.req('GET', '/v1/jobs', null, undefined, { authorization: 'Basic abc' })).status).toBe(401);
  });

  it('keeps tenants apart: B can neither read nor cancel nor list A’s jobs', async () => {
    const r = await t.req('POST', '/v1/jobs', alice, job({ name: 'secret', gpus: 16, priority: -10 }));
    const id = r.body.job.id;
    expect((await t.req('GET', `/v1/jobs/${id}`, bob)).status).toBe(403);
    expect((await t.req('DELETE', `/v1/jobs/${id}`, bob)).status).toBe(403);
    expect((await t.req('POST', `/v1/jobs/${id}/suspend`, bob)).status).toBe(403);
    expect((await t.req('GET', `/v1/jobs?tenant=a`, bob)).status).toBe(403);
    const own = await t.req('GET', '/v1/jobs', bob);
    expect(own.body.jobs.map((j: { id: string }) => j.id)).not.toContain(id);
    expect(own.body.jobs.every((j: { tenant: string }) => j.tenant === 'b')).toBe(true);
    expect((await t.req('GET', `/v1/jobs/${id}`, t.admin)).status).toBe(200);
    expect((await t.req('GET', '/v1/jobs/job_nope', alice)).status).toBe(404);
    await t.req('DELETE', `/v1/jobs/${id}`, alice);
  });

  it('lets viewers read but not submit or cancel', async () => {
    expect((await t.req('GET', '/v1/jobs', viewer)).status).toBe(200);
    expect((await t.req('POST', '/v1/jobs', viewer, job())).status).toBe(403);
    expect((await t.req('POST', '/v1/tenants', alice, { id: 'x' })).status).toBe(403);
  });

  it('enforces the tenant quota and jurisdictions whatever the client sends', async () => {
    const big = await t.req('POST', '/v1/jobs', alice, job({ gpus: 17 }));
    expect(big.status).toBe(422);
    expect(big.body.errors[0]).toMatchObject({ path: 'gpus' });
    expect(big.body.errors[0].hint).toMatch(/16/);
    const far = await t.req('POST', '/v1/jobs', bob, job({ allowedJurisdictions: ['US-GA'] }));
    expect(far.status).toBe(422);
    expect(far.body.errors[0].path).toBe('allowedJurisdictions');
    // without a list, b's jobs inherit US-WI and land only on wi
    const ok = await t.req('POST', '/v1/jobs', bob, job({ name: 'sovereign', gpus: 2 }));
    expect(ok.body.job.allowedJurisdictions).toEqual(['US-WI']);
    const placed = await waitFor(async () => {
      const g = await t.req('GET', `/v1/jobs/${ok.body.job.id}`, bob);
      return g.body.job.sites.length ? g : null;
    });
    expect(placed.body.job.sites).toEqual(['wi']);
  });

  it('validates every body field and answers 400 with path, message and hint', async () => {
    const r = await t.req('POST', '/v1/jobs', alice, { name: '', model: 5, gpus: -1, extra: true });
    expect(r.status).toBe(400);
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'model', 'gpus']));
    for (const e of r.body.errors) expect(e.hint).toBeTruthy();
    const none = await t.req('POST', '/v1/jobs', alice, { name: 'x', model: 'llama3-8b' });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].message).toMatch(/gpus or tokens/);
    const unknown = await t.req('POST', '/v1/jobs', alice, job({ model: 'gpt-9' }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].path).toBe('model');
    const malformed = await t.req('POST', '/v1/jobs', alice, '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].path).toBe('(body)');
  });

  it('refuses oversized bodies with 413', async () => {
    const r = await t.req('POST', '/v1/jobs', alice, job({ name: 'x'.repeat(70_000) }));
    expect(r.status).toBe(413);
    expect(r.body.errors[0].path).toBe('(body)');
  });

  it('rate-limits each token with a token bucket and answers 429 with Retry-After', async () => {
    const s = await startTestServer({ rateLimit: { perSecond: 1, burst: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await s.req('GET', '/v1/sites', s.admin)).status);
      expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
      expect(codes.slice(3)).toEqual([429, 429]);
      const r = await s.req('GET', '/v1/sites', s.admin);
      expect(r.headers.get('retry-after')).toBeTruthy();
    } finally {
      await s.close();
    }
  });

  it('never logs the bearer token', async () => {
    const lines: string[] = [];
    const { Writable } = await import('node:stream');
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const s = await startTestServer({ logger: { level: 'info', stream } });
    try {
      await s.req('GET', '/v1/sites', s.admin);
      await s.req('GET', '/v1/jobs', 'sf_wrong-secret-value');
      const all = lines.join('');
      expect(all).toContain('/v1/sites');
      expect(all).toContain('[redacted]');
      expect(all).not.toContain(s.admin);
      expect(all).not.toContain('sf_wrong-secret-value');
    } finally {
      await s.close();
    }
  });
});
