// Estimates per second of the performance model, in process, on one core.
import { loadFabric } from '../src/fabric/load.js';
import { estimateWithTiers, layerShape, loadModel, tiersForFabric, type Plan } from '../src/perf/index.js';
import type { BenchResult } from './run.js';
import { opsPerSecond } from './stats.js';

export async function benchPerf(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [modelId, fabricId] of [
    ['llama3-70b', 'dgx-h100-ib'],
    ['deepseek-v3', 'gb200-nvl72'],
  ] as const) {
    const tiers = tiersForFabric(await loadFabric(fabricId));
    const model = loadModel(modelId);
    const shape = layerShape(model);
    const plans: Plan[] = [];
    for (const tp of [1, 2, 4, 8])
      for (const pp of [1, 2, 4, 8])
        for (const mbs of [1, 2])
          plans.push({
            gpus: tp * pp * 64,
            tp,
            pp,
            dp: 64,
            ep: model.moe ? 8 : 1,
            mbs,
            gbs: 1024,
            recompute: 'selective',
            sequenceParallel: tp > 1,
          });
    let sink = 0;
    const rate = opsPerSecond(() => {
      for (const plan of plans) sink += estimateWithTiers(model, tiers, plan, {}, shape).stepTimeSeconds;
      return plans.length;
    });
    if (!Number.isFinite(sink)) throw new Error('non-finite estimate');
    results.push({
      name: `estimate ${modelId} on ${fabricId}`,
      metrics: { 'estimates/s (median of 5)': Math.round(rate), 'target estimates/s': 300000 },
    });
  }
  return results;
}
