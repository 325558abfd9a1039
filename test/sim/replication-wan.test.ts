// Issue 10: the twin's checkpoint copies of a cross-site gang are counted on the WAN link it uses.
import { describe, expect, it } from 'vitest';
import { checkpointCostS } from '../../src/core/progress.js';
import { loadModel } from '../../src/perf/index.js';
import { createPolicy } from '../../src/sched/index.js';
import { constantGridSeries } from '../../src/sim/grid.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { SpeedModel } from '../../src/sim/speed.js';
import type { JobSpec } from '../../src/workload/types.js';
import { makeFabric } from './helpers.js';

const grid = { PJM: constantGridSeries('PJM', 400, 50) };
const fabric = makeFabric([
  { id: 'a', gpusPerPod: 64 },
  { id: 'b', gpusPerPod: 64 },
]);
const scenario = parseScenario({ failures: { enabled: false } }).scenario!;

function job(gpus: number): JobSpec {
  return {
    id: `j${gpus}`,
    tenant: 't',
    priority: 0,
    gpus,
    kind: 'pretraining',
    modelId: 'llama3-8b',
    preemptible: false,
    checkpointable: true,
    submitTimeS: 0,
    durationS: 86_400,
  };
}

const run = (gpus: number) =>
  simulate({ models: loadModel, fabric, jobs: [job(gpus)], policy: createPolicy('fifo'), scenario, grid, seed: 1 });

describe('checkpoint copies on the twin WAN', () => {
  it('a cross-site gang puts each checkpoint once on the link (2 sites: every site gets the half it lacks)', () => {
    const res = run(96);
    const j = res.jobs[0];
    expect(j.sites).toEqual(['a', 'b']);
    expect(j.status).toBe('finished');
    const bytes = new SpeedModel(fabric, loadModel).checkpointBytes('llama3-8b')!;
    // checkpoints written, read off the job's wall time: (JCT - compute at its speed) / one checkpoint's pause
    const pauseS = checkpointCostS(bytes, 96, fabric.sites[0]);
    const written = (j.jctS! - j.durationS / j.speedFactor!) / pauseS;
    expect(written).toBeGreaterThan(1);
    expect(Math.abs(written - Math.round(written))).toBeLessThan(1e-3);
    const link = res.summary.wanLinks!.find((l) => l.id === fabric.wanLinks[0].id)!;
    expect(link.replicationGB).toBeCloseTo((Math.round(written) * bytes) / 1e9, 2);
    const capacityBytes = 2 * ((fabric.wanLinks[0].capacityGbps * 1e9) / 8) * j.endS!;
    expect(link.replicationUtilization).toBeCloseTo((Math.round(written) * bytes) / capacityBytes, 5);
  });

  it('a one-site run carries nothing over the WAN and its summary has no wanLinks', () => {
    const res = run(32);
    expect(res.jobs[0].sites).toHaveLength(1);
    expect('wanLinks' in res.summary).toBe(false);
  });
});
