import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { makeFabric } from '../fabric/make-fabric.fixture.js';
import { bestFitDomainOf, bestFitScan } from './free-index.js';
import { job } from './job.fixture.js';
import { allocate, buildClusterState, cloneState, placeGang, release, repairGpus, setFailedGpus } from './index.js';
import type { Allocation } from './types.js';

describe('free-count index (best fit without a walk over the domains)', () => {
  it('picks the first domain with the least free GPUs that holds the request', () => {
    const state = buildClusterState(makeFabric([{ id: 'a', pods: 1, gpusPerPod: 40, domainGpus: 8 }]));
    const pod = state.sites[0].pods[0];
    pod.domainFree = [3, 5, 1, 5, 2];
    expect(bestFitDomainOf(pod, 1)).toBe(2);
    expect(bestFitDomainOf(pod, 2)).toBe(4);
    expect(bestFitDomainOf(pod, 4)).toBe(1);
    expect(bestFitDomainOf(pod, 6)).toBe(-1);
  });

  it('follows every change made through allocate, release, setFailedGpus and repairGpus', () => {
    // 3 pods of 13 domains (the last one short: 100 = 12 x 8 + 4), so bitsets span words and a domain is partial
    const state = buildClusterState(makeFabric([{ id: 'a', pods: 3, gpusPerPod: 100, domainGpus: 8 }]));
    const rng = new Rng(7);
    const running: Allocation[] = [];
    const failed: { pod: number; domain: number; gpus: number }[] = [];
    const pods = state.sites[0].pods;
    let mismatch: string | undefined;
    let repairs = 0;
    for (let step = 0; step < 3000; step++) {
      const u = rng.next();
      if (u < 0.45) {
        const a = placeGang(job(`j${step}`, 1 + rng.int(12)), state);
        if (a) {
          allocate(state, a);
          running.push(a);
        }
      } else if (u < 0.85 && running.length > 0) {
        release(state, running.splice(rng.int(running.length), 1)[0]);
      } else if (u < 0.93) {
        const p = rng.int(pods.length);
        const d = rng.int(pods[p].domainFree.length);
        const took = setFailedGpus(state, 'a', pods[p].id, d, 1 + rng.int(3));
        if (took > 0) failed.push({ pod: p, domain: d, gpus: took });
      } else if (failed.length > 0) {
        const f = failed.splice(rng.int(failed.length), 1)[0];
        repairGpus(state, 'a', pods[f.pod].id, f.domain, f.gpus);
        repairs++;
      }
      for (const pod of pods)
        for (let g = 1; g <= 9; g++)
          if (bestFitDomainOf(pod, g) !== bestFitScan(pod.domainFree, g))
            mismatch ??= `step ${step}, pod ${pod.id}, ${g} GPUs: free ${pod.domainFree.join(',')}`;
    }
    expect(mismatch).toBeUndefined();
    expect(running.length).toBeGreaterThan(10);
    expect(repairs).toBeGreaterThan(10);
    // a clone has its own arrays: its index is built on first use and follows the clone only
    const copy = cloneState(state);
    const a = placeGang(job('c', 3), copy)!;
    allocate(copy, a);
    for (let p = 0; p < pods.length; p++)
      for (let g = 1; g <= 9; g++) {
        expect(bestFitDomainOf(copy.sites[0].pods[p], g)).toBe(bestFitScan(copy.sites[0].pods[p].domainFree, g));
        expect(bestFitDomainOf(pods[p], g)).toBe(bestFitScan(pods[p].domainFree, g));
      }
  });
});
