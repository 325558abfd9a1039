// Services across control-plane crashes, with real processes (test/control/main-for-tests.ts) and PyTorch replicas
// (examples/serve). The leader is killed with SIGKILL while its replicas run: they outlive it, and the next leader
// adopts them from the store (same replicas, same processes, health-checked again) instead of restarting them. With
// PostgreSQL, a second control-plane replica (a follower) routes generate calls to the leader's replicas, and takes
// them over when the leader dies. Skips with the reason when torch (or, for the second case, PostgreSQL) is absent.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TWO_SITES, type Json } from './fixtures.js';
import { freshPgDatabase, pgUnavailableReason, tempDir, waitFor } from './helpers.js';
import { api, spawnServer, writeConfig, type ServerProcess } from './process.js';
import { generate, replicaPgid, torchMissing } from './services-helpers.js';

const TOKEN = 'sf_services-crash-admin-token-0123456789';

const missing = torchMissing();
if (missing) console.warn(`[services crash] skipping: ${missing}`);
const pgSkip = missing ?? (await pgUnavailableReason());
if (pgSkip && !missing) console.warn(`[services crash] skipping the follower case: ${pgSkip}`);

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function setup(store: string) {
  const dir = tempDir('sf-svc-crash-');
  const runs = (site: string) => join(dir, 'runs', site);
  const cfg = await writeConfig(dir, 'server', {
    port: 0,
    store,
    fabric: TWO_SITES,
    adminToken: TOKEN,
    tickMs: 100,
    checkpointRoot: join(dir, 'ckpt'),
    sites: { atl: { executor: 'local', root: runs('atl') }, wi: { executor: 'local', root: runs('wi') } },
  });
  return { dir, runs, cfg };
}

/** Creates a two-replica service through `url` and waits for both replicas to be healthy. */
async function twoReplicas(url: string, runs: (site: string) => string) {
  const c = await api(url, 'POST', '/v1/services', TOKEN, {
    name: 'survivor',
    model: 'reference',
    slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
    minReplicas: 2,
  });
  expect(c.status).toBe(201);
  const id = (c.body as Json).service.id as string;
  const v = await waitFor(async () => {
    const s = await view(url, id);
    return s.replicas.filter((r: Json) => r.state === 'healthy').length === 2 ? s : null;
  }, 60_000);
  const pgids = v.replicas.map((r: Json) => replicaPgid(runs(r.site), r.runKey)) as number[];
  return { id, ids: v.replicas.map((r: Json) => r.id).sort() as string[], pgids };
}

const view = async (url: string, id: string): Promise<Json> =>
  ((await api(url, 'GET', `/v1/services/${id}`, TOKEN)).body as Json).service;
const healthyIds = (s: Json) =>
  s.replicas
    .filter((r: Json) => r.state === 'healthy')
    .map((r: Json) => r.id)
    .sort();

describe.skipIf(missing !== null)('services across a control-plane crash', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => {});
  });

  it('a restarted leader adopts the replicas the dead one left: same processes, serving', async () => {
    const { dir, runs, cfg } = await setup(join(tempDir('sf-svc-db-'), 'control.db'));
    expect(dir).toBeTruthy();
    const s1 = await spawnServer(cfg);
    servers.push(s1);
    const { id, ids, pgids } = await twoReplicas(s1.url, runs);
    await s1.kill9();
    expect(pgids.every(alive)).toBe(true); // the replicas outlived their control plane
    const s2 = await spawnServer(cfg);
    servers.push(s2);
    await waitFor(async () => (await api(s2.url, 'GET', '/healthz', null)).body.leader === true, 30_000);
    // a few ticks as leader: the adopted replicas pass their health checks and stay
    await new Promise((r) => setTimeout(r, 1500));
    expect(healthyIds(await view(s2.url, id))).toEqual(ids);
    expect(pgids.every(alive)).toBe(true);
    const g = await generate(s2.url, TOKEN, id, { prompt: 'after the crash', maxTokens: 5 });
    expect(g.status).toBe(200);
    expect(g.tokens).toHaveLength(5);
  }, 150_000);

  it.skipIf(pgSkip !== null)(
    'a follower routes to the leader’s replicas and takes them over when it dies',
    async () => {
      const db = await freshPgDatabase('sf_svc');
      try {
        const { runs, cfg } = await setup(db.url);
        const s1 = await spawnServer(cfg);
        servers.push(s1);
        await waitFor(async () => (await api(s1.url, 'GET', '/healthz', null)).body.leader === true, 30_000);
        const s2 = await spawnServer(cfg);
        servers.push(s2);
        const { id, ids, pgids } = await twoReplicas(s1.url, runs);
        expect((await api(s2.url, 'GET', '/healthz', null)).body.leader).toBe(false);
        await waitFor(async () => healthyIds(await view(s2.url, id)).length === 2, 10_000);
        const viaFollower = await generate(s2.url, TOKEN, id, { prompt: 'through the follower', maxTokens: 4 });
        expect(viaFollower.status).toBe(200);
        expect(viaFollower.tokens).toHaveLength(4);
        await s1.kill9();
        await waitFor(async () => (await api(s2.url, 'GET', '/healthz', null)).body.leader === true, 30_000);
        await new Promise((r) => setTimeout(r, 1500));
        expect(healthyIds(await view(s2.url, id))).toEqual(ids);
        expect(pgids.every(alive)).toBe(true);
        expect((await generate(s2.url, TOKEN, id, { prompt: 'new leader', maxTokens: 4 })).status).toBe(200);
      } finally {
        for (const s of servers.splice(0)) await s.stop().catch(() => {});
        await db.drop();
      }
    },
    180_000,
  );
});
