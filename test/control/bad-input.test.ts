// API bad input names the field the client sent: jurisdictions no site lies in, the planner's jurisdiction
// filter, duplicate or useless site lists, a budget no plan fits, and what-if dates that are not dates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPlanner } from '../../src/control/planner.js';
import { startTestServer, type TestServer } from './fixtures.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ planner: realPlanner });
});
afterAll(async () => {
  await t?.close();
});

describe('API bad input names the field', () => {
  it('POST /v1/jobs: jurisdictions with no site at all are an allowedJurisdictions error, not a command one', async () => {
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'x',
      model: 'llama3-8b',
      gpus: 4,
      allowedJurisdictions: ['XX-YY'],
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('allowedJurisdictions');
    expect(r.body.errors[0].hint).toMatch(/US-GA/);
  });

  it('GET /v1/jobs: an unknown site filter is a 400 on site, not an empty list', async () => {
    const r = await t.req('GET', '/v1/jobs?site=nope', t.admin);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ path: 'site', message: 'unknown site nope' });
    const known = await t.req('GET', `/v1/jobs?site=${encodeURIComponent('atl')}`, t.admin);
    expect(known.status).toBe(200);
  });

  it('POST /v1/plans: the jurisdiction filter is reported as allowedJurisdictions, and a budget no plan fits as gpus', async () => {
    const r = await t.req('POST', '/v1/plans', t.admin, { model: 'llama3-8b', allowedJurisdictions: ['XX'] });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('allowedJurisdictions');
    const dup = await t.req('POST', '/v1/plans', t.admin, { model: 'llama3-8b', sites: ['atl', 'atl'] });
    expect(dup.status).toBe(422);
    expect(dup.body.errors[0]).toMatchObject({ path: 'sites', message: expect.stringMatching(/more than once/) });
    const small = await t.req('POST', '/v1/plans', t.admin, { model: 'llama3-70b', gpus: 1 });
    expect(small.status).toBe(422);
    expect(small.body.errors[0]).toMatchObject({ path: 'gpus', message: expect.stringMatching(/budget of 1 GPUs/) });
  });

  it('POST /v1/explore/plans: cross-site strategies on one site say so instead of "no plan fits in memory"', async () => {
    const r = await t.req('POST', '/v1/explore/plans', t.admin, {
      model: 'llama3-8b',
      fabric: 'dgx-h100-ib',
      strategies: ['diloco'],
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('strategies');
    expect(r.body.errors[0].message).not.toMatch(/memory/);
  });

  it('POST /v1/whatif: a start that is not a calendar date is a 400 on start', async () => {
    const r = await t.req('POST', '/v1/whatif', t.admin, { mode: 'outage', site: 'atl', start: '2022-13-45' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ path: 'start', hint: expect.stringMatching(/2022-07-01/) });
    const feb = await t.req('POST', '/v1/whatif', t.admin, { mode: 'outage', site: 'atl', start: '2022-02-30' });
    expect(feb.status).toBe(400);
  });
});
