// Issue 12: --seed (the simulation's failures) and --workload-seed (the jobs) are separate streams, so a
// different failure draw over the same workload is one flag away; by default both take --seed's number.
import { describe, expect, it } from 'vitest';
import { prepare } from '../../src/cli/sim-commands.js';

const quiet = (): void => {};
const synthetic = 'jobs=60,arrival=bursty,ratePerHour=20';
const TRACE = 'data/traces/philly_pollux.csv';

describe('simulate seeds', () => {
  it('changing --seed with a fixed --workload-seed keeps the synthetic job list and changes the failure seed', async () => {
    const a = await prepare({ fabric: 'fairwater', synthetic, seed: 1, workloadSeed: 7 }, quiet);
    const b = await prepare({ fabric: 'fairwater', synthetic, seed: 2, workloadSeed: 7 }, quiet);
    expect(a.jobs.length).toBe(60);
    expect(b.jobs).toEqual(a.jobs);
    expect([a.seed, b.seed]).toEqual([1, 2]);
  });

  it('changing --workload-seed changes the synthetic jobs (the check above can fail)', async () => {
    const a = await prepare({ fabric: 'fairwater', synthetic, seed: 1, workloadSeed: 7 }, quiet);
    const b = await prepare({ fabric: 'fairwater', synthetic, seed: 1, workloadSeed: 8 }, quiet);
    expect(b.jobs).not.toEqual(a.jobs);
  });

  it('without --workload-seed the workload takes --seed, as before', async () => {
    const a = await prepare({ fabric: 'fairwater', synthetic, seed: 3 }, quiet);
    const b = await prepare({ fabric: 'fairwater', synthetic, seed: 1, workloadSeed: 3 }, quiet);
    expect(b.jobs).toEqual(a.jobs);
  });

  it('a trace keeps its seeded model assignment when only --seed changes', async () => {
    const opts = { fabric: 'fairwater', trace: TRACE, traceFormat: 'philly', limit: 200 };
    const a = await prepare({ ...opts, seed: 1, workloadSeed: 4 }, quiet);
    const b = await prepare({ ...opts, seed: 9, workloadSeed: 4 }, quiet);
    const c = await prepare({ ...opts, seed: 1, workloadSeed: 5 }, quiet);
    expect(b.jobs).toEqual(a.jobs);
    expect(c.jobs.map((j) => j.modelId)).not.toEqual(a.jobs.map((j) => j.modelId));
  });
});
