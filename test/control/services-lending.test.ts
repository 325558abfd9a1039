// Lending training GPUs to serving, live (issue 15): a real server, local executors (one process per 4 GPUs), the
// reference trainer (examples/train/train.py, PyTorch) training on 4 of atl's 8 GPUs and a service with one
// examples/serve/serve.py replica on the other 4. Load through the router makes the autoscaler want a second replica;
// no GPUs are free on atl, so the job is suspended at its next checkpoint, the replica starts on its GPUs and serves
// real requests; the load ends, the replica is scaled down, and the job resumes from the checkpoint step. The job's
// events say why; the steps lost are fewer than one checkpoint interval; a job queued for atl meanwhile does not get
// the lent GPUs. A job with `lendable: false` is never lent, nor a job of a tenant with `lendToServices: false`.
// Skips with the reason when /usr/bin/python3 cannot import torch (CI installs Debian's python3-torch).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../src/control/executors/local.js';
import { startTestServer, tenantToken, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';
import { PYTHON, generate, torchMissing } from './services-helpers.js';

const TRAINER = fileURLToPath(new URL('../../examples/train/train.py', import.meta.url));
const CHECKPOINT_EVERY = 10;

const missing = torchMissing();
if (missing) console.warn(`[services-lending] skipping: ${missing}`);

/** The trainer's own progress lines of one attempt (the run folder's progress.jsonl: every step, not sampled). */
function progressOf(dir: string, jobId: string, attempt: number): Json[] {
  const f = join(dir, 'runs', 'atl', `${jobId}.${attempt}`, 'progress.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

describe.skipIf(missing !== null)('training lends its GPUs to a service under load, and gets them back', () => {
  let t: TestServer;
  let tok: string;
  const job = async (id: string): Promise<Json> => (await t.req('GET', `/v1/jobs/${id}`, tok)).body.job;
  const events = async (id: string): Promise<Json[]> => (await t.req('GET', `/v1/jobs/${id}/events`, tok)).body.events;
  const submit = async (name: string, extra: Json = {}, as = tok) => {
    const r = await t.req('POST', '/v1/jobs', as, {
      name,
      model: 'llama3-8b',
      gpus: 4,
      sites: ['atl'],
      command: [PYTHON, TRAINER, '--steps', '5000', '--checkpoint-every', String(CHECKPOINT_EVERY)],
      // ~0.2 s a step: a checkpoint every ~2 s, longer than the scheduler's poll of it
      env: { SUPERFACTORY_STEP_DELAY_S: '0.2' },
      ...extra,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.job.id as string;
  };

  beforeAll(async () => {
    t = await startTestServer({
      siteBindings: (dir) =>
        ['atl', 'wi'].map((siteId) => ({
          siteId,
          heartbeat: 'executor' as const,
          executor: new LocalExecutor({ root: join(dir, 'runs', siteId), killGraceMs: 300, gpusPerProcess: 4 }),
        })),
    });
    tok = await tenantToken(t, 'tl', 'member');
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a job that cannot checkpoint but asks to be lent (422 naming the field)', async () => {
    const r = await t.req('POST', '/v1/jobs', tok, {
      name: 'bad',
      model: 'llama3-8b',
      gpus: 4,
      command: ['sleep', '1'],
      checkpointable: false,
      lendable: true,
    });
    expect({ status: r.status, path: r.body.errors?.[0]?.path }).toEqual({ status: 422, path: 'lendable' });
    const t2 = await t.req('POST', '/v1/jobs', tok, { name: 'bad', model: 'llama3-8b', gpus: 4, lendable: 'yes' });
    expect({ status: t2.status, path: t2.body.errors?.[0]?.path }).toEqual({ status: 400, path: 'lendable' });
  });

  it('suspends the job at a checkpoint, serves on its GPUs, and resumes it from that step', async () => {
    const c = await t.req('POST', '/v1/services', tok, {
      name: 'lend-svc',
      model: 'reference',
      slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
      allowedSites: ['atl'],
      gpusPerReplica: 4,
      minReplicas: 1,
      maxReplicas: 2,
      // each token takes 50 ms: eight clients keep the replicas busy
      env: { SUPERFACTORY_SERVE_TOKEN_DELAY_S: '0.05' },
    });
    expect(c.status).toBe(201);
    const svc = c.body.service.id;
    const service = async (): Promise<Json> => (await t.req('GET', `/v1/services/${svc}`, tok)).body.service;
    await waitFor(async () => (await service()).replicas.some((r: Json) => r.state === 'healthy'), 60_000);
    const first = (await service()).replicas[0].id;

    const id = await submit('lender');
    await waitFor(async () => ((await job(id)).checkpoint?.step ?? 0) >= CHECKPOINT_EVERY, 90_000);
    // a job waiting for atl: the lent GPUs must go to the replica, not to it (lower priority: the lent job resumes first)
    const waiter = await submit('waiter', { command: ['sleep', '600'], priority: -1 });

    // load: eight clients through the router until told to stop
    let loading = true;
    const served = new Map<string, number>();
    const client = async () => {
      while (loading) {
        const r = await generate(t.url, tok, svc, { prompt: 'lend me', maxTokens: 20, origin: 'atl' });
        if (r.status === 200) served.set(r.done.replica, (served.get(r.done.replica) ?? 0) + 1);
      }
    };
    const load = Array.from({ length: 8 }, client);
    const loadStart = Date.now();
    const stopLoad = async () => {
      loading = false;
      await Promise.all(load);
    };
    let step: number;
    let susp: Json;
    let second: Json = null;
    try {
      const suspended = await waitFor(async () => {
        const j = await job(id);
        return j.state === 'suspended' || j.state === 'queued' ? j : null;
      }, 60_000);
      const evs = await events(id);
      const lendEv = evs.find((e) => e.type === 'job.transition' && e.to === 'checkpointing');
      expect(lendEv?.data).toMatchObject({ intent: 'lend', serviceName: 'lend-svc', site: 'atl', gpus: 4 });
      susp = evs.find((e) => e.type === 'job.transition' && e.to === 'suspended');
      const m = /^lent to service lend-svc at step (\d+)$/.exec(susp?.data?.reason ?? '');
      expect(m, JSON.stringify(susp)).not.toBeNull();
      step = Number(m![1]);
      expect(step % CHECKPOINT_EVERY).toBe(0);
      expect(suspended.checkpoint.step).toBe(step);

      // the second replica runs on the job's GPUs and serves real requests
      second = await waitFor(async () => {
        const s = await service();
        return s.replicas.find((r: Json) => r.id !== first && r.state === 'healthy') ?? null;
      }, 60_000);
      expect(second.site).toBe('atl');
      expect((await job(waiter)).state).toBe('queued');
      const queued = await job(id);
      expect(queued.state).toBe('queued');
      expect(queued.reason).toBe(`its GPUs are lent to service lend-svc; resumes from step ${step}`);
      await waitFor(() => (served.get(second.id) ?? 0) >= 3, 60_000);
    } finally {
      await stopLoad();
    }
    const during = await service();
    const loadS = (Date.now() - loadStart) / 1000;

    // the load has ended: 15 s later the newest replica goes, and the job resumes from its checkpoint
    const resumed = await waitFor(async () => {
      const p = progressOf(t.dir, id, 2);
      return p.length > 0 ? p : null;
    }, 90_000);
    expect(resumed[0].resumedFrom).toBe(step);
    expect(resumed[0].step).toBe(step + 1);
    const afterJob = await job(id);
    expect(afterJob.state).toBe('running');
    expect(afterJob.attempt).toBe(2);
    expect((await service()).replicas.map((r: Json) => r.id)).toEqual([first]);
    const returned = (await events(id)).find((e) => e.type === 'job.loan-returned');
    expect(returned?.data).toMatchObject({ serviceName: 'lend-svc', replica: second.id });

    // nothing lost beyond one interval: the first attempt ran at most CHECKPOINT_EVERY - 1 steps past the checkpoint
    const before = progressOf(t.dir, id, 1);
    const lastStep = Math.max(...before.map((p) => p.step));
    const lostSteps = lastStep - step;
    expect(lostSteps).toBeGreaterThanOrEqual(0);
    expect(lostSteps).toBeLessThan(CHECKPOINT_EVERY);
    const stepS = before.slice(-10).reduce((a, p) => a + p.stepTimeSeconds, 0) / Math.min(10, before.length);
    const suspendedAt = Date.parse(susp.at);
    const resumedAt = resumed[0].at * 1000;
    const lentS = (resumedAt - suspendedAt) / 1000;
    console.log(
      `[services-lending] lent at step ${step} (${lostSteps} steps recomputed, ${(lostSteps * stepS).toFixed(1)} s); ` +
        `4 GPUs away from training ${lentS.toFixed(1)} s (${(4 * lentS).toFixed(0)} GPU-s of goodput, restart included); ` +
        `service under ${loadS.toFixed(0)} s of load: SLO attainment ${(100 * during.metrics.sloAttainment).toFixed(1)}% over ` +
        `${during.metrics.requests} requests in the window, ${served.get(second.id)} served by the borrowed replica`,
    );
    expect((await job(waiter)).state).toBe('queued');
    for (const j of [id, waiter]) expect((await t.req('DELETE', `/v1/jobs/${j}`, tok)).status).toBe(200);
    expect((await t.req('DELETE', `/v1/services/${svc}`, tok)).status).toBe(200);
  }, 300_000);

  it('never lends a job that opted out, nor one of a tenant that did: the replica is deferred', async () => {
    const keeps = await tenantToken(t, 'tk', 'member', { lendToServices: false });
    const id = await submit('keeper', { lendable: false });
    // lendable itself, but its tenant opted out
    const fill = await submit('filler', {}, keeps);
    // both have checkpointed in this run: without the opt-out they would be lendable
    const checkpointed = async (j: string) => ((await t.store.getJob(j))?.checkpoint?.step ?? 0) >= CHECKPOINT_EVERY;
    await waitFor(async () => (await checkpointed(id)) && (await checkpointed(fill)), 90_000);
    const c = await t.req('POST', '/v1/services', tok, {
      name: 'no-lend-svc',
      model: 'reference',
      slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
      allowedSites: ['atl'],
      gpusPerReplica: 4,
      minReplicas: 1,
      maxReplicas: 1,
    });
    expect(c.status).toBe(201);
    const s = await waitFor(async () => {
      const v = (await t.req('GET', `/v1/services/${c.body.service.id}`, tok)).body.service;
      return /deferred: no site has 4 free GPU/.test(v.scaling ?? '') ? v : null;
    }, 20_000);
    expect(s.replicas).toEqual([]);
    expect((await job(id)).state).toBe('running');
    expect((await t.store.getJob(fill))?.state).toBe('running');
    expect((await t.req('DELETE', `/v1/jobs/${id}`, tok)).status).toBe(200);
    expect((await t.req('DELETE', `/v1/jobs/${fill}`, keeps)).status).toBe(200);
    expect((await t.req('DELETE', `/v1/services/${c.body.service.id}`, tok)).status).toBe(200);
  }, 150_000);
});
