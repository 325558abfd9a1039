// Cost and energy per job and per tenant over real HTTP (twin executor, the two-site test fabric with the
// shipped 2022 grid series): GET /v1/jobs/:id `usage`, GET /v1/usage per tenant for a period with quota,
// GPUs in use and queue, tenant isolation, and bad periods named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUSY_POWER_FRACTION } from '../../src/core/power.js';
import { startTestServer, tenantToken, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
let alice: string; // member of tenant a (quota 16)
let bob: string; // member of tenant b
let jobId = '';
let queuedId = '';
let runningSince = 0;
beforeAll(async () => {
  t = await startTestServer();
  alice = await tenantToken(t, 'a', 'member', { quotaGpus: 16 });
  bob = await tenantToken(t, 'b', 'member');
  const body = { model: 'llama3-8b', gpus: 8, tokens: 1e15, sites: ['atl'] };
  const r = await t.req('POST', '/v1/jobs', alice, { name: 'counted', ...body });
  jobId = r.body.job.id;
  await waitFor(async () => (await t.req('GET', `/v1/jobs/${jobId}`, alice)).body.job.state === 'running');
  runningSince = Date.now();
  // atl is full: this one waits in a's queue
  queuedId = (await t.req('POST', '/v1/jobs', alice, { name: 'waits', ...body })).body.job.id;
  await new Promise((r) => setTimeout(r, 1500));
});
afterAll(async () => {
  await t?.close();
});

/** Busy facility W per GPU of site atl: its pod's rated system W x PUE x the busy fraction (docs/sources.md). */
const atlBusyW = () => {
  const s = t.server.cp.fabric.sites.find((x) => x.id === 'atl')!;
  return s.pods[0].system.systemPowerPerGpuW * s.pue * DEFAULT_BUSY_POWER_FRACTION;
};

describe('usage of a job', () => {
  it('GET /v1/jobs/:id: GPU-hours of the time it has run, energy at busy power, cost and emissions', async () => {
    const before = Date.now();
    const u = (await t.req('GET', `/v1/jobs/${jobId}`, alice)).body.job.usage as Json;
    const ranS = (Date.now() - runningSince) / 1000;
    // 8 GPUs for the seconds since it was seen running (it started a little before)
    expect(u.gpuHours).toBeGreaterThanOrEqual((8 * 1.4) / 3600);
    expect(u.gpuHours).toBeLessThanOrEqual((8 * (ranS + 2)) / 3600);
    expect(u.energyMWh).toBeCloseTo((u.gpuHours * atlBusyW()) / 1e6, 12);
    expect(u.costUsd).toBeGreaterThan(0);
    expect(u.emissionsKgCO2e).toBeGreaterThan(0);
    // USD/MWh and g/kWh of a US grid in 2022: between 1 and 2,000 USD/MWh, 10 and 1,500 g/kWh
    expect(u.costUsd / u.energyMWh).toBeGreaterThan(1);
    expect(u.costUsd / u.energyMWh).toBeLessThan(2000);
    expect((u.emissionsKgCO2e * 1000) / (u.energyMWh * 1000)).toBeGreaterThan(10);
    expect(Date.parse(u.to)).toBeGreaterThanOrEqual(before - 1000);
    const q = (await t.req('GET', `/v1/jobs/${queuedId}`, alice)).body.job.usage as Json;
    expect(q).toMatchObject({ gpuHours: 0, energyMWh: 0, costUsd: 0 });
  });
});

describe('GET /v1/usage', () => {
  it("a tenant's quota, GPUs in use, queue, and its jobs' figures summed", async () => {
    const r = await t.req('GET', '/v1/usage', alice);
    expect(r.status).toBe(200);
    expect(r.body.method).toContain('PUE');
    expect(r.body.tenants).toHaveLength(1);
    const a = r.body.tenants[0] as Json;
    expect(a).toMatchObject({
      tenant: 'a',
      quotaGpus: 16,
      activeGpus: 8,
      queue: { jobs: 1, gpus: 8 },
      truncated: false,
    });
    expect(a.jobs.map((j: Json) => j.id)).toEqual([jobId]);
    expect(a.jobs[0]).toMatchObject({ name: 'counted', sites: ['atl'], gpus: 8 });
    expect(a.totals.energyMWh).toBeCloseTo(a.jobs[0].energyMWh, 12);
    expect(a.totals.costUsd).toBeCloseTo(a.jobs[0].costUsd, 12);
    expect(Date.parse(r.body.to) - Date.parse(r.body.from)).toBe(24 * 3_600_000);
  });

  it('counts only the period asked for', async () => {
    const now = Date.now();
    const all = (await t.req('GET', '/v1/usage', alice)).body.tenants[0].totals.gpuHours as number;
    const half = new Date(now - 1000).toISOString();
    const last = (await t.req('GET', `/v1/usage?from=${half}`, alice)).body.tenants[0];
    expect(last.totals.gpuHours).toBeLessThan(all);
    expect(last.totals.gpuHours).toBeGreaterThan(0);
    const before = new Date(runningSince - 60_000).toISOString();
    const early = new Date(runningSince - 30_000).toISOString();
    const none = (await t.req('GET', `/v1/usage?from=${before}&to=${early}`, alice)).body.tenants[0];
    expect(none.jobs).toEqual([]);
    expect(none.totals.gpuHours).toBe(0);
  });

  it('operators see every tenant; others only their own; bad periods are named', async () => {
    const ops = (await t.req('GET', '/v1/usage', t.admin)).body.tenants.map((x: Json) => x.tenant);
    expect(ops).toEqual(expect.arrayContaining(['a', 'b', 'system']));
    const one = (await t.req('GET', '/v1/usage?tenant=b', t.admin)).body.tenants;
    expect(one.map((x: Json) => x.tenant)).toEqual(['b']);
    expect(one[0]).toMatchObject({ activeGpus: 0, jobs: [], totals: { gpuHours: 0 } });
    expect((await t.req('GET', '/v1/usage?tenant=a', bob)).status).toBe(403);
    expect((await t.req('GET', '/v1/usage?tenant=nobody', t.admin)).status).toBe(404);
    const bad = await t.req('GET', '/v1/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', alice);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('from');
    const notDate = await t.req('GET', '/v1/usage?from=yesterday', alice);
    expect(notDate.status).toBe(400);
    expect(notDate.body.errors[0].path).toBe('from');
  });
});
