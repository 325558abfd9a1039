// Estimates per second of the performance model, in process, on one core: per CPU second of this process (the
// development machine is shared, so wall time would count other processes' turns), and per wall second.
import { loadFabric } from '../src/fabric/load.js';
import { estimateWithTiers, layerShape, loadModel, tiersForFabric, type Plan } from '../src/perf/index.js';
import type { BenchResult } from './run.js';
import { median } from './stats.js';

/** Issue 11: estimate >= 500,000/s on one core. */
const TARGET_ESTIMATES_PER_S = 500_000;

/** Runs `body` for about `seconds`, `runs` times: median operations per CPU second and per wall second. */
function cpuAndWallRates(body: () => number, runs = 5, seconds = 1): { cpu: number; wall: number } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    let ops = 0;
    while (performance.now() - start < seconds * 1000) ops += body();
    const used = process.cpuUsage(cpu0);
    cpu.push(ops / ((used.user + used.system) / 1e6));
    wall.push(ops / ((performance.now() - start) / 1000));
  }
  return { cpu: median(cpu), wall: median(wall) };
}

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
    const body = () => {
      for (const plan of plans) sink += estimateWithTiers(model, tiers, plan, {}, shape).stepTimeSeconds;
      return plans.length;
    };
    body(); // warm the JIT before timing
    const rate = cpuAndWallRates(body);
    if (!Number.isFinite(sink)) throw new Error('non-finite estimate');
    results.push({
      name: `estimate ${modelId} on ${fabricId}`,
      metrics: {
        'estimates per CPU s (median of 5)': Math.round(rate.cpu),
        'estimates per wall s (median of 5)': Math.round(rate.wall),
        'target estimates/s': TARGET_ESTIMATES_PER_S,
      },
    });
  }
  return results;
}
