// The twin takes each job's plan from the planner and its speed on a placement from the perf model.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/perf/index.js';
import { planOnFabric } from '../../src/planner/index.js';
import { createPolicy } from '../../src/sched/index.js';
import type { Allocation } from '../../src/sched/types.js';
import { constantGridSeries, type GridSeries } from '../../src/sim/grid.js';
import { planGpus } from '../../src/sim/job-plans.js';
import { jobsToCsv } from '../../src/sim/metrics.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { SpeedModel } from '../../src/sim/speed.js';
import type { JobSpec } from '../../src/workload/types.js';
import { makeFabric } from './helpers.js';

const grid: Record<string, GridSeries> = { PJM: constantGridSeries('PJM', 400, 50) };
const noFailures = parseScenario({ failures: { enabled: false } }).scenario!;
// HGX H100: 80 GB GPUs, 8-GPU NVLink domains
const fabric = makeFabric([{ id: 'a', pods: 1, gpusPerPod: 32, domainGpus: 8, powerMW: 100 }]);

function job(id: string, gpus: number, extra: Partial<JobSpec> = {}): JobSpec {
  return {
    id,
    tenant: 't',
    priority: 0,
    gpus,
    kind: 'finetune',
    modelId: 'llama3-8b',
    preemptible: true,
    checkpointable: false,
    submitTimeS: 0,
    durationS: 3600,
    ...extra,
  };
}

describe('plans from the planner', () => {
  it("records the planner's best single-site plan per job in jobs.csv", () => {
    const res = simulate({
      models: loadModel,
      fabric,
      jobs: [job('a', 8)],
      policy: createPolicy('fifo'),
      scenario: noFailures,
      grid,
    });
    const best = planOnFabric(loadModel('llama3-8b'), fabric, {
      gpus: 8,
      sites: ['a'],
      top: 1,
      strategies: ['single-site'],
    }).plans[0];
    const j = res.jobs[0];
    expect(j.status).toBe('finished');
    expect([j.planStrategy, j.planTp, j.planPp, j.planDp, j.planTokensPerS]).toEqual([
      'single-site',
      best.tp,
      best.pp,
      best.dp,
      best.effectiveTokensPerSecond,
    ]);
    expect(j.speedFactor).toBe(1); // one NVLink domain: the plan's own placement
    const csv = jobsToCsv(res.jobs).split('\n');
    const head = csv[0].split(',');
    for (const c of ['planStrategy', 'planTp', 'planPp', 'planDp', 'planTokensPerS', 'predictedTokensPerS'])
      expect(head).toContain(c);
    expect(csv[1].split(',')[head.indexOf('planStrategy')]).toBe('single-site');
    expect(res.summary.planKeys).toBe(1);
  });

  it('runs a job whose model only fits with recompute and ZeRO, and rejects one that fits no plan', () => {
    // Llama 3 8B: 128 GB of weights, gradients and Adam states. On 3 x 80 GB GPUs the planner needs
    // ZeRO and recompute; on one GPU no plan fits, so the job is rejected with the planner's reason.
    const res = simulate({
      models: loadModel,
      fabric,
      jobs: [job('three', 3), job('one', 1)],
      policy: createPolicy('fifo'),
      scenario: noFailures,
      grid,
    });
    const [three, one] = res.jobs;
    expect(three.status).toBe('finished');
    expect(three.planZero).toBeGreaterThanOrEqual(1);
    expect(three.planRecompute).not.toBe('none');
    expect(one.status).toBe('rejected');
    expect(one.reason).toMatch(/^does not fit: no plan of Llama 3 8B fits in memory/);
    expect(one.planStrategy).toBe('');
    expect(res.summary.jobsUnfinished).toBe(1);
  });

  it("turns a token budget into work at the plan's predicted tokens/s", () => {
    const tokens = 1e9;
    const spec = { ...job('tok', 8), durationS: undefined, tokens };
    const res = simulate({
      models: loadModel,
      fabric,
      jobs: [spec],
      policy: createPolicy('fifo'),
      scenario: noFailures,
      grid,
    });
    const j = res.jobs[0];
    expect(j.status).toBe('finished');
    expect(j.durationS).toBeCloseTo(tokens / j.planTokensPerS!, 6);
    expect(j.jctS).toBeCloseTo(j.durationS, 6);
  });

  it('slows the same plan when its GPUs are split over NVLink domains', () => {
    const sm = new SpeedModel(fabric, loadModel);
    const one: Allocation = {
      jobId: 'x',
      gpus: 8,
      parts: [{ siteId: 'a', podId: 'a-pod0', domain: 0, gpus: 8 }],
      sites: ['a'],
      pods: 1,
      domains: 1,
      spread: 'domain',
    };
    const split: Allocation = {
      ...one,
      parts: [
        { siteId: 'a', podId: 'a-pod0', domain: 0, gpus: 4 },
        { siteId: 'a', podId: 'a-pod0', domain: 1, gpus: 4 },
      ],
      domains: 2,
      spread: 'pod',
    };
    const single = sm.placement('llama3-70b', {
      ...one,
      gpus: 32,
      parts: [0, 1, 2, 3].map((d) => ({ siteId: 'a', podId: 'a-pod0', domain: d, gpus: 8 })),
      domains: 4,
      spread: 'pod',
    });
    // 2 GPUs per NVLink domain: smaller than the plan's TP group, which then crosses the network
    const spread = sm.placement('llama3-70b', {
      ...one,
      gpus: 32,
      parts: Array.from({ length: 16 }, (_, d) => ({ siteId: 'a', podId: 'a-pod0', domain: d, gpus: 2 })),
      domains: 16,
      spread: 'pod',
    });
    expect(single.plan!.tp).toBeGreaterThan(2);
    expect(single.speed).toBe(1);
    expect(spread.plan).toEqual(single.plan); // same plan, worse placement
    expect(spread.speed).toBeLessThan(1);
    expect(sm.placement('llama3-8b', one).speed).toBe(1);
    expect(sm.placement('llama3-8b', split).speed).toBeLessThanOrEqual(1);
  });

  it('plans a GPU count once per (model, rounded count, site): few planner calls for many jobs', () => {
    expect([1, 8, 64, 65, 96, 100, 127, 128, 200, 4096].map(planGpus)).toEqual([
      1, 8, 64, 64, 96, 96, 96, 128, 192, 4096,
    ]);
    const jobs = Array.from({ length: 40 }, (_, i) => job(`j${i}`, [4, 8][i % 2], { submitTimeS: i * 10 }));
    const res = simulate({ models: loadModel, fabric, jobs, policy: createPolicy('fifo'), scenario: noFailures, grid });
    expect(res.summary.jobsFinished).toBe(40);
    expect(res.planner.keys).toBe(2);
  });
});

describe('NVLink domains from the plan, not a power of two (issue 12: NVL72 gangs)', () => {
  it('runs llama3-405b at the same speed on 8,064, 8,192 and 9,216 GPUs of fairwater NVL72 racks', async () => {
    const { loadFabric } = await import('../../src/fabric/index.js');
    const { buildClusterState, scheduleRound } = await import('../../src/sched/index.js');
    const fw = await loadFabric('fairwater');
    const sm = new SpeedModel(fw, loadModel);
    const speeds: number[] = [];
    const partSizes: number[][] = [];
    for (const gpus of [8064, 8192, 9216]) {
      const req = { ...job('big', gpus), kind: 'pretraining' as const, modelId: 'llama3-405b', allowMultiSite: false };
      const round = scheduleRound(createPolicy('fifo'), buildClusterState(fw), [req], [], 0);
      const start = round.decisions.find((d) => d.type === 'start');
      if (start?.type !== 'start') throw new Error(`no placement for ${gpus} GPUs`);
      partSizes.push([...new Set(start.allocation.parts.map((p) => p.gpus))].sort((a, b) => a - b));
      speeds.push(sm.placement('llama3-405b', start.allocation).speed);
    }
    // 8,192 = 113 full racks of 72 plus one of 56: the parts the old rule reduced to an 8-GPU domain
    expect(partSizes[1]).toEqual([56, 72]);
    expect(partSizes[0]).toEqual([72]);
    // within 2% of each other (was 0.36 for 8,192 against 1.0 for the others)
    expect(Math.min(...speeds)).toBeGreaterThan(0.98 * Math.max(...speeds));
  });
});
