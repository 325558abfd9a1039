// A site backed by a real Slurm cluster through slurmrestd: submit over the API, watch it run to its
// exit code, cancel. Skips with the reason when no slurmrestd is reachable (`source scripts/ci/slurm.sh`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { SlurmExecutor, slurmConfigFromEnv, slurmUnavailableReason } from '../../src/control/executors/slurm.js';
import { startTestServer, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

const skip = await slurmUnavailableReason();
if (skip) console.log(`[slurm site] skipping: ${skip}`);

describe.skipIf(skip !== null)('a Slurm site', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      siteBindings: (dir) => [
        {
          siteId: 'atl',
          heartbeat: 'executor',
          executor: new SlurmExecutor({ ...slurmConfigFromEnv()!, workDir: dir, pollMinIntervalMs: 200 }),
        },
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs a job submitted over the API on Slurm and records its exit code', async () => {
    const out = join(t.dir, 'slurm-env');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'slurm-ok',
      model: 'llama3-8b',
      gpus: 2,
      command: ['sh', '-c', `echo "$RANK/$WORLD_SIZE $CUDA_VISIBLE_DEVICES" >> ${out}`],
    });
    expect(r.status).toBe(201);
    const done = await waitFor(
      async () => {
        const j = (await t.req('GET', `/v1/jobs/${r.body.job.id}`, t.admin)).body.job;
        return ['succeeded', 'failed'].includes(j.state) ? j : null;
      },
      60_000,
      250,
    );
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0, sites: ['atl'] });
    expect(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0])
        .sort(),
    ).toEqual(['0/2', '1/2']);
    const failing = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'slurm-fail',
      model: 'llama3-8b',
      gpus: 1,
      command: ['sh', '-c', 'exit 5'],
    });
    const failed = await waitFor(
      async () => {
        const j = (await t.req('GET', `/v1/jobs/${failing.body.job.id}`, t.admin)).body.job;
        return ['succeeded', 'failed'].includes(j.state) ? j : null;
      },
      60_000,
      250,
    );
    expect(failed).toMatchObject({ state: 'failed', exitCode: 5 });
  }, 120_000);

  it('cancels a running Slurm job through the API', async () => {
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'slurm-cancel',
      model: 'llama3-8b',
      gpus: 1,
      command: ['sleep', '120'],
    });
    const running = await waitFor(
      async () => {
        const j = (await t.req('GET', `/v1/jobs/${r.body.job.id}`, t.admin)).body.job;
        return j.state === 'running' ? j : null;
      },
      60_000,
      250,
    );
    expect((await t.req('DELETE', `/v1/jobs/${r.body.job.id}`, t.admin)).status).toBe(200);
    const ex = t.server.cp.bindings.get('atl')!.executor;
    await waitFor(async () => (await ex.list()).every((x) => x.runKey !== running.runId), 30_000, 250);
    expect((await t.req('GET', `/v1/jobs/${r.body.job.id}`, t.admin)).body.job.state).toBe('cancelled');
  }, 120_000);
});
