// POST /v1/jobs with `sites` over real HTTP: placement only on those sites, unknown sites and an empty
// intersection with the jurisdictions refused with 422 naming the field, and the retry check covering sites.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const body = { name: 'pinned', model: 'llama3-8b', gpus: 8, tokens: 1e13 };

describe('POST /v1/jobs sites', () => {
  it('places a job only on the sites given, even when another is free', async () => {
    // atl is the first site: without sites, an 8-GPU job on an empty fabric would go there
    const r = await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['wi'] });
    expect(r.status).toBe(201);
    expect(r.body.job.allowedSites).toEqual(['wi']);
    const job = await waitFor(async () => {
      const j = (await t.req('GET', `/v1/jobs/${r.body.job.id}`, t.admin)).body.job;
      return j.state === 'running' ? j : null;
    });
    expect(job.sites).toEqual(['wi']);
    // a second job for wi waits although atl is free
    const w = await t.req('POST', '/v1/jobs', t.admin, { ...body, name: 'waits', sites: ['wi'] });
    await new Promise((res) => setTimeout(res, 600)); // several scheduler ticks (100 ms)
    expect((await t.req('GET', `/v1/jobs/${w.body.job.id}`, t.admin)).body.job.state).toBe('queued');
  });

  it('refuses unknown sites and sites outside the jurisdictions with 422 naming the field', async () => {
    const u = await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['wi', 'mars', 'venus'] });
    expect(u.status).toBe(422);
    expect(u.body.errors[0]).toMatchObject({ path: 'sites', message: 'unknown sites mars, venus' });
    expect(u.body.errors[0].hint).toContain('atl, wi');
    const none = await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['atl'], allowedJurisdictions: ['US-WI'] });
    expect(none.status).toBe(422);
    expect(none.body.errors[0].message).toContain('sites atl');
    const dup = await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['wi', 'wi'] });
    expect(dup.status).toBe(400);
    expect(dup.body.errors[0].path).toBe('sites');
  });

  it('an Idempotency-Key retried with other sites is a different body (422)', async () => {
    const key = { 'idempotency-key': 'pinned-retry' };
    const a = await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['atl'] }, key);
    expect(a.status).toBe(201);
    expect((await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['atl'] }, key)).status).toBe(200);
    const b = await t.req('POST', '/v1/jobs', t.admin, { ...body, sites: ['wi'] }, key);
    expect(b.status).toBe(422);
    expect(b.body.errors[0].path).toBe('idempotency-key');
  });
});
