// The GPUs of a job being lent to a service are held for the replica once the job has let go of them (suspended at
// its checkpoint) and until the replica's row holds them: the scheduler applies the loan's hold (services/
// reservation.ts `loans`) only while the lending job is not active, so they are never counted twice nor given away.
// The hold is set here as the service manager's loans.ts sets it; the scheduler is the real one (twin executors).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reservationOf } from '../../src/control/services/reservation.js';
import { startTestServer, tenantToken, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

describe('a loan holds the lent GPUs in the scheduler', () => {
  let t: TestServer;
  let tok: string;
  const job = async (id: string): Promise<Json> => (await t.req('GET', `/v1/jobs/${id}`, tok)).body.job;
  const submit = async (name: string, gpus: number): Promise<string> => {
    const r = await t.req('POST', '/v1/jobs', tok, { name, model: 'llama3-8b', gpus, sites: ['atl'], tokens: 1e12 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.job.id;
  };
  const staysQueued = async (id: string, ms = 1500) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      expect((await job(id)).state).toBe('queued');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    t = await startTestServer();
    tok = await tenantToken(t, 'th', 'member');
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts the hold only once its job is not active, and frees the GPUs when it goes', async () => {
    const loans = reservationOf(t.store).loans;
    const lender = await submit('lender', 4);
    await waitFor(async () => (await job(lender)).state === 'running', 10_000);
    // the lender still runs (waiting for its checkpoint): its own placement counts, the hold does not
    loans.set(lender, { id: `loan:${lender}`, site: 'atl', tenantId: 'th', gpus: 4, lentBy: lender });
    const beside = await submit('beside', 4);
    await waitFor(async () => (await job(beside)).state === 'running', 10_000);
    // the lender is gone (as when suspended): now the hold keeps its 4 GPUs, a 4-GPU job waits
    expect((await t.req('DELETE', `/v1/jobs/${lender}`, tok)).status).toBe(200);
    const waiter = await submit('waiter', 4);
    await staysQueued(waiter);
    // the replica's row took over (the loan's hold goes): the GPUs are free again when no replica holds them
    loans.delete(lender);
    await waitFor(async () => (await job(waiter)).state === 'running', 10_000);
  }, 60_000);

  it('keeps a tenant’s opt-out from lending (lendToServices) and refuses a bad value naming the field', async () => {
    const c = await t.req('POST', '/v1/tenants', t.admin, { id: 'keep', lendToServices: false });
    expect(c.status).toBe(201);
    expect(c.body.tenant.lendToServices).toBe(false);
    expect((await t.req('GET', '/v1/tenants', t.admin)).body.tenants.find((x: Json) => x.id === 'keep')).toMatchObject({
      lendToServices: false,
    });
    const back = await t.req('PATCH', '/v1/tenants/keep', t.admin, { lendToServices: true });
    expect(back.status).toBe(200);
    expect(back.body.tenant.lendToServices).toBeUndefined();
    expect((await t.store.getTenant('keep'))?.lendToServices).toBeUndefined();
    const bad = await t.req('PATCH', '/v1/tenants/keep', t.admin, { lendToServices: 'no' });
    expect({ status: bad.status, path: bad.body.errors?.[0]?.path }).toEqual({ status: 400, path: 'lendToServices' });
    expect(bad.body.errors[0].hint).toMatch(/true or false/);
  });
});
