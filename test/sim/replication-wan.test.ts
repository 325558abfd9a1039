// Issue 10: the twin's checkpoint copies of a cross-site gang are counted on the WAN link it uses.
import { describe, expect, it } from 'vitest';
import { checkpointCostS } from '../../src/core/progress.js';
import { loadModel } from '../../src/perf/index.js';
import { SpeedModel } from '../../src/sim/speed.js';
import { gangJob, quietScenario, simulateFifo, twoSites } from './gang-fixtures.js';

const fabric = twoSites();
const scenario = quietScenario();
const run = (gpus: number) => simulateFifo(fabric, [gangJob({ id: `j${gpus}`, gpus, checkpointable: true })], scenario);

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
