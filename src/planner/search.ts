// The plan search: choose sites, enumerate (strategy, site set) configurations, search each one's parallel plans
// (candidates.ts), rank them for their strategy (evaluate.ts) and list the best (ranking.ts).
// Pure: no I/O; progress is reported through a callback.
import type { EstimateOptions } from '../perf/estimate.js';
import { layerShape, parameterCounts } from '../perf/flops.js';
import type { ModelSpec, NetworkTier, Precision, SystemTiers } from '../perf/types.js';
import type { Fabric } from '../fabric/types.js';
import { STRATEGIES, STRATEGY_INFO } from '../core/strategies.js';
import { LayerCache } from './bound.js';
import {
  precisionsFor,
  searchPlans,
  type Candidate,
  type Pruning,
  type SearchContext,
  type SkippedPart,
} from './candidates.js';
import {
  CHINCHILLA_TOKENS_PER_PARAM,
  DEFAULT_TOKENS_PER_STEP,
  DILOCO_INNER_STEPS,
  DILOCO_OUTER_BITS,
} from './defaults.js';
import { dilocoTokenEfficiency } from './diloco-efficiency.js';
import { scoreCandidate, type Scored, type StrategyRun } from './evaluate.js';
import { better, listPlans, noConfigError, noFitError, TopPlans } from './ranking.js';
import { checkRequest, chooseViews, enumerateConfigs, wanPathTier, type Config } from './sites.js';
import type { PlanRequest, PlanResult, Strategy } from './types.js';

export {
  CHINCHILLA_TOKENS_PER_PARAM,
  DEFAULT_TOKENS_PER_STEP,
  DILOCO_INNER_STEPS,
  DILOCO_OUTER_BITS,
  DILOCO_TOKEN_EFFICIENCY,
  PlannerInputError,
} from './defaults.js';
export {
  defaultSearchSpace,
  etpOptions,
  precisionsFor,
  searchPlans,
  type SearchContext,
  type SearchSpace,
} from './candidates.js';
export { siteViews } from './sites.js';
export { better } from './ranking.js';
export { formatGbps } from './evaluate.js';

/** What the configurations of one plan search share: the request, the batch target and the ranking so far. */
interface SearchState {
  fabric: Fabric;
  request: PlanRequest;
  ctx: SearchContext;
  tokens: number;
  totalParams: number;
  dilocoEfficiencyFor: (replicas: number) => number;
  top: TopPlans;
  /** Best scored plan per strategy and site set, in search order. */
  best: Map<string, Scored>;
  /** Site-local searches by what they depend on, replayed for every configuration that shares one. */
  localSearches: Map<string, { entries: Array<Candidate | SkippedPart>; evaluated: number }>;
  /** Best effective tokens/s of each strategy over its configurations searched so far (for pruning). */
  strategyBest: Map<Strategy, number>;
  /** Prune by the throughput bound (bound.ts); false runs the reference search that estimates every plan. */
  prune: boolean;
  /** Candidates that fit, over all configurations (also their visit order). */
  fitted: number;
}

/** How the search runs, not what it finds: `prune: false` estimates every plan (the tests' reference). */
export interface SearchMode {
  prune?: boolean;
}

export function planOnFabric(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest,
  clock: () => number = () => 0,
  mode: SearchMode = {},
): PlanResult {
  const started = clock();
  const shape = layerShape(model);
  const counts = parameterCounts(model, shape);
  const seq = model.seqLength;
  const tokens = request.tokens ?? CHINCHILLA_TOKENS_PER_PARAM * counts.total;
  const targetTokensPerStep =
    request.tokensPerStep ?? (request.gbs !== undefined ? request.gbs * seq : DEFAULT_TOKENS_PER_STEP);
  const ctx: SearchContext = { model, shape, seq, targetTokensPerStep };
  const strategies = new Set<Strategy>(request.strategies ?? STRATEGIES);
  const dilocoEfficiencyFor = (replicas: number) =>
    request.dilocoTokenEfficiency ??
    dilocoTokenEfficiency(
      replicas,
      counts.total,
      request.dilocoInnerSteps ?? DILOCO_INNER_STEPS,
      request.dilocoOuterBits ?? DILOCO_OUTER_BITS,
    );

  checkRequest(request);
  const views = chooseViews(model, fabric, request, counts.total);
  const configs = enumerateConfigs(views, strategies, request);

  const topK = request.top ?? 5;
  const state: SearchState = {
    fabric,
    request,
    ctx,
    tokens,
    totalParams: counts.total,
    dilocoEfficiencyFor,
    top: new TopPlans(topK),
    best: new Map(),
    localSearches: new Map(),
    strategyBest: new Map(),
    prune: mode.prune ?? true,
    fitted: 0,
  };
  let evaluated = 0;
  configs.forEach((config, index) => {
    evaluated += runConfig(state, config);
    request.onProgress?.((index + 1) / configs.length);
  });

  if (configs.length === 0) throw noConfigError(strategies, views, request);
  if (state.fitted === 0) throw noFitError(model.name, views, request);
  return {
    model: model.name,
    fabric: fabric.name,
    tokens,
    plans: listPlans(state.top, state.best, topK),
    plansEvaluated: evaluated,
    searchSeconds: (clock() - started) / 1000,
  };
}

/** Searches one (strategy, site set): its WAN path and options, then every candidate ranked for the strategy. */
function runConfig(state: SearchState, config: Config): number {
  const { fabric, request, ctx, top, best } = state;
  const { strategy, views: set, perSite } = config;
  const tiers = set[0].tiers;
  const siteIds = set.map((v) => v.site.id);
  const k = set.length;
  let options: EstimateOptions = {};
  let mode: StrategyRun['mode'] = 'local';
  let wan: NetworkTier | undefined;
  if (STRATEGY_INFO[strategy].crossSite) {
    wan = wanPathTier(fabric, siteIds, request);
    if (!wan) return 0;
  }
  if (strategy === 'hierarchical-dp' && wan) {
    mode = 'dp-across';
    options = { wan: { tier: wan, dpSites: k, ppSites: 1 } };
  } else if (strategy === 'pipeline-across-sites' && wan) {
    mode = 'pp-across';
    options = { wan: { tier: wan, dpSites: 1, ppSites: k } };
  }
  // Replicas that train apart (DiLoCo, independent runs) share the step's token budget, so every strategy
  // processes the same tokens per step and the comparison is fair.
  const splitsBatch = STRATEGY_INFO[strategy].splitsBatch;
  const run: StrategyRun = {
    strategy,
    set,
    tiers,
    k,
    mode,
    wan,
    powerMWPerGpu: set.reduce((n, v) => n + v.powerPerGpuMW, 0) / k,
    splitsBatch,
    tokens: state.tokens,
    totalParams: state.totalParams,
    request,
    dilocoEfficiencyFor: state.dilocoEfficiencyFor,
  };
  const configCtx = {
    ...ctx,
    precisions: precisionsFor(request.precision, tiers),
    targetTokensPerStep: splitsBatch ? ctx.targetTokensPerStep / k : ctx.targetTokensPerStep,
  };
  // Every candidate is scored (numbers only); only the config's best and the top K keep theirs.
  let configBest: Scored | undefined;
  const visit = (candidate: Candidate) => {
    const scored = scoreCandidate(run, candidate, state.fitted++);
    if (!configBest || better(scored, configBest)) configBest = scored;
    top.offer(scored);
  };
  const pruning = state.prune ? configPruning(state, run, () => configBest) : undefined;
  const count =
    mode === 'local'
      ? searchLocal(state, configCtx, tiers, perSite, k, options, visit, pruning)
      : searchPlans(configCtx, tiers, perSite, k, mode, options, visit, pruning);
  if (configBest) {
    best.set(`${strategy}:${siteIds.join(',')}`, configBest);
    const eff = configBest.effectiveTokensPerSecond;
    const before = state.strategyBest.get(strategy);
    if (before === undefined || eff > before) state.strategyBest.set(strategy, eff);
  }
  return count;
}

/**
 * A site-local search depends only on its GPUs, batch target, precisions and hardware: DiLoCo and independent runs on
 * the same sites, or single sites of identical hardware, record one search and replay it in its order (exact).
 */
function searchLocal(
  state: SearchState,
  configCtx: SearchContext & { precisions: Precision[] },
  tiers: SystemTiers,
  perSite: number,
  k: number,
  options: EstimateOptions,
  visit: (c: Candidate) => void,
  pruning: Pruning | undefined,
): number {
  const memoKey = `${perSite}|${configCtx.targetTokensPerStep}|${configCtx.precisions.join(',')}|${JSON.stringify(tiers)}`;
  const memo = state.localSearches.get(memoKey);
  if (memo) return memo.evaluated + replay(memo.entries, visit, pruning);
  const entries: Array<Candidate | SkippedPart> = [];
  const record = pruning && { ...pruning, skipped: (part: SkippedPart) => entries.push(part) };
  const recordAndVisit = (c: Candidate) => {
    entries.push(c);
    visit(c);
  };
  const evaluated = searchPlans(configCtx, tiers, perSite, k, 'local', options, recordAndVisit, record);
  state.localSearches.set(memoKey, { entries, evaluated });
  return evaluated;
}

/**
 * A recorded site-local search visited again for another strategy, in its order; rows the first search skipped are
 * searched now unless this strategy can skip them too. Returns the plans estimated now.
 */
function replay(
  entries: Array<Candidate | SkippedPart>,
  visit: (c: Candidate) => void,
  pruning: Pruning | undefined,
): number {
  let evaluated = 0;
  for (const entry of entries) {
    if ('plan' in entry) visit(entry);
    // Parts are only skipped (and recorded) by a pruned search, and one planOnFabric call prunes all or nothing.
    else if (!pruning) throw new Error('a pruned site-local search replayed without pruning');
    else if (!pruning.canSkip(entry.upperBoundTokensPerSecond)) evaluated += entry.resume(pruning, visit);
  }
  return evaluated;
}

/**
 * The bound's threshold for one configuration. A plan changes the output only if it can enter the top K or become
 * the best of its strategy (listed as the alternative), so plans whose effective tokens/s bound is below both the
 * K-th best and the strategy's best so far are skipped. Both only rise as the search runs.
 */
function configPruning(state: SearchState, run: StrategyRun, configBest: () => Scored | undefined): Pruning {
  // What the strategy makes of a site-local tokens/s: DiLoCo's k replicas at most, at its token efficiency; the
  // others keep it (independent runs: k x the tokens at 1/k efficiency). The margin covers rounding.
  const factor = (run.strategy === 'diloco' ? run.k * state.dilocoEfficiencyFor(run.k) : 1) * (1 + 1e-9);
  return {
    layers: new LayerCache(state.ctx.model, state.ctx.shape, run.tiers),
    canSkip: (tokensPerSecond) => {
      const current = configBest();
      const strategyFloor = Math.max(
        state.strategyBest.get(run.strategy) ?? -Infinity,
        current ? current.effectiveTokensPerSecond : -Infinity,
      );
      return tokensPerSecond * factor < Math.min(state.top.threshold, strategyFloor);
    },
  };
}
