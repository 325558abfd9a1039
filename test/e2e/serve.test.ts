// Serve across sites for real: replicas of the reference model (examples/serve/serve.py, PyTorch) on the local
// executors of two sites, requests over loopback through the control plane's router. A site is lost (its replica
// killed with SIGKILL and its executor unreachable: the run folder is gone, so the heartbeat fails): the test
// measures how soon requests from that site's users are served elsewhere and how soon the service is back to its
// replica count on the sites left. Then load drives the autoscaler up, and its end brings it down again (the
// hysteresis window), and the CLI lists the service and streams a generation.
// Skips with the reason when /usr/bin/python3 cannot import torch (CI installs Debian's python3-torch).
import { spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, replicaPgid } from '../control/services-helpers.js';
import { startTestServer, tenantToken, type Json, type TestServer } from '../control/fixtures.js';
import { waitFor } from '../control/helpers.js';
import { torchMissing } from './netns/index.js';

const missing = torchMissing();
if (missing) console.warn(`[e2e serve] skipping: ${missing}`);

/** The real CLI in a child process, without blocking this process (the server under test runs in it). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(missing !== null)('serve across sites', () => {
  let t: TestServer;
  let member: string;
  const view = async (id: string): Promise<Json> => (await t.req('GET', `/v1/services/${id}`, member)).body.service;
  const healthy = (s: Json) => s.replicas.filter((r: Json) => r.state === 'healthy');

  beforeAll(async () => {
    t = await startTestServer({ executor: 'local' });
    member = await tenantToken(t, 'ta', 'member');
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('reroutes within seconds when a site is lost and restores the replica count on the sites left', async () => {
    const c = await t.req('POST', '/v1/services', member, {
      name: 'chat',
      model: 'reference',
      slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
      minReplicas: 2,
      maxReplicas: 2,
    });
    expect(c.status).toBe(201);
    const id = c.body.service.id;
    const s = await waitFor(async () => {
      const v = await view(id);
      return healthy(v).length === 2 ? v : null;
    }, 60_000);
    expect((await generate(t.url, member, id, { prompt: 'warm', maxTokens: 4, origin: 'atl' })).done.site).toBe('atl');

    // site atl is lost: its replica dies and its executor can no longer be reached
    const atl = s.replicas.find((r: Json) => r.site === 'atl');
    const root = join(t.dir, 'runs', 'atl');
    const pgid = replicaPgid(root, atl.runKey);
    const t0 = Date.now();
    process.kill(-pgid, 'SIGKILL');
    renameSync(root, `${root}.lost`);
    const r = await generate(t.url, member, id, { prompt: 'are you there', maxTokens: 8, origin: 'atl' });
    const rerouteMs = Date.now() - t0;
    expect(r.status).toBe(200);
    expect(r.done.site).toBe('wi');
    expect(r.tokens).toHaveLength(8);
    expect(rerouteMs).toBeLessThan(5000);
    // the service gets its two replicas back, both on wi (atl's executor is unreachable)
    const back = await waitFor(async () => {
      const v = await view(id);
      return healthy(v).length === 2 && v.replicas.every((x: Json) => x.site === 'wi') ? v : null;
    }, 60_000);
    const restoredMs = Date.now() - t0;
    expect(new Set(back.replicas.map((x: Json) => x.endpoint)).size).toBe(2);
    console.log(
      `[e2e serve] site atl lost: first request served by wi after ${rerouteMs} ms; 2 healthy replicas on wi after ${restoredMs} ms`,
    );
    const sites = (await t.req('GET', '/v1/services/' + id + '/requests?limit=1', member)).body.requests;
    expect(sites[0]).toMatchObject({ site: 'wi', error: null });
    renameSync(`${root}.lost`, root);
    expect((await t.req('DELETE', `/v1/services/${id}`, member)).status).toBe(200);
    await waitFor(async () => (await t.req('GET', '/v1/services', member)).body.services.length === 0, 10_000);
  }, 150_000);

  it('scales up under load and back down after the load ends (hysteresis)', async () => {
    const c = await t.req('POST', '/v1/services', member, {
      name: 'auto',
      model: 'reference',
      slo: { ttftP99Ms: 5000, tpotP99Ms: 1000 },
      minReplicas: 1,
      maxReplicas: 3,
      // each output token takes 50 ms more: requests last long enough to pile up (a stand-in for a bigger model)
      env: { SUPERFACTORY_SERVE_TOKEN_DELAY_S: '0.05' },
    });
    expect(c.status).toBe(201);
    const id = c.body.service.id;
    const first = await waitFor(async () => {
      const v = await view(id);
      return healthy(v).length === 1 ? healthy(v)[0] : null;
    }, 60_000);
    // the load comes first straight to the replica, as from another control-plane replica's router: this
    // router counts none of it, so only the replica's own report (GET /healthz inflight) can make it scale
    let stop = false;
    const direct = async () => {
      let n = 0;
      while (!stop) {
        const res = await fetch(`http://${first.endpoint}/v1/generate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'load', maxTokens: 30 }),
        });
        expect(res.status).toBe(200);
        await res.text();
        n++;
      }
      return n;
    };
    const load = Array.from({ length: 8 }, direct);
    const up = await waitFor(async () => {
      const v = await view(id);
      return healthy(v).length >= 2 ? v : null;
    }, 60_000);
    stop = true;
    const served = (await Promise.all(load)).reduce((a, b) => a + b, 0);
    expect(up.desiredReplicas).toBeGreaterThanOrEqual(2);
    expect(up.scaling).toMatch(/^up \d -> \d: .*in flight per replica/);
    expect(up.metrics.requests).toBe(0); // none of it went through this router
    // through the router, concurrent requests now spread over the new replicas
    const viaRouter = await Promise.all(
      Array.from({ length: 6 }, () => generate(t.url, member, id, { prompt: 'spread', maxTokens: 20 })),
    );
    expect(viaRouter.every((g) => g.status === 200)).toBe(true);
    expect(new Set(viaRouter.map((g) => g.done.replica)).size).toBeGreaterThanOrEqual(2);
    const peak = (await view(id)).desiredReplicas;
    console.log(`[e2e serve] autoscaler: ${up.scaling}; ${served} requests served under load`);
    const down = await waitFor(
      async () => {
        const v = await view(id);
        return v.desiredReplicas < peak ? v : null;
      },
      45_000,
      250,
    );
    expect(down.scaling).toMatch(/^down \d -> \d/);

    // the CLI over the same API
    const env = ['--server', t.url, '--token', member];
    const ls = await cli(['services', 'list', ...env]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/auto\s+reference/);
    const gen = await cli(['services', 'generate', id, '--prompt', 'hello', '--max-tokens', '5', ...env]);
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.stderr).toMatch(/ttft [0-9.]+ ms/);
    const bad = await cli(['services', 'generate', id, '--prompt', 'hello', '--max-tokens', '0', ...env]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/maxTokens/);
  }, 180_000);
});
