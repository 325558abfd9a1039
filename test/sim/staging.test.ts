// Issue 10: the twin stages a job's dataset to the sites of its placement that lack a replica, over the WAN,
// before the job starts; the copy time is part of its start delay.
import { describe, expect, it } from 'vitest';
import { validateJobs, type JobSpec } from '../../src/workload/types.js';
import { gangJob, quietScenario, simulateFifo, twoSites } from './gang-fixtures.js';

const fabric = twoSites();
const scenario = quietScenario();
const run = (j: JobSpec) => simulateFifo(fabric, [j], scenario);

describe('dataset staging in the twin', () => {
  const plain = run(gangJob({}));

  it('a missing replica is copied over the link first: its time is part of the start delay', () => {
    const res = run(gangJob({ datasetGB: 100_000, datasetSites: ['a'] }));
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
    const res = run(gangJob({ datasetGB: 100_000, datasetSites: ['a', 'b'] }));
    expect(res.jobs[0].stagingS).toBe(0);
    expect(res.jobs[0].jctS).toBe(plain.jobs[0].jctS);
    expect('wanLinks' in res.summary).toBe(false); // no copy crossed the WAN
  });

  it('a job file names datasetGB and datasetSites together, or the field is named', () => {
    const { issues } = validateJobs([{ ...gangJob({}), datasetGB: 10 }]);
    expect(issues[0].path).toContain('datasetSites');
    expect(validateJobs([gangJob({ datasetGB: 10, datasetSites: ['a'] })]).issues).toEqual([]);
  });
});
