// Serving estimates per second (estimateServing with and without an SLO), in process, on one core: the placement
// planner calls it once per (site, model, plan) candidate.
import { loadFabric } from '../src/fabric/load.js';
import { estimateServing, loadModel, tiersForFabric, type ServingPlan } from '../src/perf/index.js';
import type { BenchResult } from './run.js';
import { opsPerSecond } from './stats.js';

export async function benchServing(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const workload = { promptTokensMean: 1024, outputTokensMean: 256, promptTokensP99: 4096 };
  for (const [modelId, fabricId, ep] of [
    ['llama3-70b', 'dgx-h100-ib', 1],
    ['deepseek-v3', 'gb200-nvl72', 8],
  ] as const) {
    const system = tiersForFabric(await loadFabric(fabricId));
    const model = loadModel(modelId);
    const plans: ServingPlan[] = [];
    for (const tp of [2, 4, 8])
      for (const pp of [1, 2])
        for (const precision of ['bf16', 'fp8'] as const)
          for (const maxBatch of [64, 256]) plans.push({ tp, pp, ep: Math.min(ep, tp), precision, maxBatch });
    for (const slo of [undefined, { ttftP99Ms: 2000, tpotP99Ms: 50 }]) {
      let sink = 0;
      const rate = opsPerSecond(() => {
        for (const plan of plans)
          sink += estimateServing({ model, system, plan, workload, ...(slo ? { slo } : {}) }).outputTokensPerSecond;
        return plans.length;
      });
      if (!Number.isFinite(sink)) throw new Error('non-finite serving estimate');
      results.push({
        name: `estimateServing ${modelId} on ${fabricId}${slo ? ' with SLO' : ''}`,
        metrics: { 'estimates/s (median of 5)': Math.round(rate) },
        notes: `${plans.length} plans (tp 2-8, pp 1-2, bf16/fp8, maxBatch 64/256)${slo ? '; rate at SLO by bisection' : ''}`,
      });
    }
  }
  return results;
}
