import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompare, runSimulate, type CommandIO } from '../../src/cli/sim-commands.js';
import { loadScenarioFile } from '../../src/sim/scenario-file.js';

function io(): CommandIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s) };
  return o;
}

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'sf-sim-'));

describe('superfactory simulate', () => {
  it('prints exactly one JSON object with the summary keys', async () => {
    const c = io();
    const code = await runSimulate(
      { fabric: 'dgx-h100-ib', synthetic: 'jobs=200,maxGpus=64', policy: 'fifo', json: true, seed: 3 },
      c,
    );
    expect(code).toBe(0);
    const lines = c.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]);
    for (const k of [
      'jobsFinished',
      'jobsUnfinished',
      'meanJctHours',
      'p99JctHours',
      'gpuUtilization',
      'energyMWh',
      'emissionsTCO2e',
      'goodput',
    ])
      expect(s).toHaveProperty(k);
    expect(s.jobsFinished + s.jobsUnfinished).toBe(200);
  });

  it('writes summary.json, jobs.csv and SVG charts to --out', async () => {
    const dir = tmp();
    const code = await runSimulate(
      {
        fabric: 'fairwater',
        synthetic: 'jobs=100',
        policy: 'carbon-aware',
        out: dir,
        scenario: 'data/scenarios/atl-outage.yaml',
      },
      io(),
    );
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'carbon.svg',
      'jct-cdf.svg',
      'jobs.csv',
      'power.svg',
      'summary.json',
      'timeseries.csv',
      'utilization.svg',
    ]);
    expect(readFileSync(path.join(dir, 'utilization.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(path.join(dir, 'jobs.csv'), 'utf8').split('\n')[0]).toContain('jctS');
  });

  it('rejects an unknown policy with exit code 2 and names the option', async () => {
    const c = io();
    expect(await runSimulate({ fabric: 'fairwater', synthetic: 'jobs=1', policy: 'random' }, c)).toBe(2);
    expect(c.err).toContain(
      'error: --policy: unknown policy "random" (fix: use one of fifo, priority, fair-share, carbon-aware)',
    );
  });

  it('compare rejects a policy listed twice with exit code 2', async () => {
    const c = io();
    expect(await runCompare({ fabric: 'fairwater', synthetic: 'jobs=1', policies: 'fifo,fifo' }, c)).toBe(2);
    expect(c.err).toContain('error: --policies: policy fifo is listed more than once (fix: name each policy once)');
  });

  it('reports a malformed trace row with its line number, and continues with --skip-bad-rows', async () => {
    const dir = tmp();
    const f = path.join(dir, 't.csv');
    writeFileSync(f, 'start,len,n\n0,100,1\n5,oops,2\n9,50,1\n');
    const c = io();
    expect(
      await runSimulate(
        {
          fabric: 'dgx-h100-ib',
          trace: f,
          traceFormat: 'csv',
          columns: 'submit=start,duration=len,gpus=n',
          json: true,
        },
        c,
      ),
    ).toBe(2);
    expect(c.err).toContain('t.csv:3: len');
    const d = io();
    expect(
      await runSimulate(
        {
          fabric: 'dgx-h100-ib',
          trace: f,
          traceFormat: 'csv',
          columns: 'submit=start,duration=len,gpus=n',
          json: true,
          skipBadRows: true,
        },
        d,
      ),
    ).toBe(0);
    expect(JSON.parse(d.out).jobsFinished).toBe(2);
    expect(d.err).toContain('dropped 1 of 3 rows');
  });

  it('names a scenario site that is not in the fabric', async () => {
    const dir = tmp();
    const f = path.join(dir, 's.yaml');
    writeFileSync(f, 'events:\n  - site: nowhere\n    down: { from: "1h", to: "2h" }\n');
    const c = io();
    expect(await runSimulate({ fabric: 'fairwater', synthetic: 'jobs=5', scenario: f }, c)).toBe(2);
    expect(c.err).toContain('events[0].site');
  });

  it('asks for a workload when neither --trace nor --synthetic is given', async () => {
    const c = io();
    expect(await runSimulate({ fabric: 'fairwater' }, c)).toBe(2);
    expect(c.err).toContain('--trace');
  });
});

describe('superfactory compare', () => {
  it('prints a side-by-side table and writes the comparison chart', async () => {
    const dir = tmp();
    const c = io();
    expect(
      await runCompare(
        {
          fabric: 'dgx-a100-80gb',
          synthetic: 'jobs=150,maxGpus=256',
          policies: 'fifo,priority,fair-share,carbon-aware',
          out: dir,
        },
        c,
      ),
    ).toBe(0);
    const lines = c.out.split('\n');
    expect(lines[0]).toMatch(/^policy\s+finished/);
    expect(lines.slice(2, 6).map((l) => l.split(/\s+/)[0])).toEqual(['fifo', 'priority', 'fair-share', 'carbon-aware']);
    expect(readdirSync(dir).sort()).toEqual(['compare-jct-cdf.svg', 'compare.json', 'compare.svg']);
  });
});

describe('shipped scenarios', () => {
  for (const f of readdirSync('data/scenarios').filter((n) => n.endsWith('.yaml'))) {
    it(`parses data/scenarios/${f}`, () => {
      const r = loadScenarioFile(path.join('data/scenarios', f));
      expect(r.issues).toEqual([]);
    });
  }
});
