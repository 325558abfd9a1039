// Sites and failover over real HTTP: sites heartbeat through an agent (POST /v1/sites/:id/heartbeat);
// when one stops, the site is marked down and its jobs resume on the other site from their latest
// checkpoint (checkpointable) or restart (not checkpointable). Draining moves a job at its next checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LocalExecutor } from '../../src/control/executors/local.js';
import { startTestServer, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
const beating = new Set(['atl', 'wi']);
let timer: NodeJS.Timeout;

// A training loop that resumes from SUPERFACTORY_RESUME_STEP, checkpoints every 4 steps (0.1 s each)
// and logs where each attempt started.
const trainer = (log: string, steps = 400) => [
  'sh',
  '-c',
  `step=\${SUPERFACTORY_RESUME_STEP:-0}; [ "$RANK" = 0 ] && echo "start $SUPERFACTORY_ATTEMPT $SUPERFACTORY_SITE $step" >> ${log};
   while [ $step -lt ${steps} ]; do sleep 0.1; step=$((step+1));
     if [ "$RANK" = 0 ] && [ $((step % 4)) = 0 ]; then touch "$SUPERFACTORY_CHECKPOINT_DIR/step-$step"; fi; done`,
];

beforeAll(async () => {
  t = await startTestServer({
    heartbeatTimeoutMs: 1200,
    siteBindings: (dir) =>
      ['atl', 'wi'].map((id) => ({
        siteId: id,
        heartbeat: 'agent' as const,
        executor: new LocalExecutor({ root: join(dir, 'runs', id), killGraceMs: 300 }),
      })),
  });
  const beat = async () => {
    for (const s of beating) await t.req('POST', `/v1/sites/${s}/heartbeat`, t.admin).catch(() => {});
  };
  await beat();
  timer = setInterval(beat, 250);
});
afterAll(async () => {
  clearInterval(timer);
  await t?.close();
});

async function job(id: string) {
  return (await t.req('GET', `/v1/jobs/${id}`, t.admin)).body.job;
}

describe('sites and failover', () => {
  it('marks a site down when it stops heartbeating and resumes its checkpointable job elsewhere from the checkpoint', async () => {
    const log = join(t.dir, 'ckpt-job.log');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'resumable',
      model: 'llama3-8b',
      gpus: 2,
      command: trainer(log),
      checkpointable: true,
    });
    const id = r.body.job.id;
    const first = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.checkpoint?.step >= 8 ? j : null;
    }, 20_000);
    const from = first.sites[0];
    const to = from === 'atl' ? 'wi' : 'atl';
    beating.delete(from);
    await waitFor(async () => {
      const s = await t.req('GET', '/v1/sites', t.admin);
      return s.body.sites.find((x: { id: string }) => x.id === from).status === 'down';
    }, 10_000);
    const moved = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.attempt === 2 ? j : null;
    }, 15_000);
    expect(moved.sites).toEqual([to]);
    const starts = await waitFor(() => {
      const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      return lines.length >= 2 ? lines : null;
    }, 10_000);
    const [, attempt, site, step] = starts[1].split(' ');
    expect(attempt).toBe('2');
    expect(site).toBe(to);
    expect(Number(step)).toBeGreaterThanOrEqual(first.checkpoint.step);
    const events = (await t.req('GET', `/v1/jobs/${id}/events`, t.admin)).body.events.map(
      (e: { type: string; to: string | null }) => e.to ?? e.type,
    );
    expect(events).toEqual(expect.arrayContaining(['preempted', 'queued', 'job.checkpoint']));
    const siteEvents = (await t.req('GET', '/v1/events?limit=1000', t.admin)).body.events.filter(
      (e: { type: string }) => e.type === 'site.down',
    );
    expect(siteEvents.map((e: { site: string }) => e.site)).toContain(from);
    await t.req('DELETE', `/v1/jobs/${id}`, t.admin);
    beating.add(from);
    await waitFor(
      async () =>
        (await t.req('GET', '/v1/sites', t.admin)).body.sites.every((x: { status: string }) => x.status === 'up'),
      10_000,
    );
  }, 60_000);

  it('restarts a non-checkpointable job from scratch on the other site', async () => {
    const log = join(t.dir, 'plain-job.log');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'plain',
      model: 'llama3-8b',
      gpus: 2,
      command: trainer(log),
      checkpointable: false,
    });
    const id = r.body.job.id;
    const first = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' ? j : null;
    }, 20_000);
    await new Promise((res) => setTimeout(res, 1000));
    const from = first.sites[0];
    beating.delete(from);
    const moved = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.attempt === 2 ? j : null;
    }, 20_000);
    expect(moved.sites).not.toEqual([from]);
    expect(moved.checkpoint).toBeNull();
    const lines = await waitFor(() => {
      const l = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      return l.length >= 2 ? l : null;
    }, 10_000);
    expect(lines[1].split(' ')[3]).toBe('0');
    await t.req('DELETE', `/v1/jobs/${id}`, t.admin);
    beating.add(from);
    await waitFor(
      async () =>
        (await t.req('GET', '/v1/sites', t.admin)).body.sites.every((x: { status: string }) => x.status === 'up'),
      10_000,
    );
  }, 60_000);

  it('drains a site: its job moves to the other site at its next checkpoint', async () => {
    const log = join(t.dir, 'drain-job.log');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'drained',
      model: 'llama3-8b',
      gpus: 2,
      command: trainer(log),
    });
    const id = r.body.job.id;
    const first = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.checkpoint ? j : null;
    }, 20_000);
    const from = first.sites[0];
    const d = await t.req('POST', `/v1/sites/${from}/drain`, t.admin);
    expect(d.status).toBe(200);
    const moved = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.attempt === 2 ? j : null;
    }, 20_000);
    expect(moved.sites).not.toEqual([from]);
    const events = (await t.req('GET', `/v1/jobs/${id}/events`, t.admin)).body.events.map(
      (e: { to: string | null; type: string }) => e.to ?? e.type,
    );
    expect(events).toEqual(expect.arrayContaining(['checkpointing', 'preempted', 'queued']));
    // `running` comes from the executor; the second attempt writes its line a moment later
    const lines = await waitFor(() => {
      const l = readFileSync(log, 'utf8').trim().split('\n');
      return l.length >= 2 ? l : null;
    }, 10_000);
    expect(Number(lines[1].split(' ')[3])).toBeGreaterThan(Number(first.checkpoint.step) - 1);
    await t.req('POST', `/v1/sites/${from}/undrain`, t.admin);
    await t.req('DELETE', `/v1/jobs/${id}`, t.admin);
  }, 60_000);

  it('suspends a running checkpointable job at its next checkpoint and resumes it from there', async () => {
    const log = join(t.dir, 'suspend-job.log');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'suspended',
      model: 'llama3-8b',
      gpus: 1,
      command: trainer(log),
    });
    const id = r.body.job.id;
    await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.checkpoint ? j : null;
    }, 20_000);
    const s = await t.req('POST', `/v1/jobs/${id}/suspend`, t.admin);
    expect(s.body.job.state).toBe('checkpointing');
    const susp = await waitFor(async () => {
      const j = await job(id);
      return j.state === 'suspended' ? j : null;
    }, 10_000);
    await t.req('POST', `/v1/jobs/${id}/resume`, t.admin);
    await waitFor(async () => {
      const j = await job(id);
      return j.state === 'running' && j.attempt === 2 ? j : null;
    }, 10_000);
    const lines = await waitFor(() => {
      const l = readFileSync(log, 'utf8').trim().split('\n');
      return l.length >= 2 ? l : null;
    }, 10_000);
    expect(Number(lines[1].split(' ')[3])).toBe(susp.checkpoint.step);
    await t.req('DELETE', `/v1/jobs/${id}`, t.admin);
  }, 60_000);

  it('stops the run of a cancelled job', async () => {
    const log = join(t.dir, 'cancel-job.log');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'cancel-me',
      model: 'llama3-8b',
      gpus: 1,
      command: trainer(log),
    });
    const id = r.body.job.id;
    const j = await waitFor(async () => {
      const x = await job(id);
      return x.state === 'running' ? x : null;
    }, 20_000);
    expect((await t.req('DELETE', `/v1/jobs/${id}`, t.admin)).status).toBe(200);
    const ex = t.server.cp.bindings.get(j.sites[0])!.executor;
    await waitFor(async () => (await ex.list()).every((run) => run.runKey !== j.runId), 10_000);
    expect((await job(id)).state).toBe('cancelled');
  }, 30_000);
});
