// `simulate --workload MIX`: the superfactory mix through the real CLI, sized to the fabric; bad input exits 2
// naming the flag and the fix.
import { describe, expect, it } from 'vitest';
import { runSimulate, type CommandIO } from '../../src/cli/sim-commands.js';
import { loadFabric } from '../../src/fabric/index.js';
import { loadModel } from '../../src/perf/index.js';
import { generateSuperfactory, loadWorkloadMix } from '../../src/workload/index.js';
import { runCli } from './run-cli.js';

function io(): CommandIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s) };
  return o;
}

describe('simulate --workload', () => {
  it('replays the superfactory mix on fairwater: the generator’s jobs, frontier runs among them', async () => {
    const r = runCli([
      'simulate',
      '--fabric',
      'fairwater',
      '--workload',
      'superfactory:days=0.5',
      '--horizon-days',
      '0',
      '--no-failures',
      '--workload-seed',
      '4',
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim());
    const fabric = await loadFabric('fairwater');
    const expected = generateSuperfactory(loadWorkloadMix('superfactory').mix!, loadModel, {
      fleetGpus: fabric.gpus,
      days: 0.5,
      seed: 4,
    }).workload!;
    expect(s.jobsTotal).toBe(expected.jobs.length);
    expect(expected.jobs.filter((j) => j.id.startsWith('frontier'))).toHaveLength(2);
    // the frontier runs alone hold tens of thousands of GPUs: the fleet is far from the 0.4% of the Philly replay
    expect(s.gpuUtilization).toBeGreaterThan(0.3);
  }, 180_000);

  it('names the flag on bad input and exits 2', async () => {
    const cases: [string, RegExp][] = [
      ['nosuch', /--workload: cannot read workload "nosuch".*use one of .*superfactory/],
      ['superfactory:dayz=3', /--workload superfactory: cannot read "dayz=3"/],
      ['superfactory:targetLoad=0.1', /--workload superfactory: targetLoad: the fixed runs alone hold/],
    ];
    for (const [arg, re] of cases) {
      const c = io();
      expect(await runSimulate({ fabric: 'fairwater', workload: arg, policy: 'fifo' }, c), arg).toBe(2);
      expect(c.err, arg).toMatch(re);
    }
    const both = io();
    expect(await runSimulate({ fabric: 'fairwater', workload: 'superfactory', synthetic: 'jobs=10' }, both)).toBe(2);
    expect(both.err).toMatch(/--synthetic\/--workload: more than one workload given/);
  }, 60_000);
});
