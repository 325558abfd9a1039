// A fixed checkpoint interval (scenario `checkpointIntervalS`, or a job's own) instead of Young/Daly: a failure
// then loses on average half the interval of work, held on the job's GPUs (lostGpuSeconds), and a bad value is
// refused naming the field. Young/Daly stays the default (core/progress.ts).
import { describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import { loadModel } from '../../src/perf/index.js';
import { createPolicy } from '../../src/sched/index.js';
import { constantGridSeries } from '../../src/sim/grid.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { validateJobs, type JobSpec } from '../../src/workload/types.js';

const GPUS = 1_024;
// 1e-4 failures per GPU-hour (ASSUMPTION, ~5x Llama 3's) so that ten days give some 25 interruptions
const FAILURES = { enabled: true, perGpuHour: 1e-4, mix: { gpu: 1, node: 0, rack: 0 } };

function job(extra: Partial<JobSpec> = {}): JobSpec {
  return {
    id: 'ckpt',
    tenant: 't',
    priority: 0,
    gpus: GPUS,
    kind: 'pretraining',
    modelId: 'llama3-70b',
    preemptible: false,
    checkpointable: true,
    submitTimeS: 0,
    durationS: 10 * 86_400,
    ...extra,
  };
}

async function run(j: JobSpec, scenario: Scenario, seed = 1) {
  const fabric = await loadFabric('hgx-h100-roce');
  const grid = Object.fromEntries(fabric.sites.map((s) => [s.gridZone, constantGridSeries(s.gridZone, 300, 50)]));
  return simulate({ models: loadModel, fabric, jobs: [j], policy: createPolicy('fifo'), grid, seed, scenario }).jobs[0];
}

/** Mean work lost per interruption (s): GPU-seconds held by lost work over the job's GPUs. */
const lostPerInterruptionS = (r: { lostGpuSeconds: number; interruptions: number }) =>
  r.lostGpuSeconds / GPUS / r.interruptions;

describe('fixed checkpoint interval', () => {
  it('loses about half the interval per failure, more than Young/Daly, and a job may set its own', async () => {
    const youngDaly = await run(job(), parseScenario({ failures: FAILURES }).scenario!);
    const hourly = parseScenario({ failures: FAILURES, checkpointIntervalS: 3_600 }).scenario!;
    const fixed = await run(job(), hourly);
    const own = await run(job({ checkpointIntervalS: 600 }), hourly);
    for (const r of [youngDaly, fixed, own]) {
      expect(r.status).toBe('finished');
      expect(r.interruptions).toBeGreaterThan(12);
    }
    // failures fall uniformly inside an interval: mean loss interval/2 (1,800 s, 300 s), within the spread of ~25 draws
    expect(lostPerInterruptionS(fixed)).toBeGreaterThan(1_800 * 0.7);
    expect(lostPerInterruptionS(fixed)).toBeLessThan(1_800 * 1.3);
    expect(lostPerInterruptionS(own)).toBeGreaterThan(300 * 0.7);
    expect(lostPerInterruptionS(own)).toBeLessThan(300 * 1.3);
    // Young/Daly: a ~10 s write against a job MTBF of ~10 h gives sqrt(2 x 10 x 35,000) ~ 850 s, so it loses less
    // than the hourly run per failure and more than the 600 s one, and keeps more of the run than the hourly one
    expect(lostPerInterruptionS(youngDaly)).toBeLessThan(lostPerInterruptionS(fixed));
    expect(lostPerInterruptionS(youngDaly)).toBeGreaterThan(lostPerInterruptionS(own));
    expect(fixed.ettr!).toBeLessThan(youngDaly.ettr! - 0.01);
  }, 120_000);

  it('refuses a non-positive interval, naming the field', () => {
    const r = parseScenario({ checkpointIntervalS: 0 });
    expect(r.scenario).toBeUndefined();
    expect(r.issues.map((i) => i.path).join(' ')).toMatch(/checkpointIntervalS/);
  });

  it("refuses a job's non-positive interval, naming the job and the field", () => {
    const r = validateJobs([job({ checkpointIntervalS: -60 })]);
    expect(r.jobs).toEqual([]);
    expect(r.issues.map((i) => i.path)).toContain('jobs[0].checkpointIntervalS');
  });
});
