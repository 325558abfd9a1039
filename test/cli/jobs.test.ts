// The operating CLI (jobs, sites, tokens, login) as a real subprocess against a real control plane started
// here (fastify on 127.0.0.1, SQLite, the local executor running real commands).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, tenantToken, type Json, type TestServer } from '../control/fixtures.js';
import { waitFor } from '../control/helpers.js';

// Each test runs the CLI a few times (about 1-3 s a start on a busy machine).
vi.setConfig({ testTimeout: 120_000 });

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// tsx by absolute URL: the CLI runs in a temp folder, where `--import tsx` would not resolve.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
let t: TestServer;
let alice: string; // member of tenant a
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI in a child process. Asynchronous (never spawnSync): the server answering it runs in this process.
 * No SUPERFACTORY_* variables leak in from the caller; the profile folder is the test's own.
 */
function sf(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const k of Object.keys(base)) if (k.startsWith('SUPERFACTORY_')) delete base[k];
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: dir,
    env: { ...base, SUPERFACTORY_CONFIG_DIR: join(dir, 'config'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** As member alice, by flags. */
const as = (token: string) => ['--server', t.url, '--token', token];
const jsonOf = (r: Run): Json => {
  expect(r.stderr.match(/^error:.*$/m)?.[0] ?? '').toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};
const state = async (id: string) => (await t.req('GET', `/v1/jobs/${id}`, alice)).body.job.state as string;

/** A port nothing listens on: one the OS just gave out and took back. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

beforeAll(async () => {
  t = await startTestServer({ executor: 'local' });
  alice = await tenantToken(t, 'a', 'member', { allowedJurisdictions: ['US'] });
  dir = mkdtempSync(join(tmpdir(), 'sf-jobs-cli-'));
});
afterAll(async () => {
  await t?.close();
});

describe('superfactory login', () => {
  it('checks the token and saves URL and token in a profile readable only by its owner', async () => {
    const r = await sf(['login', t.url, '--token', alice, '--json']);
    const saved = jsonOf(r);
    expect(saved).toMatchObject({ profile: 'default', url: t.url, tenant: 'a', role: 'member' });
    expect(statSync(saved.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(saved.file, 'utf8')).profiles.default).toMatchObject({ url: t.url, token: alice });
    // Later commands need neither --server nor --token.
    const list = await sf(['jobs', 'list', '--json']);
    expect(jsonOf(list)).toHaveProperty('jobs');
  });

  it('refuses a token the server does not know, and saves nothing', async () => {
    const r = await sf(['login', t.url, '--token', 'sf_not-a-real-token', '--profile', 'bad']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: token: .*unknown bearer token \(fix: pass --token, set SUPERFACTORY_TOKEN/m);
    const again = await sf(['jobs', 'list', '--profile', 'bad']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: profile: no profile "bad"/m);
  });
});

describe('superfactory jobs', () => {
  let runId = '';

  it('submit with flags and the command after --: prints the created job', async () => {
    const r = await sf([
      'jobs',
      'submit',
      ...as(alice),
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
    const r = await sf(['jobs', 'logs', runId, '-f', '--interval', '0.2', ...as(alice)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual(['[rank 0] step 1', '[rank 0] step 2', '[rank 0] step 3', '[rank 0] step 4']);
    expect(r.stderr).toMatch(new RegExp(`-- ${runId} succeeded \\(exit 0\\) --`));
    expect(await state(runId)).toBe('succeeded');
  });

  it('logs without -f prints what the run wrote', async () => {
    const r = await sf(['jobs', 'logs', runId, ...as(alice)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[rank 0] step 4');
    const j = jsonOf(await sf(['jobs', 'logs', runId, '--json', ...as(alice)]));
    expect(j).toMatchObject({ job: runId, state: 'succeeded' });
    expect(j.text).toContain('step 1');
  });

  it('logs -f loses nothing when the log grows past the 64 KiB tail between two polls', async () => {
    // bursts of ~50 KB, two per poll at --interval 1: the tail alone would skip lines
    const script =
      'sleep 1; for i in 1 2 3 4 5 6; do for j in $(seq 1 1000); do echo "burst $i line $j padding padding"; done; sleep 0.5; done';
    const job = jsonOf(
      await sf([
        'jobs',
        'submit',
        '--name',
        'bursty',
        '--model',
        'llama3-8b',
        '--gpus',
        '1',
        '--json',
        ...as(alice),
        '--',
        'sh',
        '-c',
        script,
      ]),
    );
    const r = await sf(['jobs', 'logs', job.id, '-f', '--interval', '1', ...as(alice)]);
    expect(r.code).toBe(0);
    const expected: string[] = [];
    for (let i = 1; i <= 6; i++)
      for (let j = 1; j <= 1000; j++) expected.push(`[rank 0] burst ${i} line ${j} padding padding`);
    expect(r.stdout.trim().split('\n')).toEqual(expected);
    expect(r.stderr).not.toMatch(/lines were lost/);
    expect(r.stderr).toMatch(new RegExp(`-- ${job.id} succeeded \\(exit 0\\) --`));
  });

  it("logs without -f prints the whole log, past the server's 64 KiB tail, byte for byte", async () => {
    const script = 'for i in $(seq 1 3000); do echo "line $i é€ padding padding padding"; done';
    const job = jsonOf(
      await sf([
        'jobs',
        'submit',
        '--name',
        'long-log',
        '--model',
        'llama3-8b',
        '--gpus',
        '1',
        '--json',
        ...as(alice),
        '--',
        'sh',
        '-c',
        script,
      ]),
    );
    await waitFor(async () => (await state(job.id)) === 'succeeded', 30_000);
    const whole = await fetch(`${t.url}/v1/jobs/${job.id}/logs?download=1`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    const expected = await whole.text();
    expect(Buffer.byteLength(expected)).toBeGreaterThan(128 * 1024);
    const r = await sf(['jobs', 'logs', job.id, ...as(alice)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.endsWith('\n') ? expected : `${expected}\n`);
    expect(r.stdout.split('\n')[0]).toBe('[rank 0] line 1 é€ padding padding padding');
  });

  it('submit from a YAML job file: a string command runs in sh -c; jurisdictions and checkpointing map to the API', async () => {
    const file = join(dir, 'train.yaml');
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
    const job = jsonOf(await sf(['jobs', 'submit', file, '--json', ...as(alice)]));
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
      await sf(['jobs', 'submit', file, '--name', 'override', '--gpus', '1', '--json', ...as(alice)]),
    );
    expect(over).toMatchObject({ name: 'override', gpus: 1, allowedJurisdictions: ['US-GA'] });
    await waitFor(async () => (await state(over.id)) === 'succeeded', 20_000);
    const logs = await sf(['jobs', 'logs', over.id, ...as(alice)]);
    expect(logs.stdout).toContain(`hello from ${over.id}`);
  });

  it('names every bad key of a job file with the file and the fix, and sends nothing (exit 2)', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'model: llama3-8b\ngpu: 4\njurisdictions: [Mars]\n');
    const r = await sf(['jobs', 'submit', file, ...as(alice)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*bad\.yaml: gpu: unknown key "gpu" \(fix: use name, model, gpus/m);
    const missing = await sf(['jobs', 'submit', '--gpus', '0', ...as(alice), '--', 'true']);
    expect(missing.code).toBe(2);
    // Every problem at once: no name, no model, a bad GPU count.
    expect(missing.stderr).toMatch(/^error: --name: /m);
    expect(missing.stderr).toMatch(/^error: --model: /m);
    expect(missing.stderr).toMatch(/^error: --gpus: /m);
    const jobs = (await t.req('GET', '/v1/jobs?limit=1000', alice)).body.jobs as Json[];
    expect(jobs.some((j) => j.name === undefined || j.gpus === 0)).toBe(false);
  });

  it('list: a table for people, filters by state and name, --json the API page', async () => {
    const table = await sf(['jobs', 'list', ...as(alice)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TENANT\s+STATE\s+GPUS\s+SITES\s+AGE\s+REASON$/);
    expect(table.stdout).toMatch(new RegExp(`${runId}\\s+run1\\s+a\\s+succeeded\\s+1\\s+(atl|wi)`));
    const done = jsonOf(await sf(['jobs', 'list', '--state', 'succeeded', '--json', ...as(alice)]));
    expect(done.jobs.length).toBeGreaterThanOrEqual(2);
    expect(done.jobs.every((j: Json) => j.state === 'succeeded')).toBe(true);
    const named = jsonOf(await sf(['jobs', 'list', '--name', 'RUN1', '--json', ...as(alice)]));
    expect(named.jobs.map((j: Json) => j.id)).toEqual([runId]);
    const bad = await sf(['jobs', 'list', '--state', 'runing', ...as(alice)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --state: unknown state "runing" \(fix: use queued, /m);
  });

  it('show: the job field by field; --json the job', async () => {
    const r = await sf(['jobs', 'show', runId, ...as(alice)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^state\s+succeeded$/m);
    expect(r.stdout).toMatch(/^finished\s+\S+ \(exit 0\)$/m);
    expect(r.stdout).toMatch(/^placement\s+(atl|wi) 1 GPUs$/m);
    // the run's GPU-hours, energy and cost (GET /v1/jobs/:id usage)
    expect(r.stdout).toMatch(/^used so far\s+\d+\.\d\d GPU-hours, \d+\.\d+ kWh, \$\d+\.\d\d, \d+\.\d kg CO2e$/m);
    const shown = jsonOf(await sf(['jobs', 'show', runId, '--json', ...as(alice)]));
    expect(shown).toMatchObject({ id: runId });
    expect(shown.usage.gpuHours).toBeGreaterThan(0);
    const missing = await sf(['jobs', 'show', 'job_nope', ...as(alice)]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: id: /m);
  });

  it('events: the transitions in order; -f ends with the job', async () => {
    const ev = jsonOf(await sf(['jobs', 'events', runId, '--json', ...as(alice)]));
    expect(ev.events.map((e: Json) => e.to).filter(Boolean)).toEqual([
      'queued',
      'admitted',
      'starting',
      'running',
      'succeeded',
    ]);
    const table = await sf(['jobs', 'events', runId, ...as(alice)]);
    expect(table.stdout).toMatch(/queued->admitted/);
    const f = await sf(['jobs', 'events', runId, '-f', '--json', '--interval', '1', ...as(alice)]);
    expect(f.code).toBe(0);
    const streamed = f.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(streamed.map((e: Json) => e.seq)).toEqual(ev.events.map((e: Json) => e.seq));
  });

  it('suspend, resume and cancel a running job', async () => {
    const job = jsonOf(
      await sf([
        'jobs',
        'submit',
        '--name',
        'long',
        '--model',
        'llama3-8b',
        '--gpus',
        '1',
        '--no-checkpointing',
        '--json',
        ...as(alice),
        '--',
        'sleep',
        '60',
      ]),
    );
    expect(job.checkpointable).toBe(false);
    await waitFor(async () => (await state(job.id)) === 'running', 20_000);
    // Not checkpointing: it stops now (a checkpointing job would first take its next checkpoint).
    const s = jsonOf(await sf(['jobs', 'suspend', job.id, '--json', ...as(alice)]));
    expect(s).toMatchObject({ id: job.id, state: 'suspended' });
    const again = await sf(['jobs', 'resume', job.id, ...as(alice)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${job.id} \\(long\\): resumed, now queued$`, 'm'));
    await waitFor(async () => (await state(job.id)) === 'running', 20_000);
    const c = jsonOf(await sf(['jobs', 'cancel', job.id, '--json', ...as(alice)]));
    expect(c).toMatchObject({ id: job.id, state: 'cancelled' });
    const twice = await sf(['jobs', 'resume', job.id, ...as(alice)]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^error: state: a cancelled job cannot be resumed/m);
  }, 60_000);
});

describe('superfactory sites', () => {
  it('lists sites; an admin drains and undrains; a member may not', async () => {
    const list = jsonOf(await sf(['sites', '--json', ...as(alice)]));
    expect(list.sites.map((s: Json) => s.id)).toEqual(['atl', 'wi']);
    const table = await sf(['sites', ...as(alice)]);
    expect(table.stdout).toMatch(/^atl\s+\S.*\s+(up|unknown)\s+no\s+US-GA\s+\d+ \/ 8\s+local/m);
    const d = jsonOf(await sf(['sites', 'drain', 'atl', '--json', ...as(t.admin)]));
    expect(d.site).toMatchObject({ id: 'atl', drained: true });
    expect((await t.req('GET', '/v1/sites', alice)).body.sites[0].drained).toBe(true);
    const u = await sf(['sites', 'undrain', 'atl', ...as(t.admin)]);
    expect(u.stdout).toBe('atl: undrained (takes new jobs)\n');
    const member = await sf(['sites', 'drain', 'atl', ...as(alice)]);
    expect(member.code).toBe(2);
    expect(member.stderr).toMatch(/^error: authorization: .*admin/m);
  });
});

describe('superfactory tokens', () => {
  it('create prints the secret once; the token works', async () => {
    const r = await sf([
      'tokens',
      'create',
      '--tenant',
      'a',
      '--role',
      'viewer',
      '--name',
      'dashboards',
      ...as(t.admin),
    ]);
    expect(r.code).toBe(0);
    const secret = r.stdout.trim();
    expect(secret).toMatch(/^sf_/);
    expect(r.stderr).toMatch(/viewer token for tenant a/);
    const who = await t.req('GET', '/v1/whoami', secret);
    expect(who.body).toMatchObject({ tenant: 'a', role: 'viewer' });
    const j = jsonOf(await sf(['tokens', 'create', '--tenant', 'a', '--json', ...as(t.admin)]));
    expect(j).toMatchObject({ tenant: 'a', role: 'member' });
    const bad = await sf(['tokens', 'create', '--tenant', 'a', '--role', 'root', ...as(t.admin)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --role: unknown role "root" \(fix: use admin, member, viewer\)/m);
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
      ...as(alice),
      '--',
      'true',
    ]);

  it('the job runs only on the sites given', async () => {
    const job = jsonOf(await submit('wi'));
    expect(job.allowedSites).toEqual(['wi']);
    await waitFor(async () => (await state(job.id)) === 'succeeded', 20_000);
    const done = jsonOf(await sf(['jobs', 'show', job.id, '--json', ...as(alice)]));
    expect(done.sites).toEqual(['wi']);
  });

  it('an unknown site is refused by the server, naming the field and the sites there are', async () => {
    const r = await submit('wi,mars');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: sites: unknown site mars \(fix: use sites of .*: atl, wi\)/m);
  });
});

describe('superfactory tokens list and revoke', () => {
  it('list shows tokens without secrets; revoke stops a token at once', async () => {
    const made = jsonOf(
      await sf(['tokens', 'create', '--tenant', 'a', '--name', 'to-revoke', '--json', ...as(t.admin)]),
    );
    const list = jsonOf(await sf(['tokens', 'list', '--tenant', 'a', '--json', ...as(t.admin)]));
    const mine = list.tokens.find((x: Json) => x.name === 'to-revoke');
    expect(mine).toMatchObject({ tenant: 'a', role: 'member', revoked: false });
    expect(JSON.stringify(list)).not.toContain(made.token);
    expect(mine.lastUsedAt).toBeNull();
    expect((await t.req('GET', '/v1/whoami', made.token)).status).toBe(200);
    // its use is recorded (off the request's path): the table's LAST USED column shows when
    await waitFor(async () =>
      (await t.req('GET', '/v1/tenants/a/tokens', t.admin)).body.tokens.some(
        (x: Json) => x.id === mine.id && x.lastUsedAt,
      ),
    );
    const table = await sf(['tokens', 'list', '--tenant', 'a', ...as(t.admin)]);
    expect(table.stdout).toMatch(/LAST USED/);
    expect(table.stdout).toMatch(new RegExp(`^${mine.id} .*to-revoke .*\\d{4}-\\d\\d-\\d\\dT\\S+Z +active$`, 'm'));
    const r = await sf(['tokens', 'revoke', mine.id, '--tenant', 'a', ...as(t.admin)]);
    expect(r.stdout).toBe(`${mine.id}: revoked\n`);
    expect((await t.req('GET', '/v1/whoami', made.token)).status).toBe(401);
  });
});

describe('errors in the common form, exit 2', () => {
  it('no server, an unreachable server, an unknown option', async () => {
    const none = await sf(['jobs', 'list'], { SUPERFACTORY_CONFIG_DIR: join(dir, 'no-profile') });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: server: no control-plane server given \(fix: pass --server URL/m);
    const port = await closedPort();
    const down = await sf(['jobs', 'list', '--server', `http://127.0.0.1:${port}`, '--token', 'x']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(
      new RegExp(`^error: server: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED`, 'm'),
    );
    const notUrl = await sf(['sites', '--server', 'localhost:8080']);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/^error: server: --server must be http or https/m);
    const unknown = await sf(['jobs', 'list', '--sate', 'running', ...as(alice)]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: sate: unknown option --sate/m);
    const env = await sf(['jobs', 'list', '--json'], { SUPERFACTORY_URL: t.url, SUPERFACTORY_TOKEN: alice });
    expect(jsonOf(env)).toHaveProperty('jobs');
  });
});
