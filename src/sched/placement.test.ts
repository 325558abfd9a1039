import { describe, expect, it } from 'vitest';
import { makeFabric } from '../fabric/make-fabric.fixture.js';
import { job } from './job.fixture.js';
import { buildClusterState, placeGang } from './index.js';

describe('placeInPod on a fragmented pod (counting-sort order)', () => {
  it('takes the domains with most free GPUs first, lower index first on ties', () => {
    const state = buildClusterState(makeFabric([{ id: 'a', pods: 1, gpusPerPod: 32, domainGpus: 8 }]));
    const site = state.sites[0];
    const pod = site.pods[0];
    // 15 free GPUs spread 3/5/5/2: no domain is whole, so 12 GPUs take 5 (d1), 5 (d2), then 2 of d0's 3
    pod.domainFree = [3, 5, 5, 2];
    pod.freeGpus = site.freeGpus = state.freeGpus = 15;
    const a = placeGang(job('j', 12), state);
    expect(a?.parts.map((p) => [p.domain, p.gpus])).toEqual([
      [1, 5],
      [2, 5],
      [0, 2],
    ]);
    expect(a?.spread).toBe('pod');
    expect(a?.pods).toBe(1);
  });

  it('counts each pod once when a gang spans pods of a site', () => {
    const state = buildClusterState(makeFabric([{ id: 'a', pods: 2, gpusPerPod: 32, domainGpus: 8 }]));
    const a = placeGang(job('j', 40), state);
    expect(a?.pods).toBe(2);
    expect(a?.domains).toBe(5);
    expect(a?.spread).toBe('site');
  });
});
