// Small hand-computed scenarios with exact expected job completion times, one per policy.
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/sched/index.js';
import { constantGridSeries, type GridSeries } from '../../src/sim/grid.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { simulate, type SimulateOptions } from '../../src/sim/simulate.js';
import type { JobSpec } from '../../src/workload/types.js';
import { makeFabric } from './helpers.js';
import { loadModel } from '../../src/perf/index.js';

const grid: Record<string, GridSeries> = { PJM: constantGridSeries('PJM', 400, 50) };
// restarts free, so the hand-computed times below stay simple (restart costs: test/sim/restart.test.ts)
const NO_RESTART = { detectionS: 0, schedulingS: 0, startBaseS: 0, startPerLog2GpuS: 0, warmupS: 0 };
const noFailures = parseScenario({ failures: { enabled: false }, restart: NO_RESTART }).scenario!;

function job(id: string, gpus: number, durationS: number, submitTimeS: number, extra: Partial<JobSpec> = {}): JobSpec {
  return {
    id,
    tenant: 't',
    priority: 0,
    gpus,
    kind: 'finetune',
    modelId: 'llama3-8b',
    preemptible: true,
    checkpointable: false,
    submitTimeS,
    durationS,
    ...extra,
  };
}

function jcts(
  opts: Omit<SimulateOptions, 'grid' | 'scenario' | 'models'> & {
    scenario?: SimulateOptions['scenario'];
    grid?: SimulateOptions['grid'];
  },
): Record<string, number | null> {
  const res = simulate({ models: loadModel, grid, scenario: noFailures, ...opts });
  return Object.fromEntries(res.jobs.map((j) => [j.id, j.jctS]));
}

const one16 = makeFabric([{ id: 'a', pods: 1, gpusPerPod: 16, domainGpus: 8 }]);

describe('hand-computed scenarios', () => {
  it('fifo runs jobs in submit order: A 100 s, B and C wait for A', () => {
    const jobs = [job('A', 16, 100, 0), job('B', 8, 50, 1), job('C', 8, 200, 2)];
    expect(jcts({ fabric: one16, jobs, policy: createPolicy('fifo') })).toEqual({ A: 100, B: 149, C: 298 });
  });

  it('fifo backfills a short job that ends before the blocked head can start', () => {
    const jobs = [job('A', 8, 100, 0), job('B', 16, 100, 1), job('C', 8, 50, 2), job('D', 8, 500, 3)];
    // C (2..52) fits before A ends at 100; D would delay B, so it waits until B ends at 200
    expect(jcts({ fabric: one16, jobs, policy: createPolicy('fifo') })).toEqual({ A: 100, B: 199, C: 50, D: 697 });
  });

  it('priority preempts a low-priority job that then restarts from zero', () => {
    const jobs = [job('A', 16, 100, 0), job('B', 8, 50, 10, { priority: 5, preemptible: false })];
    const res = simulate({
      models: loadModel,
      grid,
      scenario: noFailures,
      fabric: one16,
      jobs,
      policy: createPolicy('priority'),
    });
    const byId = Object.fromEntries(res.jobs.map((j) => [j.id, j]));
    expect(byId.B.jctS).toBe(50);
    expect(byId.A.jctS).toBe(160); // preempted at 10, restarts at 60 from zero
    expect(byId.A.preemptions).toBe(1);
    expect(byId.A.lostGpuSeconds).toBe(160); // 10 s x 16 GPUs
  });

  it('fair-share lets a tenant borrow idle quota and reclaims it for the owner', () => {
    const scenario = parseScenario({
      failures: { enabled: false },
      restart: NO_RESTART,
      tenants: [
        { id: 'x', quotaGpus: 8 },
        { id: 'y', quotaGpus: 8 },
      ],
    }).scenario!;
    const jobs = [
      job('x1', 8, 100, 0, { tenant: 'x' }),
      job('x2', 8, 100, 0.5, { tenant: 'x' }),
      job('y1', 8, 100, 1, { tenant: 'y' }),
    ];
    // x2 borrows y's quota at 0.5; y1 reclaims it at 1; x2 restarts when x1 ends at 100
    expect(jcts({ fabric: one16, jobs, policy: createPolicy('fair-share'), scenario })).toEqual({
      x1: 100,
      x2: 199.5,
      y1: 100,
    });
  });

  it('carbon-aware waits for the clean hour within the deadline and picks the cleaner site', () => {
    const hourly = new Float64Array(24).fill(100);
    hourly[0] = 500;
    hourly[1] = 500;
    const g: Record<string, GridSeries> = {
      DIRTY: constantGridSeries('DIRTY', 800, 50),
      CLEAN: {
        zone: 'CLEAN',
        carbonSource: 'test',
        priceSource: 'test',
        carbonGPerKWh: hourly,
        priceUsdPerMWh: new Float64Array(24).fill(50),
      },
    };
    const fabric = makeFabric([
      { id: 'dirty', gridZone: 'DIRTY', gpusPerPod: 16 },
      { id: 'clean', gridZone: 'CLEAN', gpusPerPod: 16 },
    ]);
    const jobs = [job('flex', 8, 3600, 0, { deadlineS: 36_000 }), job('urgent', 8, 3600, 0)];
    const res = simulate({
      models: loadModel,
      grid: g,
      scenario: noFailures,
      fabric,
      jobs,
      policy: createPolicy('carbon-aware'),
    });
    const byId = Object.fromEntries(res.jobs.map((j) => [j.id, j]));
    expect(byId.urgent.jctS).toBe(3600); // no deadline: starts now
    expect(byId.urgent.sites).toEqual(['clean']);
    expect(byId.flex.firstStartS).toBe(7200); // hour 2 is 80% cleaner
    expect(byId.flex.jctS).toBe(10_800);
    expect(byId.flex.sites).toEqual(['clean']);
    // under fifo the flexible job starts at once
    const fifo = simulate({
      models: loadModel,
      grid: g,
      scenario: noFailures,
      fabric,
      jobs,
      policy: createPolicy('fifo'),
    });
    expect(fifo.jobs.find((j) => j.id === 'flex')!.jctS).toBe(3600);
  });

  it('counts site energy as idle plus busy power times PUE and carbon at the grid intensity', () => {
    const res = simulate({
      models: loadModel,
      grid,
      scenario: noFailures,
      fabric: one16,
      jobs: [job('A', 8, 3600, 0)],
      policy: createPolicy('fifo'),
    });
    // 16 GPUs x W x PUE 1.2 x 0.3 idle, plus 8 GPUs x (0.8 - 0.3) busy, for one hour
    const W = one16.sites[0].pods[0].system.systemPowerPerGpuW;
    const kWh = (W * 1.2 * (16 * 0.3 + 8 * 0.5)) / 1000;
    expect(res.summary.energyMWh).toBeCloseTo(kWh / 1000, 3);
    expect(res.summary.emissionsTCO2e).toBeCloseTo((kWh * 400) / 1e6, 3);
    expect(res.summary.costUsd).toBeCloseTo((kWh / 1000) * 50, 2);
    expect(res.jobs[0].energyKWh).toBeCloseTo((8 * W * 1.2 * 0.8) / 1000, 6);
  });

  it('rejects a job that no allowed site can ever hold and reports it unfinished', () => {
    const res = simulate({
      models: loadModel,
      grid,
      scenario: noFailures,
      fabric: one16,
      jobs: [job('huge', 64, 10, 0), job('eu', 1, 10, 0, { allowedJurisdictions: ['EU'] })],
      policy: createPolicy('fifo'),
    });
    expect(res.summary.jobsUnfinished).toBe(2);
    expect(res.jobs.map((j) => j.status)).toEqual(['rejected', 'rejected']);
  });
});
