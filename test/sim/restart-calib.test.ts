// Issue 12: restart-model calibration against two more published systems, each a scenario file with that system's
// own failure rate and detection/recovery times (data/scenarios/byterobust-like.yaml, megascale-like.yaml; sources
// and assumptions in the files, results in docs/twin-validation.md). The Llama 3 case is in restart.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import type { Fabric } from '../../src/fabric/types.js';
import { loadModel } from '../../src/perf/index.js';
import { createPolicy } from '../../src/sched/index.js';
import { constantGridSeries } from '../../src/sim/grid.js';
import { parseScenarioText, type Scenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import type { JobSpec } from '../../src/workload/types.js';

function scenarioFile(name: string): Scenario {
  const r = parseScenarioText(readFileSync(`data/scenarios/${name}.yaml`, 'utf8'), name);
  expect(r.issues).toEqual([]);
  return r.scenario!;
}

/** A preset's one-pod site grown to `nodes` nodes (power and checkpoint storage scaled with the GPUs). */
function grown(f: Fabric, nodes: number): Fabric {
  const s = f.sites[0];
  const pod = { ...s.pods[0], nodes, gpus: nodes * s.pods[0].system.gpusPerNode };
  const k = pod.gpus / s.gpus;
  const site = {
    ...s,
    pods: [pod],
    gpus: pod.gpus,
    powerMW: s.powerMW * k,
    checkpointStorageGBps: s.checkpointStorageGBps * k,
  };
  return { ...f, sites: [site], gpus: site.gpus };
}

function pretraining(id: string, gpus: number, modelId: string, workDays: number): JobSpec {
  return {
    id,
    tenant: 't',
    priority: 2,
    gpus,
    kind: 'pretraining',
    modelId,
    preemptible: false,
    checkpointable: true,
    submitTimeS: 0,
    durationS: workDays * 86_400,
  };
}

function runSeeds(fabric: Fabric, job: JobSpec, scenario: Scenario, seeds = 5) {
  const grid = Object.fromEntries(fabric.sites.map((s) => [s.gridZone, constantGridSeries(s.gridZone, 300, 50)]));
  const out: { seed: number; status: string; ettr: number; interruptions: number }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const j = simulate({ models: loadModel, fabric, jobs: [job], policy: createPolicy('fifo'), grid, seed, scenario })
      .jobs[0];
    out.push({ seed, status: j.status, ettr: j.ettr ?? 0, interruptions: j.interruptions });
  }
  return out;
}

describe('calibration: a ByteRobust-like run (arXiv 2509.16293)', () => {
  // 9,600 Hopper GPUs (1,200 x 8), a Llama-like 70+B dense model, three months, cumulative ETTR up to 97%
  // (Sec. 8.1, Fig. 10), 155 failure restarts (Table 4). The hgx-h100-roce preset has the same 8-GPU Hopper servers
  // and 400 Gb/s per GPU; its other 14,976 GPUs are spares, as ByteRobust's warm standbys.
  it('lands within 3 points of 97% ETTR with about 155 restarts for every seed 1-5', async () => {
    const fabric = await loadFabric('hgx-h100-roce');
    const runs = runSeeds(
      fabric,
      pretraining('byterobust-dense', 9_600, 'llama3-70b', 90 * 0.97),
      scenarioFile('byterobust-like'),
    );
    for (const r of runs) {
      expect(r.status, `seed ${r.seed}`).toBe('finished');
      expect(Math.abs(r.ettr - 0.97), `seed ${r.seed}: ETTR ${r.ettr}`).toBeLessThanOrEqual(0.03);
      expect(r.interruptions, `seed ${r.seed}`).toBeGreaterThanOrEqual(120);
      expect(r.interruptions, `seed ${r.seed}`).toBeLessThanOrEqual(190);
    }
    // the scenario's restart parts reach the run: waiting for a 30-minute timeout instead of 129 s of detection
    // costs 155 restarts x 1,671 s, ~3.3% of the ~90-day run
    const fast = scenarioFile('byterobust-like');
    const timeoutOnly = { ...fast, restart: { ...fast.restart, detectionS: 1800 } };
    const [slow] = runSeeds(fabric, pretraining('byterobust-dense', 9_600, 'llama3-70b', 90 * 0.97), timeoutOnly, 1);
    expect(runs[0].ettr - slow.ettr).toBeGreaterThan(0.025);
  }, 120_000);
});

describe('calibration: a MegaScale-like run (arXiv 2402.15627)', () => {
  // 12,288 A100 GPUs (MegaScale's largest Table 2 run, gpt3-175b) for three weeks (ASSUMPTION for "several weeks"),
  // "over 100" restarts and "over 90%" effective training time rate (Sec. 6.2-6.3). The dgx-a100-80gb preset (8-GPU
  // A100 nodes, 200 Gb/s per GPU as MegaScale's eight 200G NICs, Sec. 3.6) grown to 1,600 nodes: 512 spares.
  // Published is a floor: the twin must stay above it, and lands 2.4-4.4 points above (docs/twin-validation.md:
  // within 3 points only for the seeds that draw MegaScale's 100+ restarts).
  it('stays above the published 90% ETTR, at most 5 points above it, for every seed 1-5', async () => {
    const fabric = grown(await loadFabric('dgx-a100-80gb'), 1_600);
    const runs = runSeeds(
      fabric,
      pretraining('megascale-175b', 12_288, 'gpt3-175b', 21 * 0.9),
      scenarioFile('megascale-like'),
    );
    for (const r of runs) {
      expect(r.status, `seed ${r.seed}`).toBe('finished');
      expect(r.ettr, `seed ${r.seed}`).toBeGreaterThanOrEqual(0.9);
      expect(r.ettr, `seed ${r.seed}`).toBeLessThanOrEqual(0.95);
      expect(r.interruptions, `seed ${r.seed}`).toBeGreaterThanOrEqual(60);
      expect(r.interruptions, `seed ${r.seed}`).toBeLessThanOrEqual(140);
    }
    // the seeds that draw MegaScale's own "over 100" restarts hold the published figure to 3 points
    const published = runs.filter((r) => r.interruptions >= 100);
    expect(published.length).toBeGreaterThanOrEqual(2);
    for (const r of published) expect(r.ettr - 0.9, `seed ${r.seed}`).toBeLessThanOrEqual(0.03);
  }, 120_000);
});
