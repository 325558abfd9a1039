// One job through the operating CLI from submit to end: submit with flags, logs (-f and not), list, show,
// events, and suspend / resume / cancel of a running job (a real control plane and the CLI as a subprocess).
import { describe, expect, it } from 'vitest';
import type { Json } from '../control/fixtures.js';
import { waitFor } from '../control/helpers.js';
import { submitJob, useOpsCli } from './ops-cli.js';

const cli = useOpsCli('sf-jobs-cli-');
const { sf, as, jsonOf, state } = cli;

describe('superfactory jobs', () => {
  let runId = '';

  it('submit with flags and the command after --: prints the created job', async () => {
    const r = await sf([
      'jobs',
      'submit',
      ...as(cli.alice),
      '--name',
      'run1',
      '--model',
      'llama3-8b',
      '--gpus',
      '1',
      '--json',
      '--',
      'sh',
      '-c',
      'for i in 1 2 3 4; do echo step $i; sleep 0.4; done',
    ]);
    const job = jsonOf(r);
    expect(job).toMatchObject({ name: 'run1', tenant: 'a', model: 'llama3-8b', gpus: 1 });
    expect(job.command).toEqual(['sh', '-c', 'for i in 1 2 3 4; do echo step $i; sleep 0.4; done']);
    expect(job.id).toMatch(/^job_/);
    runId = job.id;
  });

  it('logs -f follows the run live, each line once, until the job ends', async () => {
    const r = await sf(['jobs', 'logs', runId, '-f', '--interval', '0.2', ...as(cli.alice)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual(['[rank 0] step 1', '[rank 0] step 2', '[rank 0] step 3', '[rank 0] step 4']);
    expect(r.stderr).toMatch(new RegExp(`-- ${runId} succeeded \\(exit 0\\) --`));
    expect(await state(runId)).toBe('succeeded');
  });

  it('logs without -f prints what the run wrote', async () => {
    const r = await sf(['jobs', 'logs', runId, ...as(cli.alice)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[rank 0] step 4');
    const j = jsonOf(await sf(['jobs', 'logs', runId, '--json', ...as(cli.alice)]));
    expect(j).toMatchObject({ job: runId, state: 'succeeded' });
    expect(j.text).toContain('step 1');
  });

  it('list: a table for people, filters by state and name, --json the API page', async () => {
    // a second finished job, so that the state filter has more than one to return
    const second = await submitJob(cli, cli.alice, 'run2', ['true']);
    await waitFor(async () => (await state(second.id)) === 'succeeded', 20_000);
    const table = await sf(['jobs', 'list', ...as(cli.alice)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TENANT\s+STATE\s+GPUS\s+SITES\s+AGE\s+REASON$/);
    expect(table.stdout).toMatch(new RegExp(`${runId}\\s+run1\\s+a\\s+succeeded\\s+1\\s+(atl|wi)`));
    const done = jsonOf(await sf(['jobs', 'list', '--state', 'succeeded', '--json', ...as(cli.alice)]));
    expect(done.jobs.length).toBeGreaterThanOrEqual(2);
    expect(done.jobs.every((j: Json) => j.state === 'succeeded')).toBe(true);
    const named = jsonOf(await sf(['jobs', 'list', '--name', 'RUN1', '--json', ...as(cli.alice)]));
    expect(named.jobs.map((j: Json) => j.id)).toEqual([runId]);
    const bad = await sf(['jobs', 'list', '--state', 'runing', ...as(cli.alice)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --state: unknown state "runing" \(fix: use queued, /m);
  });

  it('show: the job field by field; --json the job', async () => {
    const r = await sf(['jobs', 'show', runId, ...as(cli.alice)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^state\s+succeeded$/m);
    expect(r.stdout).toMatch(/^finished\s+\S+ \(exit 0\)$/m);
    expect(r.stdout).toMatch(/^placement\s+(atl|wi) 1 GPUs$/m);
    // the run's GPU-hours, energy and cost (GET /v1/jobs/:id usage)
    expect(r.stdout).toMatch(/^used so far\s+\d+\.\d\d GPU-hours, \d+\.\d+ kWh, \$\d+\.\d\d, \d+\.\d kg CO2e$/m);
    const shown = jsonOf(await sf(['jobs', 'show', runId, '--json', ...as(cli.alice)]));
    expect(shown).toMatchObject({ id: runId });
    expect(shown.usage.gpuHours).toBeGreaterThan(0);
    const missing = await sf(['jobs', 'show', 'job_nope', ...as(cli.alice)]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: id: /m);
  });

  it('events: the transitions in order; -f ends with the job', async () => {
    const ev = jsonOf(await sf(['jobs', 'events', runId, '--json', ...as(cli.alice)]));
    expect(ev.events.map((e: Json) => e.to).filter(Boolean)).toEqual([
      'queued',
      'admitted',
      'starting',
      'running',
      'succeeded',
    ]);
    const table = await sf(['jobs', 'events', runId, ...as(cli.alice)]);
    expect(table.stdout).toMatch(/queued->admitted/);
    const f = await sf(['jobs', 'events', runId, '-f', '--json', '--interval', '1', ...as(cli.alice)]);
    expect(f.code).toBe(0);
    const streamed = f.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(streamed.map((e: Json) => e.seq)).toEqual(ev.events.map((e: Json) => e.seq));
  });

  it('suspend, resume and cancel a running job', async () => {
    const job = await submitJob(cli, cli.alice, 'long', ['sleep', '60'], ['--no-checkpointing']);
    expect(job.checkpointable).toBe(false);
    await waitFor(async () => (await state(job.id)) === 'running', 20_000);
    // Not checkpointing: it stops now (a checkpointing job would first take its next checkpoint).
    const s = jsonOf(await sf(['jobs', 'suspend', job.id, '--json', ...as(cli.alice)]));
    expect(s).toMatchObject({ id: job.id, state: 'suspended' });
    const again = await sf(['jobs', 'resume', job.id, ...as(cli.alice)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${job.id} \\(long\\): resumed, now queued$`, 'm'));
    await waitFor(async () => (await state(job.id)) === 'running', 20_000);
    const c = jsonOf(await sf(['jobs', 'cancel', job.id, '--json', ...as(cli.alice)]));
    expect(c).toMatchObject({ id: job.id, state: 'cancelled' });
    const twice = await sf(['jobs', 'resume', job.id, ...as(cli.alice)]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^error: state: a cancelled job cannot be resumed/m);
  }, 60_000);
});
