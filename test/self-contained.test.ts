// A fresh clone works on its own: the project files (git ls-files, tracked and new) are copied into an empty temp folder with
// nothing beside them (no ../shared), node_modules is linked in, and the README's simulate example, a scenario
// run and the dashboard's what-if and telemetry must work from that copy with no data-folder variables set.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundledDataPath, dataPath, gridDataPath, projectRoot, traceDataPath } from '../src/data-dir.js';
import { loadModel } from '../src/perf/index.js';
import { generateSuperfactory, loadWorkloadMix } from '../src/workload/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let box: string; // the temp folder: it holds only repo/
let repo: string;

/** The environment without any pointer to data outside the copy. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', LOG_LEVEL: 'warn' };
  delete env.SUPERFACTORY_DATA_DIR;
  delete env.SUPERFACTORY_SHARED_DIR;
  delete env.SUPERFACTORY_URL;
  delete env.SUPERFACTORY_TOKEN;
  return env;
}

function cli(args: string[], timeoutMs = 240_000) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: isolatedEnv(),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The README's `$ superfactory simulate ...` line, as words. */
function readmeCommand(command: string): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith(`$ superfactory ${command} `));
  if (!line) throw new Error(`README.md has no "$ superfactory ${command}" example`);
  return line.slice('$ superfactory '.length).trim().split(/\s+/);
}

beforeAll(() => {
  box = mkdtempSync(join(tmpdir(), 'sf-alone-'));
  repo = join(box, 'repo');
  // Tracked files plus new ones not ignored: in a working tree under change, a tracked file may already import a
  // file that is not committed yet; a clone of the next commit holds both.
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const f of new Set(listed.stdout.split('\0'))) {
    // A tracked file that a change has just deleted in the working tree is not part of the copy.
    if (!f || !existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(repo, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
}, 120_000);

afterAll(() => {
  if (box) rmSync(box, { recursive: true, force: true });
});

describe('a copy of the repository with nothing beside it', () => {
  it('holds only the repository: no shared folder next to it', () => {
    expect(readdirSync(box)).toEqual(['repo']);
    expect(existsSync(join(repo, 'data', 'grid', 'README.md'))).toBe(true);
    expect(existsSync(join(repo, 'data', 'traces', 'README.md'))).toBe(true);
  });

  it("runs the README's simulate example", () => {
    const args = readmeCommand('simulate');
    const mix = args[args.indexOf('--workload') + 1];
    expect(mix).toBe('superfactory'); // the example's workload is a mix shipped in data/workloads
    const outDir = join(box, 'sim-out');
    const r = cli([...args.slice(0, args.indexOf('--out')), '--out', outDir]);
    expect(r.stderr).not.toMatch(/not found|error/);
    expect(r.code).toBe(0);
    // Every job of the shipped mix (fairwater's 100,800 GPUs, workload seed 1), read from the copy's data/workloads.
    const expected = generateSuperfactory(loadWorkloadMix('superfactory').mix!, loadModel, { fleetGpus: 100_800 });
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
    expect(summary.jobsFinished + summary.jobsUnfinished).toBe(expected.workload!.jobs.length);
    expect(summary.jobsFinished).toBeGreaterThan(10_000);
    // Real grid series, not constants: emissions and cost come from the shipped carbon and price files.
    expect(summary.emissionsTCO2e).toBeGreaterThan(0);
    expect(summary.costUsd).toBeGreaterThan(0);
    expect(JSON.stringify(summary.gridSources)).toMatch(/EIA-930 2022 SOCO/);
  }, 300_000);

  it('runs a what-if-like scenario (a site down) through the CLI', () => {
    const base = ['--fabric', 'fairwater', '--synthetic', 'jobs=200', '--horizon-days', '10', '--json'];
    const r = cli(['simulate', ...base, '--scenario', 'data/scenarios/atl-outage.yaml']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.scenario).toBe('atl-outage');
    expect(s.jobsFinished).toBeGreaterThan(0);
    expect(s.emissionsTCO2e).toBeGreaterThan(0);
  }, 300_000);

  describe('the demo server (superfactory start) from the copy', () => {
    let proc: ChildProcess;
    let url = '';
    let admin = '';
    let out = '';

    beforeAll(async () => {
      proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--port', '0', '--no-overview'], {
        cwd: repo,
        env: isolatedEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`start did not come up:\n${out}`)), 90_000);
        const onData = (b: Buffer) => {
          out += b.toString();
          const u = /control plane: (http:\/\/\S+)/.exec(out);
          const t = /admin token: (\S+)/.exec(out);
          if (u && t) {
            url = u[1].replace('localhost', '127.0.0.1');
            admin = t[1];
            clearTimeout(timer);
            resolve();
          }
        };
        proc.stdout!.on('data', onData);
        proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
        proc.on('exit', (code) => reject(new Error(`start exited with ${code}:\n${out}`)));
      });
    }, 120_000);

    afterAll(async () => {
      if (proc && proc.exitCode === null) {
        const exited = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
    });

    const req = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    it("answers the dashboard's what-if with the twin", async () => {
      const r = await req('POST', '/v1/whatif', {
        mode: 'outage',
        site: 'atl',
        downHours: 6,
        atHours: 6,
        workload: { jobs: 100 },
        horizonDays: 2,
      });
      expect(r.body.errors).toBeUndefined();
      expect(r.status).toBe(200);
      expect(r.body.runs.map((x: { label: string }) => x.label)).toEqual(['baseline', 'atl down 6 h']);
      for (const run of r.body.runs) expect(Math.max(...run.series.carbonTPerH)).toBeGreaterThan(0);
    }, 120_000);

    it('reports grid carbon and price per site in telemetry', async () => {
      const r = await req('GET', '/v1/telemetry');
      expect(r.status).toBe(200);
      expect(r.body.sites.length).toBeGreaterThan(0);
      for (const s of r.body.sites) {
        expect(typeof s.carbonGPerKWh, s.id).toBe('number');
        expect(typeof s.priceUsdPerMWh, s.id).toBe('number');
      }
    });
  });
});

const savedDataDir = process.env.SUPERFACTORY_DATA_DIR;
afterEach(() => {
  if (savedDataDir === undefined) delete process.env.SUPERFACTORY_DATA_DIR;
  else process.env.SUPERFACTORY_DATA_DIR = savedDataDir;
});

const carbon = ['carbon', 'eia930_2022_dc-rl', 'SOCO_2022_hourly_fuelmix_avgCI.csv'];

describe('data lookup (src/data-dir.ts)', () => {
  it('uses the data shipped in the project by default (grid series and the example trace)', () => {
    delete process.env.SUPERFACTORY_DATA_DIR;
    expect(gridDataPath(...carbon)).toBe(join(projectRoot(), 'data', 'grid', ...carbon));
    expect(traceDataPath('philly_pollux.csv')).toBe(join(projectRoot(), 'data', 'traces', 'philly_pollux.csv'));
  });

  it("SUPERFACTORY_DATA_DIR: the user's file wins, a file it lacks falls back to the shipped one", () => {
    const mine = mkdtempSync(join(tmpdir(), 'sf-data-'));
    mkdirSync(join(mine, 'grid', 'carbon', 'eia930_2022_dc-rl'), { recursive: true });
    writeFileSync(join(mine, 'grid', ...carbon), 'timestamp,avg_CI\n');
    process.env.SUPERFACTORY_DATA_DIR = mine;
    expect(gridDataPath(...carbon)).toBe(join(mine, 'grid', ...carbon));
    expect(dataPath('fabrics', 'fairwater.yaml')).toBe(bundledDataPath('fabrics', 'fairwater.yaml'));
    // Neither has it: the user's path, so the "not found" error names the folder they chose.
    expect(dataPath('fabrics', 'nowhere.yaml')).toBe(join(mine, 'fabrics', 'nowhere.yaml'));
  });
});
