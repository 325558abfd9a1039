// Several replicas on one PostgreSQL: exactly one leader schedules; when it is killed (-9) another
// takes over within 10 s and keeps scheduling. Two real server processes, real PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { freshPgDatabase, pgUnavailableReason, tempDir, waitFor } from './helpers.js';
import { api, spawnServer, writeConfig, type ServerProcess } from './process.js';
import { TWO_SITES } from './fixtures.js';

const skip = await pgUnavailableReason();
if (skip) console.log(`[leader election] skipping: ${skip}`);

const TOKEN = 'sf_leader-test-admin-token-0123456789';
const procs: ServerProcess[] = [];
let drop: (() => Promise<void>) | null = null;
afterAll(async () => {
  for (const p of procs) await p.kill9();
  await drop?.();
});

describe.skipIf(skip !== null)('leader election on PostgreSQL', () => {
  it('elects one leader among two replicas and fails over within 10 s after kill -9', async () => {
    const db = await freshPgDatabase('sf_leader');
    drop = db.drop;
    const dir = tempDir('sf-leader-');
    const base = {
      port: 0,
      store: db.url,
      fabric: TWO_SITES,
      adminToken: TOKEN,
      tickMs: 100,
      leaseTtlMs: 3000,
      checkpointRoot: join(dir, 'ckpt'),
      sites: { '*': { executor: 'twin', speedup: 1, checkpointEveryS: 1 } },
    };
    const a = await spawnServer(await writeConfig(dir, 'a', { ...base, replicaId: 'replica-a' }));
    procs.push(a);
    const b = await spawnServer(await writeConfig(dir, 'b', { ...base, replicaId: 'replica-b' }));
    procs.push(b);
    const health = async (p: ServerProcess) =>
      (await api(p.url, 'GET', '/healthz', null)).body as { leader: boolean; store: string };
    await waitFor(async () => (await health(a)).leader !== (await health(b)).leader, 10_000);
    const [leader, follower] = (await health(a)).leader ? [a, b] : [b, a];
    expect((await health(follower)).store).toBe('postgres');
    // the follower serves the API; the leader schedules
    const j1 = await api(follower.url, 'POST', '/v1/jobs', TOKEN, { name: 'before', model: 'llama3-8b', gpus: 4 });
    expect(j1.status).toBe(201);
    await waitFor(
      async () => (await api(follower.url, 'GET', `/v1/jobs/${j1.body.job.id}`, TOKEN)).body.job.state === 'running',
      10_000,
    );

    const killedAt = Date.now();
    await leader.kill9();
    await waitFor(async () => (await health(follower)).leader, 12_000, 100);
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(10_000);
    const j2 = await api(follower.url, 'POST', '/v1/jobs', TOKEN, { name: 'after', model: 'llama3-8b', gpus: 4 });
    await waitFor(
      async () => (await api(follower.url, 'GET', `/v1/jobs/${j2.body.job.id}`, TOKEN)).body.job.state === 'running',
      10_000,
    );
    const ev = await api(follower.url, 'GET', '/v1/events?limit=1000', TOKEN);
    const elected = ev.body.events.filter((e: { type: string }) => e.type === 'leader.elected');
    expect(elected.length).toBe(2);
    expect(elected[1].data.term).toBeGreaterThan(elected[0].data.term);
    console.log(`[leader election] new leader after ${tookOverMs} ms`);
  }, 60_000);
});
