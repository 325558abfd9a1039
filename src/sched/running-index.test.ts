import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { makeFabric } from '../fabric/make-fabric.fixture.js';
import { reserve, reserveSorted } from './backfill.js';
import { RunningByEnd } from './running-index.js';
import { buildClusterState } from './state.js';
import type { JobRequest, RunningJob } from './types.js';

function req(id: string, gpus: number, extra: Partial<JobRequest> = {}): JobRequest {
  const base = { tenant: 't', priority: 0, kind: 'finetune', modelId: 'llama3-8b', preemptible: true } as const;
  return { id, gpus, ...base, checkpointable: true, submitTimeS: 0, durationS: 100, ...extra };
}

function running(id: string, site: string, gpus: number, endS: number): RunningJob {
  const allocation = {
    jobId: id,
    gpus,
    sites: [site],
    pods: 1,
    domains: 1,
    spread: 'domain' as const,
    parts: [{ siteId: site, podId: `${site}-pod0`, domain: 0, gpus }],
  };
  return { job: req(id, gpus), allocation, startTimeS: 0, expectedEndS: endS };
}

describe('RunningByEnd', () => {
  it('keeps the finite-end jobs sorted through adds, moves and removals', () => {
    const idx = new RunningByEnd();
    const rng = new Rng(3);
    const live: RunningJob[] = [];
    for (let k = 0; k < 400; k++) {
      const op = rng.int(3);
      if (op === 0 || live.length === 0) {
        const rj = running(`j${k}`, 'a', 1, rng.int(4) === 0 ? Infinity : rng.int(50));
        live.push(rj);
        idx.add(rj);
      } else if (op === 1) {
        const rj = live.splice(rng.int(live.length), 1)[0];
        idx.remove(rj);
      } else idx.setEnd(live[rng.int(live.length)], rng.int(50));
      const want = live.filter((r) => Number.isFinite(r.expectedEndS)).map((r) => r.job.id);
      expect([...idx.sorted].map((r) => r.job.id).sort()).toEqual(want.sort());
      for (let i = 1; i < idx.size; i++)
        expect(idx.sorted[i - 1].expectedEndS).toBeLessThanOrEqual(idx.sorted[i].expectedEndS);
    }
  });
});

describe('reserveSorted', () => {
  const fabric = makeFabric([
    { id: 'a', pods: 1, gpusPerPod: 64 },
    { id: 'b', pods: 1, gpusPerPod: 64 },
  ]);

  it('gives the same reservation as sorting every running job, ties included', () => {
    const rng = new Rng(11);
    let nonNull = 0;
    for (let trial = 0; trial < 300; trial++) {
      const state = buildClusterState(fabric);
      const all: RunningJob[] = [];
      for (const site of ['a', 'b']) {
        let used = 0;
        for (let k = 0; used < 64; k++) {
          const g = Math.min(64 - used, 1 + rng.int(16));
          // few distinct ends, so that ties decide some reservations
          const end = rng.int(5) === 0 ? Infinity : 10 * (1 + rng.int(8));
          all.push(running(`${site}${trial}-${k}`, site, g, end));
          used += g;
        }
        state.sites.find((s) => s.id === site)!.freeGpus = rng.int(8);
      }
      // the caller's order is arbitrary; this pass started the last few jobs
      const startedNow = all.splice(all.length - rng.int(3), 3);
      const skip = new Set(all.filter(() => rng.int(10) === 0).map((r) => r.job.id));
      const pool = all.filter((r) => !skip.has(r.job.id));
      const idx = new RunningByEnd();
      // added in another order than the caller's (ties then sit differently in the index)
      for (const r of [...all].reverse()) idx.add(r);
      const head = req('head', 20 + rng.int(50), rng.int(2) ? { allowMultiSite: true } : {});
      const want = reserve(head, state, [...pool, ...startedNow], 5);
      const got = reserveSorted(head, state, idx.sorted, skip, startedNow, () => [...pool, ...startedNow], 5);
      expect(got).toEqual(want);
      if (want) nonNull++;
    }
    expect(nonNull).toBeGreaterThan(100);
  });
});
