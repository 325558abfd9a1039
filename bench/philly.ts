// The Philly-like queueing case (issue 12): the Philly trace replayed on a Philly-like cluster, servers of 8, 4, 3 and
// 2 GPUs in racks (data/fabrics/philly-servers.json), each virtual cluster a hard quota, multi-GPU jobs waiting up to
// `localityWaitS` for one server before taking a spread placement. Shared by bench/sim.ts (rows "philly-like
// queueing") and test/sim/philly-calib.test.ts. Published: mean 3,761 s, median 189 s (AcmeTrace cluster_summary.csv).
import { readFileSync } from 'node:fs';
import { dataPath, traceDataPath } from '../src/data-dir.js';
import { system } from '../src/fabric/make-fabric.fixture.js';
import type { Fabric, Pod } from '../src/fabric/types.js';
import { loadModel } from '../src/perf/index.js';
import { createPolicy } from '../src/sched/index.js';
import { constantGridSeries } from '../src/sim/grid.js';
import { parseScenario } from '../src/sim/scenario.js';
import { simulate } from '../src/sim/simulate.js';
import { importPhilly, type JobSpec } from '../src/workload/index.js';

/** Published Philly queueing (InternLM/AcmeTrace data/cluster_summary.csv, Philly row: avg/med_que_time_gpu). */
export const PHILLY_PUBLISHED = { meanQueueS: 3760.604, medianQueueS: 189 };

interface ServerFile {
  servers: { gpus: number; count: number }[];
  serversPerRack: number;
  rdmaGbpsPerServer: number;
}

/** Philly-like fabric: one site, one pod per rack, one scale-up domain per server; server counts x `scale`. */
export function phillyLikeFabric(scale: number): Fabric {
  const f = JSON.parse(readFileSync(dataPath('fabrics', 'philly-servers.json'), 'utf8')) as ServerFile;
  const pods: Pod[] = [];
  for (const s of f.servers) {
    const servers = Math.max(1, Math.round(s.count * scale));
    const sys = system(s.gpus);
    for (let r = 0; r * f.serversPerRack < servers; r++) {
      const nodes = Math.min(f.serversPerRack, servers - r * f.serversPerRack);
      const gpus = nodes * s.gpus;
      pods.push({
        id: `rack-${s.gpus}g-${r}`,
        system: sys,
        nodes,
        racks: null,
        gpus,
        network: {
          topology: 'fat-tree-2',
          railOptimized: false,
          nicGbpsPerGpu: f.rdmaGbpsPerServer / s.gpus,
          oversubscription: [1],
          fullBisectionGpus: gpus,
          hopLatencyUs: 1, // ASSUMPTION: enters only the speed factor of gangs spread over servers
          transport: 'infiniband',
        },
      });
    }
  }
  const gpus = pods.reduce((a, p) => a + p.gpus, 0);
  // ASSUMPTION: location, PUE, water, grid zone and checkpoint storage are placeholders (Philly's are not published):
  // with failures off and no power cap none of them enters the queueing this case measures.
  const site = {
    id: 'philly',
    name: 'Philly-like',
    lat: 47.6,
    lon: -122.1,
    jurisdiction: 'US-WA',
    powerMW: 0, // no cap: power does not enter this case
    pue: 1.2,
    wueLPerKWh: 0.5,
    gridZone: 'PJM',
    checkpointStorageGBps: 100,
    pods,
    gpus,
  };
  return { name: 'philly-like', description: 'Philly-like servers and racks', sites: [site], wanLinks: [], gpus };
}

/** VC quotas (GPUs): HeliosArtifact philly_vc.csv nodes x 8 GPUs x `scale` (ASSUMPTION 8 GPUs per node; VCs missing there 1 node). */
export function phillyVcQuotas(jobs: readonly JobSpec[], scale: number): Map<string, number> {
  const vcFile = traceDataPath('philly_vc_nodes.csv');
  const rows = readFileSync(vcFile, 'utf8').trim().split('\n').slice(1);
  const nodes = new Map(rows.map((l) => [l.split(',')[0], Math.max(1, Math.round(Number(l.split(',')[1]) * scale))]));
  for (const t of new Set(jobs.map((j) => j.tenant))) if (!nodes.has(t)) nodes.set(t, 1);
  return new Map([...nodes].map(([vc, n]) => [vc, n * 8]));
}

export interface PhillyQueueing {
  meanQueueS: number;
  medianQueueS: number;
  /** Share of jobs that started at once (queue 0). */
  startedAtOnce: number;
  /** The same for 1-GPU jobs (93% of the trace) and for multi-GPU jobs. */
  oneGpu: { jobs: number; meanQueueS: number; startedAtOnce: number };
  multiGpu: { jobs: number; meanQueueS: number; p75QueueS: number; startedAtOnce: number };
  utilization: number;
  fabricGpus: number;
  quotaGpus: number;
}

function stats(q: number[]): { mean: number; p50: number; p75: number; atOnce: number } {
  q.sort((a, b) => a - b);
  return {
    mean: q.reduce((a, b) => a + b, 0) / q.length,
    p50: q[Math.floor(q.length / 2)],
    p75: q[Math.floor(q.length * 0.75)],
    atOnce: q.filter((x) => x === 0).length / q.length,
  };
}

/**
 * Replay the Philly trace (data/traces/philly_pollux.csv) on the Philly-like fabric at `scale` (0.5: the trace holds
 * 51% of Philly's GPU-hours, so half the cluster gives Philly's load; docs/twin-validation.md), VCs as hard quotas,
 * fair-share policy, failures off, and `localityWaitS` of locality wait.
 */
export function phillyQueueing(scale: number, localityWaitS: number): PhillyQueueing {
  const jobs = importPhilly(readFileSync(traceDataPath('philly_pollux.csv'), 'utf8')).jobs;
  const quotas = phillyVcQuotas(jobs, scale);
  const fabric = phillyLikeFabric(scale);
  const scenario = parseScenario({
    failures: { enabled: false },
    localityWaitS,
    tenants: [...quotas].map(([id, quotaGpus]) => ({ id, quotaGpus, cohort: id })),
  }).scenario!;
  const res = simulate({
    models: loadModel,
    fabric,
    jobs,
    policy: createPolicy('fair-share'),
    scenario,
    grid: { PJM: constantGridSeries('PJM', 400, 50) }, // placeholder: carbon does not enter the queueing
    seed: 1,
  });
  const gpus = new Map(jobs.map((j) => [j.id, j.gpus]));
  const all: number[] = [];
  const one: number[] = [];
  const multi: number[] = [];
  for (const j of res.jobs) {
    if (j.queueS === null) continue;
    all.push(j.queueS);
    (gpus.get(j.id) === 1 ? one : multi).push(j.queueS);
  }
  const a = stats(all);
  const o = stats(one);
  const m = stats(multi);
  return {
    meanQueueS: a.mean,
    medianQueueS: a.p50,
    startedAtOnce: a.atOnce,
    oneGpu: { jobs: one.length, meanQueueS: o.mean, startedAtOnce: o.atOnce },
    multiGpu: { jobs: multi.length, meanQueueS: m.mean, p75QueueS: m.p75, startedAtOnce: m.atOnce },
    utilization: res.summary.gpuUtilization,
    fabricGpus: fabric.gpus,
    quotaGpus: [...quotas.values()].reduce((x, y) => x + y, 0),
  };
}
