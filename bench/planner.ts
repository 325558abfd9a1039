// Planner search time and plans evaluated: Llama 3 405B, Llama 3 70B and DeepSeek-V3 over every GPU of the fairwater
// preset. The pruned search (the default) and the reference search that estimates every plan run in the same process,
// alternating, so that the pair shares the machine's load; CPU seconds are given beside wall seconds because the
// development machine is shared (its 1-minute load average is recorded with each row).
import { loadavg } from 'node:os';
import { loadFabric } from '../src/fabric/load.js';
import { loadModel } from '../src/perf/models.js';
import { planOnFabric } from '../src/planner/index.js';
import type { BenchResult } from './run.js';
import { median } from './stats.js';

const RUNS = 5;

/** One timed search: wall seconds (the planner's own clock), CPU seconds of this process, plans evaluated. */
function timedSearch(run: () => ReturnType<typeof planOnFabric>): { wall: number; cpu: number; evaluated: number } {
  const cpuBefore = process.cpuUsage();
  const result = run();
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: result.searchSeconds, cpu: (cpu.user + cpu.system) / 1e6, evaluated: result.plansEvaluated };
}

export async function benchPlanner(): Promise<BenchResult[]> {
  const fabric = await loadFabric('fairwater');
  const results: BenchResult[] = [];
  for (const modelId of ['llama3-405b', 'llama3-70b', 'deepseek-v3']) {
    const model = loadModel(modelId);
    const load = loadavg()[0];
    const pruned: ReturnType<typeof timedSearch>[] = [];
    const reference: ReturnType<typeof timedSearch>[] = [];
    for (let run = 0; run < RUNS; run++) {
      pruned.push(timedSearch(() => planOnFabric(model, fabric, { top: 5 }, () => performance.now())));
      reference.push(
        timedSearch(() => planOnFabric(model, fabric, { top: 5 }, () => performance.now(), { prune: false })),
      );
    }
    const s = median(pruned.map((r) => r.wall));
    results.push({
      name: `plan ${modelId} on fairwater (${fabric.gpus.toLocaleString('en-US')} GPUs, all strategies)`,
      metrics: {
        'search seconds (median of 5)': s,
        'search CPU seconds (median of 5)': median(pruned.map((r) => r.cpu)),
        'plans evaluated': pruned[0].evaluated,
        'unpruned reference: search seconds (median of 5)': median(reference.map((r) => r.wall)),
        'unpruned reference: search CPU seconds (median of 5)': median(reference.map((r) => r.cpu)),
        'unpruned reference: plans evaluated': reference[0].evaluated,
        'target seconds (issue 11)': 0.5,
        'load average (1 min) at start': Math.round(load * 10) / 10,
      },
    });
  }
  return results;
}
