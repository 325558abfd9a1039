// Benchmark of the digital twin: the whole Philly trace (82k jobs) on the fairwater fabric
// (100,800 GB200 GPUs) with failures on, FIFO policy; plus one scheduling pass over 10,000 queued
// jobs on fairwater (the control plane's target: under 100 ms).
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadFabric } from '../src/fabric/index.js';
import { loadModel } from '../src/perf/index.js';
import { buildClusterState, createPolicy, scheduleRound, POLICY_NAMES, type JobRequest } from '../src/sched/index.js';
import { simulate } from '../src/sim/simulate.js';
import { phillyQueueing } from './philly.js';
import { scaleCases } from './sim-scale.js';
import { traceDataPath } from '../src/data-dir.js';
import { loadGridFor } from '../src/sim/grid-files.js';
import { importPhilly, generateSynthetic, parseSyntheticSpec } from '../src/workload/index.js';

export async function benchSim(): Promise<{ name: string; metrics: Record<string, number> }[]> {
  const out: { name: string; metrics: Record<string, number> }[] = [];
  const fabric = await loadFabric('fairwater');

  // one scheduling pass over 10,000 queued jobs, cluster 90% busy
  const spec = parseSyntheticSpec('jobs=10000,maxGpus=1024,seed=7').spec!;
  const queue: JobRequest[] = generateSynthetic(spec, loadModel);
  for (const name of POLICY_NAMES) {
    const policy = createPolicy(name);
    const base = buildClusterState(fabric);
    // fill the fleet to ~90% with 72-GPU jobs
    const fill = generateSynthetic(parseSyntheticSpec('jobs=1260,maxGpus=72,seed=8').spec!, loadModel).map((j, i) => ({
      ...j,
      id: `fill-${i}`,
      gpus: 72,
      submitTimeS: 0,
    }));
    const pre = scheduleRound(createPolicy('fifo'), base, fill, [], 0, { mutate: true, emitHolds: false });
    const running = pre.decisions.flatMap((d) =>
      d.type === 'start'
        ? [
            {
              job: fill.find((f) => f.id === d.jobId)!,
              allocation: d.allocation,
              startTimeS: 0,
              expectedEndS: 3600 + (d.jobId.length % 7) * 600,
            },
          ]
        : [],
    );
    const times: number[] = [];
    for (let k = 0; k < 7; k++) {
      const t0 = performance.now();
      scheduleRound(policy, base, queue, running, 10);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    out.push({
      name: `sched pass 10k queued (fairwater, ${name})`,
      metrics: { medianMs: round(times[3]), minMs: round(times[0]), queued: queue.length, running: running.length },
    });
  }

  const file = traceDataPath('philly_pollux.csv');
  if (!existsSync(file)) throw new Error(`benchSim: ${file} not found`);
  const t0 = performance.now();
  const imp = importPhilly(readFileSync(file, 'utf8'));
  const t1 = performance.now();
  const res = simulate({
    models: loadModel,
    fabric,
    jobs: imp.jobs,
    policy: createPolicy('fifo'),
    seed: 1,
    grid: loadGridFor(fabric.sites),
    clock: () => performance.now(),
  });
  const t2 = performance.now();
  const simS = (t2 - t1) / 1000;
  out.push({
    name: 'simulate philly 82k jobs on fairwater (100,800 GPUs), failures on, fifo',
    metrics: {
      importS: round((t1 - t0) / 1000),
      wallS: round(simS),
      events: res.summary.events,
      eventsPerS: Math.round(res.summary.events / simS),
      jobs: imp.jobs.length,
      jobsFinished: res.summary.jobsFinished,
      failures: res.summary.failures,
      rounds: res.summary.schedulingRounds,
      planKeys: res.planner.keys,
      planningS: round(res.planner.planningS),
    },
  });
  for (const run of scaleCases(fabric, imp.jobs)) out.push(run());
  // Philly-like queueing (bench/philly.ts): servers and racks, VC hard quotas; x1 = full-size cluster at half its
  // load, x0.5 = Philly's load; locality wait 0 or 1,800 s (ASSUMPTION) for multi-GPU jobs
  for (const [scale, waitS] of [
    [1, 0],
    [0.5, 0],
    [0.5, 1800],
  ]) {
    const t = performance.now();
    const p = phillyQueueing(scale, waitS);
    out.push({
      name: `philly-like queueing, servers + racks, per-VC hard quotas, fabric x${scale}, locality wait ${waitS} s (published: mean 1.045 h, median 189 s)`,
      metrics: {
        meanQueueH: round(p.meanQueueS / 3600),
        medianQueueS: p.medianQueueS,
        startedAtOnce: round(p.startedAtOnce),
        multiGpuMeanQueueH: round(p.multiGpu.meanQueueS / 3600),
        utilization: round(p.utilization),
        wallS: round((performance.now() - t) / 1000),
      },
    });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  benchSim().then((r) => console.log(JSON.stringify(r, null, 2)));
}
