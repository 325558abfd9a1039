// Issue 10: the twin stages a job's dataset to the sites of its placement that lack a replica, over the WAN,
// before the job starts; the copy time is part of its start delay.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/perf/index.js';
import { createPolicy } from '../../src/sched/index.js';
import { constantGridSeries } from '../../src/sim/grid.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { validateJobs, type JobSpec } from '../../src/workload/types.js';
import { makeFabric } from './helpers.js';

const grid = { PJM: constantGridSeries('PJM', 400, 50) };
const fabric = makeFabric([
  { id: 'a', gpusPerPod: 64 },
  { id: 'b', gpusPerPod: 64 },
]);
const scenario = parseScenario({ failures: { enabled: false } }).scenario!;

function job(extra: Partial<JobSpec>): JobSpec {
  return {
    id: 'gang',
    tenant: 't',
    priority: 0,
    gpus: 96,
    kind: 'pretraining',
    modelId: 'llama3-8b',
    preemptible: false,
    checkpointable: false,
    submitTimeS: 0,
    durationS: 86_400,
    ...extra,
  };
}

const run = (j: JobSpec) =>
  simulate({ models: loadModel, fabric, jobs: [j], policy: createPolicy('fifo'), scenario, grid, seed: 1 });

describe('dataset staging in the twin', () => {
  const plain = run(job({}));

  it('a missing replica is copied over the link first: its time is part of the start delay', () => {
    const res = run(job({ datasetGB: 100_000, datasetSites: ['a'] }));
    const j = res.jobs[0];
    expect(j.sites).toEqual(['a', 'b']);
    // 100 TB to site b over half of the 100 Tb/s link: 8e14 bit / 5e13 bit/s = 16 s
    expect(j.stagingS).toBeCloseTo(16, 9);
    expect(j.jctS! - plain.jobs[0].jctS!).toBeCloseTo(16, 6);
    expect(j.firstStartS).toBe(plain.jobs[0].firstStartS);
    expect(res.summary.wanLinks![0].stagingGB).toBe(100_000);
    expect('stagingS' in plain.jobs[0]).toBe(false);
    expect('wanLinks' in plain.summary).toBe(false);
  });

  it('replicas on every site of the placement: nothing to copy', () => {
    const res = run(job({ datasetGB: 100_000, datasetSites: ['a', 'b'] }));
    expect(res.jobs[0].stagingS).toBe(0);
    expect(res.jobs[0].jctS).toBe(plain.jobs[0].jctS);
    expect('wanLinks' in res.summary).toBe(false); // no copy crossed the WAN
  });

  it('a job file names datasetGB and datasetSites together, or the field is named', () => {
    const { issues } = validateJobs([{ ...job({}), datasetGB: 10 }]);
    expect(issues[0].path).toContain('datasetSites');
    expect(validateJobs([job({ datasetGB: 10, datasetSites: ['a'] })]).issues).toEqual([]);
  });
});
