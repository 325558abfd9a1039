// Set-up shared by the operating-CLI suites (jobs, sites, tokens, login): a real control plane started in
// this process (fastify on 127.0.0.1, SQLite, the local executor running real commands) and the CLI as a
// real subprocess against it.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { startTestServer, tenantToken, type Json, type TestServer } from '../control/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// tsx by absolute URL: the CLI runs in a temp folder, where `--import tsx` would not resolve.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface OpsCli {
  /** The control plane (started in beforeAll). */
  readonly t: TestServer;
  /** A member token of tenant a, allowed in US jurisdictions. */
  readonly alice: string;
  /** The suite's own working and profile folder. */
  readonly dir: string;
  /**
   * The CLI in a child process. Asynchronous (never spawnSync): the server answering it runs in this process.
   * No SUPERFACTORY_* variables leak in from the caller; the profile folder is the suite's own.
   */
  sf(args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<Run>;
  /** `--server` and `--token` flags for `token`. */
  as(token: string): string[];
  /** The parsed stdout of a run that must have succeeded without an error line. */
  jsonOf(r: Run): Json;
  /** A job's state through the API, as alice. */
  state(id: string): Promise<string>;
}

/** Registers the suite's beforeAll/afterAll and returns the handles they fill in. */
export function useOpsCli(dirPrefix: string): OpsCli {
  // Each test runs the CLI a few times (about 1-3 s a start on a busy machine).
  vi.setConfig({ testTimeout: 120_000 });
  let server: TestServer | undefined;
  let alice = '';
  let dir = '';
  const cli: OpsCli = {
    get t() {
      if (!server) throw new Error('useOpsCli: the control plane starts in beforeAll; use it inside a test');
      return server;
    },
    get alice() {
      return alice;
    },
    get dir() {
      return dir;
    },
    sf(args, env = {}, timeoutMs = 60_000) {
      const base: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
      for (const k of Object.keys(base)) if (k.startsWith('SUPERFACTORY_')) delete base[k];
      const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), ...args], {
        cwd: cli.dir,
        env: { ...base, SUPERFACTORY_CONFIG_DIR: join(cli.dir, 'config'), ...env },
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
    },
    as: (token) => ['--server', cli.t.url, '--token', token],
    jsonOf(r) {
      expect(r.stderr.match(/^error:.*$/m)?.[0] ?? '').toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout);
    },
    state: async (id) => (await cli.t.req('GET', `/v1/jobs/${id}`, cli.alice)).body.job.state as string,
  };
  beforeAll(async () => {
    server = await startTestServer({ executor: 'local' });
    alice = await tenantToken(server, 'a', 'member', { allowedJurisdictions: ['US'] });
    dir = mkdtempSync(join(tmpdir(), dirPrefix));
  });
  afterAll(async () => {
    await server?.close();
  });
  return cli;
}

/** Submits a one-GPU llama3-8b job named `name` running `command` (plus `flags`), as `token`; returns the job. */
export async function submitJob(
  cli: OpsCli,
  token: string,
  name: string,
  command: string[],
  flags: string[] = [],
): Promise<Json> {
  const args = ['jobs', 'submit', '--name', name, '--model', 'llama3-8b', '--gpus', '1', ...flags, '--json'];
  return cli.jsonOf(await cli.sf([...args, ...cli.as(token), '--', ...command]));
}
