import { describe, expect, it } from 'vitest';
import { loadModel } from '../../perf/index.js';
import { replicaTimings } from '../../perf/serving/index.js';
import { tiersForPod } from '../../perf/tiers.js';
import { makeFabric } from '../../fabric/make-fabric.fixture.js';
import { Rng } from '../../core/rng.js';
import { TimingCache } from './timing-cache.js';

describe('timing cache', () => {
  it('matches the serving model within 1e-4 relative (decode over batch and context, long prefills)', () => {
    const fabric = makeFabric([{ id: 'a' }]);
    const pod = fabric.sites[0].pods[0];
    const t = replicaTimings(loadModel('llama3-8b'), tiersForPod(pod), {
      tp: 1,
      pp: 1,
      ep: 1,
      precision: 'bf16',
      maxBatch: 256,
    });
    const c = new TimingCache(t);
    const rng = new Rng(11);
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const batch = 1 + rng.int(256);
      const ctx = Math.floor(rng.next() * batch * 8000);
      const exact = t.decodeStepSeconds(batch, ctx);
      worst = Math.max(worst, Math.abs(c.decodeS(batch, ctx) - exact) / exact);
    }
    for (let i = 0; i < 500; i++) {
      const tokens = 1 + Math.floor(rng.next() * 200_000);
      const exact = t.prefillSeconds(tokens);
      worst = Math.max(worst, Math.abs(c.prefillS(tokens) - exact) / exact);
    }
    expect(worst).toBeLessThan(1e-4);
    expect(c.prefillS(1000)).toBe(t.prefillSeconds(1000)); // exact below the cache limit
  });
});
