import { describe, expect, it } from 'vitest';
import { makeFabric } from '../fabric/make-fabric.fixture.js';
import { job } from './job.fixture.js';
import {
  buildClusterState,
  createPolicy,
  placeGang,
  scheduleRound,
  POLICY_NAMES,
  type Allocation,
  type Decision,
  type RunningJob,
} from './index.js';

function startAlloc(d: Decision): Allocation {
  if (d.type !== 'start') throw new Error('expected a start');
  return d.allocation;
}

describe('gang placement', () => {
  const fabric = makeFabric([
    { id: 'a', pods: 2, gpusPerPod: 32, domainGpus: 8 },
    { id: 'b', jurisdiction: 'EU-DE', pods: 1, gpusPerPod: 32 },
  ]);

  it('puts a domain-sized job in a single scale-up domain', () => {
    const s = buildClusterState(fabric);
    const a = placeGang(job('j', 8), s)!;
    expect(a.spread).toBe('domain');
    expect(a.parts).toHaveLength(1);
  });

  it('fills whole domains of one pod before spreading over pods', () => {
    const s = buildClusterState(fabric);
    const a = placeGang(job('j', 24), s)!;
    expect(a.spread).toBe('pod');
    expect(a.pods).toBe(1);
    expect(a.domains).toBe(3);
  });

  it('never places a job outside its allowed jurisdictions', () => {
    const s = buildClusterState(fabric);
    const a = placeGang(job('j', 8, { allowedJurisdictions: ['EU'] }), s)!;
    expect(a.sites).toEqual(['b']);
    expect(placeGang(job('k', 40, { allowedJurisdictions: ['EU'] }), s)).toBeNull();
  });

  it('spans sites only for jobs that allow it', () => {
    const s = buildClusterState(fabric);
    expect(placeGang(job('j', 80, { kind: 'finetune' }), s)).toBeNull();
    const a = placeGang(job('j', 80, { kind: 'pretraining' }), s)!;
    expect(a.spread).toBe('multi-site');
  });
});

describe('scheduleRound', () => {
  const fabric = makeFabric([{ id: 'a', pods: 1, gpusPerPod: 16, domainGpus: 8 }]);

  it('backfills a short job behind a blocked head without delaying it', () => {
    const s = buildClusterState(fabric);
    const r1 = scheduleRound(createPolicy('fifo'), s, [job('big1', 8, { durationS: 100 })], [], 0, { mutate: true });
    const running: RunningJob[] = [
      { job: job('big1', 8), allocation: startAlloc(r1.decisions[0]), startTimeS: 0, expectedEndS: 100 },
    ];
    const q = [
      job('head', 16, { submitTimeS: 1 }),
      job('short', 8, { submitTimeS: 2, durationS: 50 }),
      job('long', 8, { submitTimeS: 3, durationS: 500 }),
    ];
    const r = scheduleRound(createPolicy('fifo'), s, q, running, 10);
    const starts = r.decisions.filter((d) => d.type === 'start').map((d) => d.jobId);
    expect(starts).toEqual(['short']);
  });

  it('preempts a lower-priority preemptible job under the priority policy', () => {
    const s = buildClusterState(fabric);
    const low = job('low', 16, { priority: 0 });
    const r1 = scheduleRound(createPolicy('priority'), s, [low], [], 0, { mutate: true });
    const running: RunningJob[] = [
      { job: low, allocation: startAlloc(r1.decisions[0]), startTimeS: 0, expectedEndS: 100 },
    ];
    const r = scheduleRound(createPolicy('priority'), s, [job('high', 8, { priority: 5 })], running, 10);
    expect(r.decisions.map((d) => d.type)).toEqual(['preempt', 'start']);
  });

  it('holds a job whose jurisdiction has no site with reason sovereignty', () => {
    for (const p of POLICY_NAMES) {
      const s = buildClusterState(fabric);
      const r = scheduleRound(createPolicy(p), s, [job('x', 1, { allowedJurisdictions: ['EU'] })], [], 0);
      expect(r.decisions).toEqual([{ type: 'hold', jobId: 'x', reason: 'sovereignty' }]);
    }
  });
});

describe('fair share', () => {
  it('holds a job that would borrow while another tenant of its cohort waits within its quota (no churn)', () => {
    const fabric = makeFabric([{ id: 'a', pods: 1, gpusPerPod: 32, domainGpus: 8 }]);
    const tenants = [
      { id: 'x', quotaGpus: 16, cohort: 'c' },
      { id: 'y', quotaGpus: 16, cohort: 'c' },
    ];
    const state = buildClusterState(fabric, { tenants });
    const policy = createPolicy('fair-share');
    // x runs 24 GPUs (16 of quota + 8 borrowed) in jobs that cannot be preempted; 8 GPUs are free. y, owed its whole
    // quota, queues 16 GPUs: it cannot start or reclaim now. x1 would borrow the free 8 and be reclaimed later.
    scheduleRound(policy, state, [job('x0', 16, { tenant: 'x', preemptible: false })], [], 0, { mutate: true });
    scheduleRound(policy, state, [job('xb', 8, { tenant: 'x', preemptible: false })], [], 0, { mutate: true });
    expect(state.freeGpus).toBe(8);
    const round = scheduleRound(
      policy,
      state,
      [job('x1', 8, { tenant: 'x', submitTimeS: 1 }), job('y1', 16, { tenant: 'y', submitTimeS: 2 })],
      [],
      3,
    );
    const x1 = round.decisions.find((d) => d.jobId === 'x1');
    expect(x1?.type).toBe('hold');
    // With nobody owed, the same borrower starts.
    const alone = scheduleRound(policy, state, [job('x1', 8, { tenant: 'x', submitTimeS: 1 })], [], 3);
    expect(alone.decisions.find((d) => d.jobId === 'x1')?.type).toBe('start');
  });
});

describe('locality wait', () => {
  // one site, two pods of 16 GPUs (8-GPU domains); 12 GPUs busy in each pod: a 8-GPU job fits only split
  // over the two pods' 4 free GPUs
  const fabric = makeFabric([{ id: 'a', pods: 2, gpusPerPod: 16, domainGpus: 8 }]);
  function busyState() {
    const state = buildClusterState(fabric);
    const fill = [job('f1', 12), job('f2', 12)];
    scheduleRound(createPolicy('fifo'), state, fill, [], 0, { mutate: true });
    return state;
  }

  it('holds a gang that would spread over more domains than it needs until submit + wait, then starts it', () => {
    const j = job('j', 8, { submitTimeS: 100 });
    const early = scheduleRound(createPolicy('fifo'), busyState(), [j], [], 200, { localityWaitS: 600 });
    expect(early.started).toBe(0);
    expect(early.decisions[0]).toEqual({ type: 'hold', jobId: 'j', reason: 'locality', untilS: 700 });
    expect(early.nextWakeS).toBe(700);
    const late = scheduleRound(createPolicy('fifo'), busyState(), [j], [], 700, { localityWaitS: 600 });
    expect(late.started).toBe(1);
    expect(startAlloc(late.decisions[0]).domains).toBeGreaterThan(1);
    const never = scheduleRound(createPolicy('fifo'), busyState(), [j], [], 200);
    expect(never.started).toBe(1); // no wait configured: takes the spread placement at once
  });
});
