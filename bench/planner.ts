// Planner search time and plans evaluated per second: Llama 3 405B over every GPU of the fairwater preset.
import { loadFabric } from '../src/fabric/load.js';
import { loadModel } from '../src/perf/models.js';
import { planOnFabric } from '../src/planner/index.js';
import type { BenchResult } from './run.js';
import { median } from './stats.js';

export async function benchPlanner(): Promise<BenchResult[]> {
  const fabric = await loadFabric('fairwater');
  const results: BenchResult[] = [];
  for (const modelId of ['llama3-405b', 'llama3-70b', 'deepseek-v3']) {
    const model = loadModel(modelId);
    const seconds: number[] = [];
    let evaluated = 0;
    for (let run = 0; run < 5; run++) {
      const result = planOnFabric(model, fabric, { top: 5 }, () => performance.now());
      seconds.push(result.searchSeconds);
      evaluated = result.plansEvaluated;
    }
    const s = median(seconds);
    results.push({
      name: `plan ${modelId} on fairwater (${fabric.gpus.toLocaleString('en-US')} GPUs, all strategies)`,
      metrics: {
        'search seconds (median of 5)': s,
        'plans evaluated': evaluated,
        'plans/s': Math.round(evaluated / s),
        'target seconds': 2,
      },
    });
  }
  return results;
}
