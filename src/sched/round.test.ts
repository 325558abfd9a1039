import { describe, expect, it } from 'vitest';
import { makeFabric } from '../fabric/make-fabric.fixture.js';
import { job } from './job.fixture.js';
import { buildClusterState, createPolicy, scheduleRound, type Decision, type RunningJob } from './index.js';

const ids = (ds: Decision[], type: Decision['type']) => ds.filter((d) => d.type === type).map((d) => d.jobId);

describe('scheduleRound: the started and preempted jobs as objects (RoundOutcome)', () => {
  it('lists the started jobs (the queued objects, their allocations) in the order of the start decisions', () => {
    const s = buildClusterState(makeFabric([{ id: 'a', pods: 1, gpusPerPod: 32, domainGpus: 8 }]));
    const q = [job('a', 8, { submitTimeS: 3 }), job('b', 4, { submitTimeS: 1 }), job('c', 64, { submitTimeS: 2 })];
    const r = scheduleRound(createPolicy('fifo'), s, q, [], 0, { mutate: true });
    expect(ids(r.decisions, 'start')).toEqual(['b', 'a']); // c (64 GPUs) never fits 32
    expect(r.startedJobs.map((x) => x.job)).toEqual([q[1], q[0]]);
    expect(r.startedJobs[0].job).toBe(q[1]);
    const allocs = r.decisions.flatMap((d) => (d.type === 'start' ? [d.allocation] : []));
    expect(r.startedJobs.map((x) => x.allocation)).toEqual(allocs);
    expect(r.startedJobs[1].allocation).toBe(allocs[1]);
    expect(r.preemptedJobs).toEqual([]);
  });

  it('lists the preempted running jobs in the order of the preempt decisions', () => {
    const s = buildClusterState(makeFabric([{ id: 'a', pods: 1, gpusPerPod: 16, domainGpus: 8 }]));
    const lows = [job('low1', 8, { priority: 0 }), job('low2', 8, { priority: 0 })];
    const r1 = scheduleRound(createPolicy('priority'), s, lows, [], 0, { mutate: true });
    const running: RunningJob[] = r1.startedJobs.map((x) => ({ ...x, expectedEndS: 100 }));
    const r = scheduleRound(createPolicy('priority'), s, [job('high', 16, { priority: 5 })], running, 10);
    const preempted = ids(r.decisions, 'preempt');
    expect(preempted.length).toBe(2);
    expect(r.preemptedJobs.map((x) => x.job.id)).toEqual(preempted);
    for (const x of r.preemptedJobs) expect(running).toContain(x);
    expect(r.startedJobs.map((x) => x.job.id)).toEqual(['high']);
  });
});
