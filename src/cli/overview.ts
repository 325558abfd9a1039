// The first thing `npm start` shows: the default fabric validated, and the best plan of each zoo model on it.
import { loadFabric } from '../fabric/load.js';
import { formatFabricSummary, renderTable, summarizeFabric } from '../fabric/summary.js';
import { loadModel } from '../perf/models.js';
import { planOnFabric, PlannerInputError } from '../planner/index.js';

export const ZOO_OVERVIEW = ['llama3-8b', 'llama3-70b', 'llama3-405b', 'gpt3-175b', 'mixtral-8x7b', 'deepseek-v3'];

export async function fabricOverview(fabricId: string, gpusPerJob: number): Promise<string> {
  const fabric = await loadFabric(fabricId);
  const rows: string[][] = [];
  for (const id of ZOO_OVERVIEW) {
    const model = loadModel(id);
    let best;
    try {
      best = planOnFabric(model, fabric, { gpus: gpusPerJob, top: 1 }).plans[0];
    } catch (error) {
      // One model too big for the budget is a row of the table, not the end of the overview.
      if (!(error instanceof PlannerInputError)) throw error;
      rows.push([model.name, 'does not fit', '-', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    rows.push([
      model.name,
      best.strategy,
      best.placement.map((p) => `${p.site}:${p.gpus}`).join(' '),
      `${best.tp}/${best.pp}x${best.vpp}/${best.dp}/${best.cp}/${best.ep}`,
      best.stepTimeSeconds.toFixed(2),
      `${(best.effectiveTokensPerSecond / 1e6).toFixed(2)}M`,
      `${(100 * best.mfu).toFixed(1)}%`,
      best.memoryGiBPerGpu.toFixed(0),
      best.timeToTrainDays.toFixed(1),
    ]);
  }
  return [
    `fabric ${fabric.name}: valid`,
    formatFabricSummary(summarizeFabric(fabric)),
    '',
    `best plan per zoo model with up to ${gpusPerJob.toLocaleString('en-US')} GPUs (Chinchilla token budget):`,
    renderTable(
      ['model', 'strategy', 'placement', 'tp/pp x vpp/dp/cp/ep', 'step s', 'eff. tok/s', 'MFU', 'GiB/GPU', 'days'],
      rows,
      new Set([4, 5, 6, 7, 8]),
    ),
  ].join('\n');
}
