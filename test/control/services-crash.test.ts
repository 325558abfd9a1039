// A control plane killed with SIGKILL while its service's replicas run: the replica processes outlive it (their
// ports are known only to the dead process), so the restarted leader stops them and starts new replicas, which
// serve again. Real processes: the server (test/control/main-for-tests.ts) and PyTorch replicas (examples/serve).
// Skips with the reason when /usr/bin/python3 cannot import torch.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TWO_SITES, type Json } from './fixtures.js';
import { tempDir, waitFor } from './helpers.js';
import { api, spawnServer, writeConfig, type ServerProcess } from './process.js';
import { generate, replicaPgid } from './services-helpers.js';

const TOKEN = 'sf_services-crash-admin-token-0123456789';

function torchMissing(): string | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return null;
  } catch {
    return '/usr/bin/python3 cannot import torch: apt-get install python3-torch';
  }
}
const missing = torchMissing();
if (missing) console.warn(`[services crash] skipping: ${missing}`);

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(missing !== null)('services across a control-plane crash', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => {});
  });

  it('stops the replicas the dead leader left and serves from new ones', async () => {
    const dir = tempDir('sf-svc-crash-');
    const runs = (site: string) => join(dir, 'runs', site);
    const cfg = await writeConfig(dir, 'server', {
      port: 0,
      store: join(dir, 'control.db'),
      fabric: TWO_SITES,
      adminToken: TOKEN,
      tickMs: 100,
      checkpointRoot: join(dir, 'ckpt'),
      sites: { atl: { executor: 'local', root: runs('atl') }, wi: { executor: 'local', root: runs('wi') } },
    });
    const s1 = await spawnServer(cfg);
    servers.push(s1);
    const c = await api(s1.url, 'POST', '/v1/services', TOKEN, {
      name: 'survivor',
      model: 'reference',
      slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
      minReplicas: 2,
    });
    expect(c.status).toBe(201);
    const id = (c.body as Json).service.id;
    const view = async (url: string): Promise<Json> =>
      ((await api(url, 'GET', `/v1/services/${id}`, TOKEN)).body as Json).service;
    const first = await waitFor(async () => {
      const v = await view(s1.url);
      return v.replicas.filter((r: Json) => r.state === 'healthy').length === 2 ? v : null;
    }, 60_000);
    const old = first.replicas.map((r: Json) => replicaPgid(runs(r.site), r.runKey));
    await s1.kill9();
    expect(old.every(alive)).toBe(true); // the replicas outlived their control plane

    const s2 = await spawnServer(cfg);
    servers.push(s2);
    const next = await waitFor(async () => {
      const v = await view(s2.url);
      const fresh = v.replicas.filter((r: Json) => r.state === 'healthy');
      return fresh.length === 2 && !old.some(alive) ? v : null;
    }, 60_000);
    const oldIds = new Set(first.replicas.map((r: Json) => r.id));
    expect(next.replicas.some((r: Json) => oldIds.has(r.id))).toBe(false);
    const g = await generate(s2.url, TOKEN, id, { prompt: 'after the crash', maxTokens: 5 });
    expect(g.status).toBe(200);
    expect(g.tokens).toHaveLength(5);
  }, 150_000);
});
