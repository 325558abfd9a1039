// Ranking and the listed plans: the total order, the top K distinct plans plus the best of each other strategy,
// and the reasons given when nothing was searched or nothing fits.
import { listKeyOf, rankCandidate, type Scored } from './evaluate.js';
import type { SiteView } from './sites.js';
import { PlannerInputError } from './defaults.js';
import type { PlanRequest, RankedPlan, Strategy } from './types.js';

/** Ranking: effective throughput, then fewer GPUs, then less memory (a deterministic total order). */
export function better(a: Ranked, b: Ranked): boolean {
  if (a.effectiveTokensPerSecond !== b.effectiveTokensPerSecond)
    return a.effectiveTokensPerSecond > b.effectiveTokensPerSecond;
  if (a.gpus !== b.gpus) return a.gpus < b.gpus;
  return a.memoryGiBPerGpu < b.memoryGiBPerGpu;
}

type Ranked = Pick<RankedPlan, 'effectiveTokensPerSecond' | 'gpus' | 'memoryGiBPerGpu'>;

/** `better` as a comparator, ties broken by visit order (what a stable sort of every plan in visit order gives). */
function compare(a: Scored, b: Scored): number {
  return better(a, b) ? -1 : better(b, a) ? 1 : a.order - b.order;
}

/**
 * The top K distinct plans (ZeRO-only variants of a listed plan are dropped), kept while the search runs. Exact
 * pruning: the K-th best distinct plan only improves as plans arrive, so a plan not strictly ahead of it can never be
 * listed and is dropped before its key or its ranked plan is built.
 */
export class TopPlans {
  private readonly kept: Scored[] = [];
  constructor(private readonly k: number) {}

  offer(scored: Scored): void {
    const { kept, k } = this;
    if (k < 1 || (kept.length >= k && compare(scored, kept[k - 1]) >= 0)) return;
    scored.listKey = listKeyOf(scored);
    const same = kept.findIndex((s) => s.listKey === scored.listKey);
    if (same >= 0) {
      if (compare(scored, kept[same]) >= 0) return;
      kept.splice(same, 1);
    }
    let at = kept.length;
    while (at > 0 && compare(scored, kept[at - 1]) < 0) at--;
    kept.splice(at, 0, scored);
    if (kept.length > k) kept.pop();
  }

  /** A plan must be strictly ahead of this effective tokens/s to enter (-Infinity until K plans are kept). */
  get threshold(): number {
    if (this.k < 1) return Infinity;
    return this.kept.length >= this.k ? this.kept[this.k - 1].effectiveTokensPerSecond : -Infinity;
  }

  get plans(): readonly Scored[] {
    return this.kept;
  }
}

/**
 * The listed plans: the top K distinct, plus the best of each other strategy so the user sees the alternatives.
 * `best` is the best per strategy and site set, in search order.
 */
export function listPlans(top: TopPlans, best: Map<string, Scored>, k: number): RankedPlan[] {
  const built = new Map<Scored, RankedPlan>();
  const build = (s: Scored) => built.get(s) ?? built.set(s, rankCandidate(s)).get(s)!;
  const plans: RankedPlan[] = top.plans.map(build);
  for (const scored of [...best.values()].sort((a, b) => b.effectiveTokensPerSecond - a.effectiveTokensPerSecond)) {
    if (plans.length >= Math.max(k, 1) + best.size) break;
    if (!plans.some((p) => p.strategy === scored.run.strategy)) plans.push(build(scored));
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
