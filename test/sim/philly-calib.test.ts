// Issue 12: Philly-like queueing. The Philly trace on a Philly-like cluster (servers of 8/4/3/2 GPUs in racks,
// data/fabrics/philly-servers.json) at the trace's load share (x0.5), each virtual cluster a hard quota, with and
// without a locality wait for multi-GPU jobs. Published (AcmeTrace cluster_summary.csv, Philly): mean 3,761 s,
// median 189 s. The mean holds to a factor of 2; the median does not come out of these mechanisms (93% of the jobs
// are 1-GPU jobs, which locality does not touch and which mostly find a free GPU in their VC): docs/twin-validation.md.
import { describe, expect, it } from 'vitest';
import { PHILLY_PUBLISHED, phillyLikeFabric, phillyQueueing } from '../../bench/philly.js';

describe('calibration: Philly-like queueing (docs/twin-validation.md)', () => {
  it('builds the fabric from the server list: one domain per server, racks of one server size', () => {
    const f = phillyLikeFabric(1);
    // 264 x 8 + 271 x 4 + 1 x 3 + 3 x 2 GPUs (revised machine list)
    expect(f.gpus).toBe(264 * 8 + 271 * 4 + 3 + 6);
    for (const p of f.sites[0].pods) {
      expect(p.nodes).toBeLessThanOrEqual(8);
      expect(p.gpus % p.system.scaleUpDomainGpus).toBe(0);
    }
  });

  it('lands within a factor of 2 of the published mean; a locality wait delays multi-GPU jobs only', () => {
    const free = phillyQueueing(0.5, 0);
    const wait = phillyQueueing(0.5, 1800);
    for (const r of [free, wait]) {
      expect(r.meanQueueS / PHILLY_PUBLISHED.meanQueueS).toBeGreaterThanOrEqual(0.5);
      expect(r.meanQueueS / PHILLY_PUBLISHED.meanQueueS).toBeLessThanOrEqual(2);
    }
    // multi-GPU jobs now wait for one server: fewer start at once and their mean wait grows
    expect(wait.multiGpu.startedAtOnce).toBeLessThan(free.multiGpu.startedAtOnce - 0.03);
    expect(wait.multiGpu.meanQueueS).toBeGreaterThan(free.multiGpu.meanQueueS);
    // 1-GPU jobs fit any server: their share starting at once moves by under 2 points
    expect(Math.abs(wait.oneGpu.startedAtOnce - free.oneGpu.startedAtOnce)).toBeLessThan(0.02);
  }, 600_000);
});
