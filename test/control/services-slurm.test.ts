// A service whose replica is a long-running Slurm job (slurmrestd on this host): the replica of the reference model
// (examples/serve/serve.py, PyTorch) is submitted as a batch job, health-checked, serves a request through the
// router, and is cancelled when the service is deleted. Skips with the reason when no slurmrestd is reachable
// (`source scripts/ci/slurm.sh`) or /usr/bin/python3 cannot import torch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlurmExecutor, slurmConfigFromEnv, slurmUnavailableReason } from '../../src/control/executors/slurm.js';
import { startTestServer, tenantToken, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';
import { generate, torchMissing } from './services-helpers.js';

const skip = (await slurmUnavailableReason()) ?? torchMissing();
if (skip) console.log(`[services on slurm] skipping: ${skip}`);

describe.skipIf(skip !== null)('a service replica as a long-running Slurm job', () => {
  let t: TestServer;
  let slurm: SlurmExecutor;
  beforeAll(async () => {
    t = await startTestServer({
      siteBindings: (dir) => {
        slurm = new SlurmExecutor({ ...slurmConfigFromEnv()!, workDir: dir, pollMinIntervalMs: 200 });
        return [{ siteId: 'atl', heartbeat: 'executor', executor: slurm }];
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs, serves and stops the replica on Slurm', async () => {
    const member = await tenantToken(t, 'ta', 'member');
    const c = await t.req('POST', '/v1/services', member, {
      name: 'on-slurm',
      model: 'reference',
      slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
    });
    expect(c.status).toBe(201);
    const id = c.body.service.id;
    const s = await waitFor(async () => {
      const v = (await t.req('GET', `/v1/services/${id}`, member)).body.service;
      return v.replicas.some((r: Json) => r.state === 'healthy') ? v : null;
    }, 90_000);
    const runKey = s.replicas[0].runKey;
    expect((await slurm.status([runKey])).get(runKey)?.externalId).toMatch(/^slurm:\d+$/);
    const g = await generate(t.url, member, id, { prompt: 'from slurm', maxTokens: 6 });
    expect(g.status).toBe(200);
    expect(g.tokens).toHaveLength(6);
    expect(g.done).toMatchObject({ site: 'atl', error: null });
    expect((await t.req('DELETE', `/v1/services/${id}`, member)).status).toBe(200);
    await waitFor(async () => !(await slurm.list()).some((r) => r.runKey === runKey), 30_000, 250);
  }, 150_000);
});
