// `jobs submit` from a YAML job file (flags win over the file), bad job files (every bad key at once, exit 2)
// and --sites (a real control plane and the CLI as a subprocess).
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../control/fixtures.js';
import { waitFor } from '../control/helpers.js';
import { useOpsCli } from './ops-cli.js';

const cli = useOpsCli('sf-jobs-submit-');
const { sf, as, jsonOf, state } = cli;

describe('superfactory jobs submit, job files', () => {
  it('submit from a YAML job file: a string command runs in sh -c; jurisdictions and checkpointing map to the API', async () => {
    const file = join(cli.dir, 'train.yaml');
    writeFileSync(
      file,
      [
        'name: from-yaml',
        'model: llama3-8b',
        'gpus: 2',
        'command: echo "hello from $SUPERFACTORY_JOB_ID"',
        'jurisdictions: [US-GA]',
        'checkpointing: true',
        'priority: 5',
        '',
      ].join('\n'),
    );
    const job = jsonOf(await sf(['jobs', 'submit', file, '--json', ...as(cli.alice)]));
    expect(job).toMatchObject({
      name: 'from-yaml',
      gpus: 2,
      allowedJurisdictions: ['US-GA'],
      checkpointable: true,
      priority: 5,
      command: ['sh', '-c', 'echo "hello from $SUPERFACTORY_JOB_ID"'],
    });
    // Flags win over the file.
    const over = jsonOf(
      await sf(['jobs', 'submit', file, '--name', 'override', '--gpus', '1', '--json', ...as(cli.alice)]),
    );
    expect(over).toMatchObject({ name: 'override', gpus: 1, allowedJurisdictions: ['US-GA'] });
    await waitFor(async () => (await state(over.id)) === 'succeeded', 20_000);
    const logs = await sf(['jobs', 'logs', over.id, ...as(cli.alice)]);
    expect(logs.stdout).toContain(`hello from ${over.id}`);
  });

  it('names every bad key of a job file with the file and the fix, and sends nothing (exit 2)', async () => {
    const file = join(cli.dir, 'bad.yaml');
    writeFileSync(file, 'model: llama3-8b\ngpu: 4\njurisdictions: [Mars]\n');
    const r = await sf(['jobs', 'submit', file, ...as(cli.alice)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*bad\.yaml: gpu: unknown key "gpu" \(fix: use name, model, gpus/m);
    const missing = await sf(['jobs', 'submit', '--gpus', '0', ...as(cli.alice), '--', 'true']);
    expect(missing.code).toBe(2);
    // Every problem at once: no name, no model, a bad GPU count.
    expect(missing.stderr).toMatch(/^error: --name: /m);
    expect(missing.stderr).toMatch(/^error: --model: /m);
    expect(missing.stderr).toMatch(/^error: --gpus: /m);
    const jobs = (await cli.t.req('GET', '/v1/jobs?limit=1000', cli.alice)).body.jobs as Json[];
    expect(jobs.some((j) => j.name === undefined || j.gpus === 0)).toBe(false);
  });
});

describe('jobs submit --sites', () => {
  const submit = (sites: string) =>
    sf([
      'jobs',
      'submit',
      '--name',
      'pinned',
      '--model',
      'llama3-8b',
      '--gpus',
      '1',
      '--sites',
      sites,
      '--json',
      ...as(cli.alice),
      '--',
      'true',
    ]);

  it('the job runs only on the sites given', async () => {
    const job = jsonOf(await submit('wi'));
    expect(job.allowedSites).toEqual(['wi']);
    await waitFor(async () => (await state(job.id)) === 'succeeded', 20_000);
    const done = jsonOf(await sf(['jobs', 'show', job.id, '--json', ...as(cli.alice)]));
    expect(done.sites).toEqual(['wi']);
  });

  it('an unknown site is refused by the server, naming the field and the sites there are', async () => {
    const r = await submit('wi,mars');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: sites: unknown site mars \(fix: use sites of .*: atl, wi\)/m);
  });
});
