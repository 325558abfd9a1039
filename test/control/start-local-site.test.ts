// `superfactory start` (the default deployment) as a real process over real HTTP: the fairwater sites stay on
// the twin, a site `local` runs a job's command on this machine with its logs over the API, and a command
// sent only to twin sites is refused with 422 naming `command` (never accepted and ignored).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
let proc: ChildProcess;
let url = '';
let token = '';
let dir = '';
let out = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
async function req(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return {
    status: r.status,
    body: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sf-start-'));
  proc = spawn(
    process.execPath,
    ['--import', TSX, join(ROOT, 'src/cli/main.ts'), 'start', '--port', '0', '--no-overview'],
    {
      cwd: dir,
      env: { ...process.env, LOG_LEVEL: 'warn', SUPERFACTORY_ADMIN_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(() => /admin token: (\S+)/.test(out), 100_000);
  url = /control plane: (http:\/\/\S+) /.exec(out)![1];
  token = /admin token: (\S+)/.exec(out)![1];
});
afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
});

describe('npm start: twin sites and a local site that runs real commands', () => {
  it('offers the fairwater sites on the twin and this machine as site local', async () => {
    const r = await req('GET', '/v1/sites');
    expect(r.status).toBe(200);
    const kinds = Object.fromEntries(r.body.sites.map((s: { id: string; executor: string }) => [s.id, s.executor]));
    expect(kinds).toEqual({ atl: 'twin', wi: 'twin', local: 'local' });
    const fabric = JSON.parse(readFileSync(join(dir, '.superfactory/fabric.json'), 'utf8'));
    expect(fabric.sites.map((s: { id: string }) => s.id)).toEqual(['atl', 'wi', 'local']);
  });

  it('runs a job command for real on site local; its output comes back from /logs', async () => {
    const marker = `hello-${process.pid}`;
    const sub = await req('POST', '/v1/jobs', {
      name: 'real command',
      model: 'llama3-8b',
      gpus: 1,
      command: ['sh', '-c', `echo ${marker} $SUPERFACTORY_JOB_ID; pwd`],
    });
    expect(sub.status).toBe(201);
    const id = sub.body.job.id as string;
    await waitFor(async () => (await req('GET', `/v1/jobs/${id}`)).body.job.state === 'succeeded', 60_000);
    const job = (await req('GET', `/v1/jobs/${id}`)).body.job;
    expect(job.placement.map((p: { site: string }) => p.site)).toEqual(['local']);
    const logs = await req('GET', `/v1/jobs/${id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain(`[rank 0] ${marker} ${id}`);
    // the command runs in the folder `start` was run from
    expect(logs.body).toContain(dir);
  });

  it('a job without a command still runs on the twin (the demo workload is simulated)', async () => {
    const jobs = (await req('GET', '/v1/jobs?limit=50')).body.jobs as { name: string; placement: { site: string }[] }[];
    const demo = jobs.filter((j) => j.name.includes('pretrain') && j.placement?.length);
    expect(demo.length).toBeGreaterThan(0);
    for (const j of demo) for (const p of j.placement) expect(['atl', 'wi']).toContain(p.site);
  });

  it.each([
    ['executor twin', { executor: 'twin' }],
    ['jurisdiction with twin sites only', { allowedJurisdictions: ['US-WI'] }],
  ])('refuses a command sent only to twin sites (%s): 422 naming command and the fix', async (_what, extra) => {
    const r = await req('POST', '/v1/jobs', {
      name: 'x',
      model: 'llama3-8b',
      gpus: 1,
      command: ['echo', 'hi'],
      ...extra,
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toHaveLength(1);
    const [e] = r.body.errors;
    expect(e.path).toBe('command');
    expect(e.message).toMatch(/simulate jobs and cannot run a command/);
    expect(e.message).toMatch(/(atl|wi): twin/);
    expect(e.hint).toMatch(/sites local/);
    expect(e.hint).toMatch(/leave out command/);
  });
});
