// Ranking and the listed plans: the total order, the top K distinct plans plus the best of each other strategy,
// and the reasons given when nothing was searched or nothing fits.
import type { SiteView } from './sites.js';
import { PlannerInputError } from './defaults.js';
import type { PlanRequest, RankedPlan, Strategy } from './types.js';

/** Ranking: effective throughput, then fewer GPUs, then less memory (a deterministic total order). */
export function better(a: RankedPlan, b: RankedPlan): boolean {
  if (a.effectiveTokensPerSecond !== b.effectiveTokensPerSecond)
    return a.effectiveTokensPerSecond > b.effectiveTokensPerSecond;
  if (a.gpus !== b.gpus) return a.gpus < b.gpus;
  return a.memoryGiBPerGpu < b.memoryGiBPerGpu;
}

/**
 * The top K distinct plans (ZeRO-only variants of a listed plan are dropped), plus the best of each other strategy
 * so the user sees the alternatives. `all` is every ranked plan; `best` the best per strategy and site set.
 */
export function listPlans(all: RankedPlan[], best: Map<string, RankedPlan>, top: number): RankedPlan[] {
  all.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const plans: RankedPlan[] = [];
  const seen = new Set<string>();
  for (const plan of all) {
    if (plans.length >= top) break;
    const key = `${plan.strategy}|${plan.placement.map((p) => p.site).join(',')}|${plan.tp}|${plan.pp}|${plan.vpp}|${plan.cp}|${plan.ep}|${plan.etp}|${plan.precision}|${plan.mbs}|${plan.recompute}`;
    if (seen.has(key)) continue;
    seen.add(key);
    plans.push(plan);
  }
  for (const plan of [...best.values()].sort((a, b) => b.effectiveTokensPerSecond - a.effectiveTokensPerSecond)) {
    if (plans.length >= Math.max(top, 1) + best.size) break;
    if (!plans.some((p) => p.strategy === plan.strategy)) plans.push(plan);
  }
  return plans;
}

/** Nothing was searched: the requested strategies need more sites (or GPUs) than were chosen. */
export function noConfigError(strategies: Set<Strategy>, views: SiteView[], request: PlanRequest): PlannerInputError {
  return new PlannerInputError([
    {
      path: 'strategies',
      message: `none of the strategies ${[...strategies].join(', ')} applies to the chosen sites (${views.map((v) => v.site.id).join(', ')}${request.gpus !== undefined ? `, budget ${request.gpus} GPUs` : ''})`,
      hint: 'cross-site strategies need two or more sites with one GPU type and at least one GPU each; add single-site or choose more sites',
    },
  ]);
}

/** Every configuration was searched and no plan fits: name the budget when it, not the sites, is the limit. */
export function noFitError(modelName: string, views: SiteView[], request: PlanRequest): PlannerInputError {
  const budget =
    request.gpus !== undefined && request.gpus < views.reduce((n, v) => n + v.gpus, 0)
      ? `a budget of ${request.gpus} GPUs on `
      : '';
  return new PlannerInputError([
    {
      path: request.gpus !== undefined && budget ? 'gpus' : 'model',
      message: `no plan of ${modelName} fits in memory with ${budget}the chosen sites (${views.map((v) => `${v.site.id}: ${v.gpus} GPUs`).join(', ')})`,
      hint: budget ? 'raise the GPU budget, or choose a smaller model' : 'add GPUs or sites, or choose a smaller model',
    },
  ]);
}
