// Security over real HTTP (issue 13): tenant-scoped roles (every escalation found by the attacker
// session), the audit log, and bounded event streams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tenantToken, type TestServer } from './fixtures.js';

let t: TestServer;
let taAdmin: string; // admin of ordinary tenant ta
let taMember: string;
let taViewer: string;
let tbMember: string;
let tbJob: string;

const job = (name: string) => ({ name, model: 'llama3-8b', gpus: 16, priority: -100 }); // 16 > 8 per site: stays queued

beforeAll(async () => {
  t = await startTestServer({ schedule: false });
  taAdmin = await tenantToken(t, 'ta', 'admin');
  taMember = await tenantToken(t, 'ta', 'member');
  taViewer = await tenantToken(t, 'ta', 'viewer');
  tbMember = await tenantToken(t, 'tb', 'member', { quotaGpus: 32 });
  const r = await t.req('POST', '/v1/jobs', tbMember, job('tb-job'));
  expect(r.status).toBe(201);
  tbJob = r.body.job.id;
});
afterAll(async () => {
  await t?.close();
});

describe('a tenant admin acts only on its own tenant', () => {
  it("cannot read, cancel, suspend or resume another tenant's job", async () => {
    expect((await t.req('GET', `/v1/jobs/${tbJob}`, taAdmin)).status).toBe(403);
    expect((await t.req('DELETE', `/v1/jobs/${tbJob}`, taAdmin)).status).toBe(403);
    expect((await t.req('POST', `/v1/jobs/${tbJob}/suspend`, taAdmin)).status).toBe(403);
    expect((await t.req('POST', `/v1/jobs/${tbJob}/resume`, taAdmin)).status).toBe(403);
    expect((await t.req('GET', `/v1/jobs/${tbJob}/events`, taAdmin)).status).toBe(403);
    expect((await t.req('GET', `/v1/jobs/${tbJob}`, tbMember)).body.job.state).toBe('queued');
  });

  it("lists only its own tenant's jobs and events", async () => {
    const own = await t.req('POST', '/v1/jobs', taMember, job('ta-job'));
    expect(own.status).toBe(201);
    const all = await t.req('GET', '/v1/jobs', taAdmin);
    expect(all.status).toBe(200);
    expect(all.body.jobs.map((j: { id: string }) => j.id)).toContain(own.body.job.id);
    expect(all.body.jobs.every((j: { tenant: string }) => j.tenant === 'ta')).toBe(true);
    expect((await t.req('GET', '/v1/jobs?tenant=tb', taAdmin)).status).toBe(403);
    const ev = await t.req('GET', '/v1/events?limit=1000', taAdmin);
    expect(ev.body.events.length).toBeGreaterThan(0);
    expect(ev.body.events.every((e: { tenant: string | null }) => e.tenant === 'ta')).toBe(true);
    // its own tenant's jobs it may cancel
    expect((await t.req('DELETE', `/v1/jobs/${own.body.job.id}`, taAdmin)).status).toBe(200);
  });

  it('sees only its own tenant in the tenant list and changes no quota', async () => {
    const l = await t.req('GET', '/v1/tenants', taAdmin);
    expect(l.status).toBe(200);
    expect(l.body.tenants.map((x: { id: string }) => x.id)).toEqual(['ta']);
    const q = await t.req('PATCH', '/v1/tenants/tb', taAdmin, { quotaGpus: 100_000 });
    expect(q.status).toBe(403);
    expect(q.body.errors[0].path).toBe('authorization');
    expect((await t.req('PATCH', '/v1/tenants/ta', taAdmin, { quotaGpus: 100_000 })).status).toBe(403);
    expect((await t.req('POST', '/v1/tenants', taAdmin, { id: 'tc' })).status).toBe(403);
    const tb = (await t.req('GET', '/v1/tenants', t.admin)).body.tenants.find((x: { id: string }) => x.id === 'tb');
    expect(tb.quotaGpus).toBe(32);
  });

  it('cannot drain, undrain or heartbeat a site', async () => {
    for (const path of ['/v1/sites/atl/drain', '/v1/sites/atl/undrain', '/v1/sites/atl/heartbeat'])
      expect((await t.req('POST', path, taAdmin)).status, path).toBe(403);
    const s = await t.req('GET', '/v1/sites', taAdmin);
    expect(s.body.sites.find((x: { id: string }) => x.id === 'atl').drained).toBe(false);
  });

  it('cannot mint a token for the system tenant or another tenant', async () => {
    for (const [tenant, role] of [
      ['system', 'admin'],
      ['system', 'viewer'],
      ['tb', 'admin'],
      ['tb', 'member'],
    ]) {
      const r = await t.req('POST', `/v1/tenants/${tenant}/tokens`, taAdmin, { role });
      expect(r.status, `${tenant}/${role}`).toBe(403);
      expect(r.body.token).toBeUndefined();
    }
  });

  it("mints its own tenant's tokens up to its own role, which then work only there", async () => {
    const m = await t.req('POST', '/v1/tenants/ta/tokens', taAdmin, { role: 'member' });
    expect(m.status).toBe(201);
    const a = await t.req('POST', '/v1/tenants/ta/tokens', taAdmin, { role: 'admin' });
    expect(a.status).toBe(201);
    expect((await t.req('GET', '/v1/whoami', a.body.token)).body).toMatchObject({ tenant: 'ta', role: 'admin' });
    expect((await t.req('GET', `/v1/jobs/${tbJob}`, a.body.token)).status).toBe(403);
  });
});

describe('members and viewers mint nothing', () => {
  it('refuses a member or viewer issuing any token, above all a higher role', async () => {
    for (const [tok, role] of [
      [taMember, 'admin'],
      [taMember, 'member'],
      [taViewer, 'viewer'],
      [taViewer, 'admin'],
    ] as const) {
      const r = await t.req('POST', '/v1/tenants/ta/tokens', tok, { role });
      expect(r.status, role).toBe(403);
    }
    expect((await t.req('GET', '/v1/tenants', taMember)).status).toBe(403);
  });
});

describe('a platform operator (admin of the system tenant)', () => {
  it('manages sites, tenants and quotas and acts on every tenant, each action in the audit log', async () => {
    expect((await t.req('POST', '/v1/sites/wi/drain', t.admin)).status).toBe(200);
    expect((await t.req('POST', '/v1/sites/wi/undrain', t.admin)).status).toBe(200);
    expect((await t.req('PATCH', '/v1/tenants/tb', t.admin, { quotaGpus: 64 })).body.tenant.quotaGpus).toBe(64);
    expect((await t.req('GET', `/v1/jobs/${tbJob}`, t.admin)).status).toBe(200);
    expect((await t.req('DELETE', `/v1/jobs/${tbJob}`, t.admin)).body.job.state).toBe('cancelled');

    const log = await t.req('GET', '/v1/audit?limit=1000', t.admin);
    expect(log.status).toBe(200);
    const types = log.body.events.map((e: { type: string }) => e.type);
    for (const ty of [
      'audit.tenant.create',
      'audit.token.create',
      'audit.site.drain',
      'audit.site.undrain',
      'audit.tenant.update',
      'audit.job.cancel',
    ])
      expect(types, ty).toContain(ty);
    const cancel = log.body.events.find(
      (e: { type: string; job: string }) => e.type === 'audit.job.cancel' && e.job === tbJob,
    );
    expect(cancel).toMatchObject({ job: tbJob, tenant: 'tb', data: { actor: { tenant: 'system', role: 'admin' } } });
    expect(Date.parse(cancel.at)).toBeGreaterThan(0);
    const minted = log.body.events.filter(
      (e: { type: string; data: { actor: { tenant: string } } }) =>
        e.type === 'audit.token.create' && e.data.actor.tenant === 'ta',
    );
    expect(minted.length, "the tenant admin's own mints are audited").toBeGreaterThanOrEqual(2);
    expect((await t.req('GET', '/v1/audit', taAdmin)).status).toBe(403);
  });
});

describe('event streams', () => {
  const open = (token: string, query = '') => {
    const ctrl = new AbortController();
    const res = fetch(`${t.url}/v1/events/stream${query}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ctrl.signal,
    });
    return { res, close: () => ctrl.abort() };
  };

  it('caps the streams one token holds open (429 in the common form), and frees the slot on close', async () => {
    const streams = [0, 1, 2, 3].map(() => open(taViewer));
    const ok = await Promise.all(streams.map((s) => s.res));
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const fifth = await t.req('GET', '/v1/events/stream', taViewer);
    expect(fifth.status).toBe(429);
    expect(fifth.body.errors[0]).toMatchObject({
      path: 'authorization',
      message: expect.stringMatching(/4 event streams/),
    });
    const other = open(taMember);
    expect((await other.res).status, 'another token is not affected').toBe(200);
    other.close();
    streams[0].close();
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const s = open(taViewer);
      again = (await s.res).status;
      s.close();
    }
    expect(again).toBe(200);
    for (const s of streams) s.close();
  });

  it('replays a resumed stream from the given position, starting live at the tail without one', async () => {
    const first = (await t.req('GET', '/v1/events?limit=1', taAdmin)).body.events[0];
    const s = open(taAdmin, `?after=${first.seq - 1}`);
    const res = await s.res;
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(`id: ${first.seq}\n`)) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain(': connected');
    s.close();
  });
});
