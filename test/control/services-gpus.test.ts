// Service replicas hold GPUs in the live scheduler (issue 15, "training and serving share sites"): a real server, the
// local executor on the two 8-GPU sites of the fixture fabric, examples/serve/serve.py replicas of 4 GPUs each. A job
// that fits only without the replicas waits; scaling the service down lets it start; the tenant's quota counts its
// jobs and its replicas both (a job held, a replica deferred with its reason on GET /v1/services/:id).
// Skips with the reason when /usr/bin/python3 cannot import torch (CI installs Debian's python3-torch).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tenantToken, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';
import { torchMissing } from './services-helpers.js';

const missing = torchMissing();
if (missing) console.warn(`[services-gpus] skipping: ${missing}`);

const SLO = { ttftP99Ms: 3000, tpotP99Ms: 1000 };
const QUOTA_GPUS = 12;

describe.skipIf(missing !== null)('service replicas hold GPUs in the job scheduler', () => {
  let t: TestServer;
  let tok: string;
  const job = async (id: string): Promise<Json> => (await t.req('GET', `/v1/jobs/${id}`, tok)).body.job;
  const service = async (id: string): Promise<Json> => (await t.req('GET', `/v1/services/${id}`, tok)).body.service;
  const submit = async (name: string, gpus: number, jurisdiction: string): Promise<string> => {
    const r = await t.req('POST', '/v1/jobs', tok, {
      name,
      model: 'llama3-8b',
      gpus,
      command: ['sleep', '120'],
      allowedJurisdictions: [jurisdiction],
    });
    expect(r.status).toBe(201);
    return r.body.job.id;
  };
  /** The job is still queued after `ms` (the scheduler ticks every 100 ms: many passes). */
  const staysQueued = async (id: string, ms = 2000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      expect((await job(id)).state).toBe('queued');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    t = await startTestServer({ executor: 'local' });
    tok = await tenantToken(t, 'tg', 'member', { quotaGpus: QUOTA_GPUS });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('a job waits for GPUs the replicas hold, starts after a scale-down, and the quota counts both', async () => {
    // two 4-GPU replicas fill atl (8 GPUs)
    const c = await t.req('POST', '/v1/services', tok, {
      name: 'atl-svc',
      model: 'reference',
      slo: SLO,
      allowedSites: ['atl'],
      gpusPerReplica: 4,
      minReplicas: 2,
      maxReplicas: 2,
    });
    expect(c.status).toBe(201);
    const svc = c.body.service.id;
    await waitFor(async () => (await t.store.listReplicas(svc)).length === 2, 20_000);

    // 8 (replicas) + 4 fits the 12-GPU quota, and atl's 8 GPUs would take it if the replicas did not count
    const a = await submit('needs-atl', 4, 'US-GA');
    await staysQueued(a);

    const down = await t.req('PATCH', `/v1/services/${svc}`, tok, { minReplicas: 1, maxReplicas: 1 });
    expect(down.status).toBe(200);
    const running = await waitFor(async () => {
      const j = await job(a);
      return j.state === 'running' ? j : null;
    }, 20_000);
    expect(running.sites).toEqual(['atl']);
    expect((await t.store.listReplicas(svc)).length).toBe(1);

    // atl is full again (one replica + the job): a second replica is deferred, with the reason on the service
    const up = await t.req('PATCH', `/v1/services/${svc}`, tok, { minReplicas: 2, maxReplicas: 2 });
    expect(up.status).toBe(200);
    const deferred = await waitFor(async () => {
      const s = await service(svc);
      return /deferred: no site has 4 free GPU/.test(s.scaling ?? '') ? s : null;
    }, 10_000);
    expect(deferred.scaling).toMatch(/atl 0/);
    expect((await t.store.listReplicas(svc)).length).toBe(1);

    // quota: the tenant uses 4 (job) + 4 (replica) = 8 of 12. A 6-GPU job on the empty site wi is held by the quota
    // (it would fit 4 + 6 without the replica), and a 5-GPU replica on wi is deferred by the quota, not by wi's GPUs.
    const b = await submit('quota-held', 6, 'US-WI');
    await staysQueued(b);
    const w = await t.req('POST', '/v1/services', tok, {
      name: 'wi-svc',
      model: 'reference',
      slo: SLO,
      allowedSites: ['wi'],
      gpusPerReplica: 5,
      minReplicas: 1,
      maxReplicas: 1,
    });
    expect(w.status).toBe(201);
    const quotaDeferred = await waitFor(async () => {
      const s = await service(w.body.service.id);
      return /deferred: tenant tg uses 8 of its 12 GPU quota/.test(s.scaling ?? '') ? s : null;
    }, 10_000);
    expect(quotaDeferred.replicas).toEqual([]);

    // both services go (wi's first, so that it cannot take wi's GPUs): the quota frees 4 GPUs and the 6-GPU job
    // starts on wi (4 + 6 = 10 <= 12)
    expect((await t.req('DELETE', `/v1/services/${w.body.service.id}`, tok)).status).toBe(200);
    expect((await t.req('DELETE', `/v1/services/${svc}`, tok)).status).toBe(200);
    const started = await waitFor(async () => {
      const j = await job(b);
      return j.state === 'running' ? j : null;
    }, 20_000);
    expect(started.sites).toEqual(['wi']);
  }, 120_000);
});
