// GET /v1/tenants/:id/tokens shows each token's last use over real HTTP: null before the first request, the
// time of a request after it, throttled (a burst of requests writes once), and the CLI lists it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tenantToken, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ tokenUseEveryMs: 60_000 });
});
afterAll(async () => {
  await t?.close();
});

const tokensOf = async (tenant: string) =>
  (await t.req('GET', `/v1/tenants/${tenant}/tokens`, t.admin)).body.tokens as Json[];

describe('token last use', () => {
  it('is null until used, then the time of the first request, written once for a burst', async () => {
    const before = Date.now();
    const bob = await tenantToken(t, 'b', 'member');
    const [fresh] = await tokensOf('b');
    expect(fresh.lastUsedAt).toBeNull();
    const touch = t.store.touchToken.bind(t.store);
    let writes = 0;
    t.store.touchToken = (id, at) => {
      if (id === fresh.id) writes++;
      return touch(id, at);
    };
    for (let i = 0; i < 50; i++) expect((await t.req('GET', '/v1/whoami', bob)).status).toBe(200);
    await waitFor(async () => (await tokensOf('b'))[0].lastUsedAt !== null);
    const used = Date.parse((await tokensOf('b'))[0].lastUsedAt);
    expect(used).toBeGreaterThanOrEqual(before);
    expect(used).toBeLessThanOrEqual(Date.now());
    expect(writes).toBe(1);
  });
});
