// Inference placement speed: llama3-70b for the azure-conv-americas demand (7 user regions) on fairwater-edge
// (8 sites), with and without N+1, cost and carbon. Whole planInference calls (table of serving-model estimates,
// greedy over region orders, N+1, predicted p99 per region); the edge's file loading is done once, outside the timing.
import { gridMeansFor, loadDemand, loadMeasuredRtt } from '../src/control/api/routes/inference.js';
import { loadFabric } from '../src/fabric/load.js';
import { loadModel } from '../src/perf/models.js';
import { estimateServing } from '../src/perf/serving/index.js';
import { planInference } from '../src/planner/inference/index.js';
import type { BenchResult } from './run.js';
import { median } from './stats.js';

export async function benchInferencePlan(): Promise<BenchResult[]> {
  const fabric = await loadFabric('fairwater-edge');
  const ctx = { fabric, serving: estimateServing, grid: gridMeansFor(fabric), measured: loadMeasuredRtt() };
  const demand = loadDemand('azure-conv-americas');
  const results: BenchResult[] = [];
  for (const [modelId, objective, nPlusOne] of [
    ['llama3-70b', 'cost', true],
    ['llama3-70b', 'carbon', true],
    ['llama3-70b', 'cost', false],
    ['llama3-8b', 'cost', true],
  ] as const) {
    const model = loadModel(modelId);
    const seconds: number[] = [];
    let evaluated = 0;
    let replicas = 0;
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const p = planInference(
        { demand, slo: { ttftP99Ms: 400, tpotP99Ms: 40 }, objective, nPlusOne },
        { model, ...ctx },
      );
      seconds.push((performance.now() - t0) / 1000);
      evaluated = p.candidatesEvaluated;
      replicas = p.totals.replicas;
    }
    results.push({
      name: `inference plan ${modelId}, azure-conv-americas (7 regions) on fairwater-edge (8 sites), ${objective}${nPlusOne ? ', N+1' : ''}`,
      metrics: {
        'seconds (median of 3)': median(seconds),
        'serving estimates in the table': evaluated,
        replicas,
      },
    });
  }
  return results;
}
