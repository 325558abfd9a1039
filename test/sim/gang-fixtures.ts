// What the twin's cross-site tests share: two 64-GPU sites a and b (the fixture fabric's a-b WAN link), a
// constant PJM grid, one pretraining gang of 96 GPUs (more than one site holds, so it spans both) and a
// FIFO run of the simulator on them with seed 1.
import type { Fabric } from '../../src/fabric/index.js';
import { loadModel } from '../../src/perf/index.js';
import { createPolicy } from '../../src/sched/index.js';
import { constantGridSeries } from '../../src/sim/grid.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { simulate, type SimResult } from '../../src/sim/simulate.js';
import type { JobSpec } from '../../src/workload/types.js';
import { makeFabric } from './helpers.js';

/** 400 gCO2/kWh at $50/MWh, constant. */
export const GRID = { PJM: constantGridSeries('PJM', 400, 50) };

/** Sites a and b, 64 GPUs each. */
export const twoSites = (): Fabric =>
  makeFabric([
    { id: 'a', gpusPerPod: 64 },
    { id: 'b', gpusPerPod: 64 },
  ]);

/** A scenario without random failures and with these timed events. */
export const quietScenario = (events: unknown[] = []): Scenario =>
  parseScenario({ failures: { enabled: false }, events }).scenario!;

/** A one-day llama3-8b pretraining gang of 96 GPUs, submitted at 0, not preemptible, not checkpointing. */
export function gangJob(over: Partial<JobSpec> = {}): JobSpec {
  return {
    id: 'gang',
    tenant: 't',
    priority: 0,
    gpus: 96,
    kind: 'pretraining',
    modelId: 'llama3-8b',
    preemptible: false,
    checkpointable: false,
    submitTimeS: 0,
    durationS: 86_400,
    ...over,
  };
}

/** The simulator under FIFO on GRID with seed 1. */
export const simulateFifo = (fabric: Fabric, jobs: JobSpec[], scenario: Scenario): SimResult =>
  simulate({ models: loadModel, fabric, jobs, policy: createPolicy('fifo'), scenario, grid: GRID, seed: 1 });
