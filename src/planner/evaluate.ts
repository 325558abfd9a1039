// Strategy evaluation: one site-local candidate (plan + estimate) turned into a ranked plan for its cross-site
// strategy: WAN use and need, DiLoCo's outer synchronization, independent runs, time to train, energy, bottleneck.
import { STRATEGY_INFO } from '../core/strategies.js';
import type { Estimate, NetworkTier, Plan, SystemTiers } from '../perf/types.js';
import type { Candidate } from './candidates.js';
import { DILOCO_INNER_STEPS, DILOCO_OUTER_BITS, WAN_TOLERATED_SHARE } from './defaults.js';
import { describeDilocoEfficiency } from './diloco-efficiency.js';
import type { SiteView } from './sites.js';
import type { PlanRequest, RankedPlan, SitePlacement, Strategy, TierMapping } from './types.js';

/** One (strategy, site set) being searched, with what ranking its candidates needs. */
export interface StrategyRun {
  strategy: Strategy;
  set: SiteView[];
  tiers: SystemTiers;
  /** Sites in the set. */
  k: number;
  mode: 'local' | 'dp-across' | 'pp-across';
  wan: NetworkTier | undefined;
  powerMWPerGpu: number;
  splitsBatch: boolean;
  /** Tokens to train. */
  tokens: number;
  totalParams: number;
  request: PlanRequest;
  dilocoEfficiencyFor: (replicas: number) => number;
}

/** What a strategy changes in a site-local estimate: numbers only (the bottleneck text is written for listed plans). */
interface StrategyFigures {
  tokensPerSecond: number;
  stepTimeSeconds: number;
  tokenEfficiency: number;
  wanGbpsUsed: number;
  wanGbpsNeeded: number;
  diloco: RankedPlan['diloco'];
  /** DiLoCo: outer-synchronization seconds exposed per inner step. */
  exposedPerStep: number;
}

/** A candidate scored for its strategy: what ranking compares, and what building its ranked plan needs. */
export interface Scored {
  run: StrategyRun;
  candidate: Candidate;
  figures: StrategyFigures;
  effectiveTokensPerSecond: number;
  gpus: number;
  memoryGiBPerGpu: number;
  /** Visit order over the whole search: ties in rank keep it, as a stable sort of every plan would. */
  order: number;
  /** The listing key (set once the candidate is offered a place in the top K). */
  listKey?: string;
}

function strategyFigures(run: StrategyRun, plan: Plan, estimate: Estimate): StrategyFigures {
  const { strategy, k, wan, request } = run;
  const f: StrategyFigures = {
    tokensPerSecond: estimate.tokensPerSecond,
    stepTimeSeconds: estimate.stepTimeSeconds,
    tokenEfficiency: 1,
    wanGbpsUsed: 0,
    wanGbpsNeeded: 0,
    diloco: undefined,
    exposedPerStep: 0,
  };
  const b = estimate.breakdown;
  if (strategy === 'hierarchical-dp' || strategy === 'pipeline-across-sites') {
    f.wanGbpsUsed = (b.wanBytesPerStep * 8) / f.stepTimeSeconds / 1e9;
    f.wanGbpsNeeded = (b.wanBytesPerStep * 8) / Math.max(b.wanOverlapWindowSeconds, 1e-9) / 1e9 / wan!.efficiency;
  } else if (strategy === 'diloco') {
    const innerSteps = request.dilocoInnerSteps ?? DILOCO_INNER_STEPS;
    const outerBits = request.dilocoOuterBits ?? DILOCO_OUTER_BITS;
    const streaming = request.dilocoStreaming ?? true;
    const bytes = (run.totalParams * outerBits) / 8;
    const ringBytes = (2 * (k - 1) * bytes) / k;
    const syncSeconds =
      2 * (k - 1) * wan!.latencyUs * 1e-6 + ringBytes / ((wan!.bandwidthGbps * 1e9 * wan!.efficiency) / 8);
    const window = innerSteps * estimate.stepTimeSeconds;
    // Streaming: fragments sync while the next inner steps run and only what exceeds the window is exposed;
    // plain DiLoCo stops for the whole outer synchronization every H steps.
    f.exposedPerStep = (streaming ? Math.max(0, syncSeconds - window) : syncSeconds) / innerSteps;
    f.stepTimeSeconds = estimate.stepTimeSeconds + f.exposedPerStep;
    f.tokensPerSecond = (k * plan.gbs * plan.seq!) / f.stepTimeSeconds;
    f.tokenEfficiency = run.dilocoEfficiencyFor(k);
    f.wanGbpsUsed = (ringBytes * 8) / (innerSteps * f.stepTimeSeconds) / 1e9;
    f.wanGbpsNeeded = (ringBytes * 8) / window / 1e9 / wan!.efficiency;
    f.diloco = { innerSteps, outerBits, streaming, syncSeconds };
  } else if (strategy === 'independent') {
    f.tokensPerSecond = k * estimate.tokensPerSecond;
    f.tokenEfficiency = 1 / k;
  }
  return f;
}

/** The bottleneck in words for a scored candidate: the estimate's, or the strategy's WAN cost when that dominates. */
function bottleneckText(run: StrategyRun, estimate: Estimate, f: StrategyFigures): string {
  const { strategy, k, request } = run;
  const b = estimate.breakdown;
  if (strategy === 'hierarchical-dp' || strategy === 'pipeline-across-sites') {
    const stepTimeSeconds = f.stepTimeSeconds;
    const share = b.wanCommExposedSeconds / stepTimeSeconds;
    if (!(share > WAN_TOLERATED_SHARE)) return estimate.bottleneck;
    const h = Math.max(2, Math.ceil(b.wanCommTotalSeconds / stepTimeSeconds / WAN_TOLERATED_SHARE));
    const what = strategy === 'hierarchical-dp' ? 'DP exchange over the WAN' : 'pipeline traffic over the WAN';
    return `${what} exposes ${(100 * share).toFixed(0)}% of the step: needs >= ${formatGbps(f.wanGbpsNeeded)}, or local-SGD with H >= ${h}`;
  }
  if (strategy === 'diloco') {
    const streaming = f.diloco!.streaming;
    return f.exposedPerStep > 0
      ? `outer synchronization exposes ${((100 * f.exposedPerStep) / f.stepTimeSeconds).toFixed(0)}% of each step: needs >= ${formatGbps(f.wanGbpsNeeded)}${streaming ? '' : ', streaming,'} or more inner steps`
      : `${estimate.bottleneck}; local-SGD costs ${(100 * (1 - f.tokenEfficiency)).toFixed(0)}% token efficiency (${request.dilocoTokenEfficiency !== undefined ? 'as given' : describeDilocoEfficiency(k, run.totalParams, request.dilocoInnerSteps ?? DILOCO_INNER_STEPS, request.dilocoOuterBits ?? DILOCO_OUTER_BITS)})`;
  }
  if (strategy === 'independent')
    return `independent runs: only one site's tokens train this model (${k} separate models); ${estimate.bottleneck}`;
  return estimate.bottleneck;
}

/** Scores a site-local candidate for its strategy: only numbers, so that ranking it is cheap. */
export function scoreCandidate(run: StrategyRun, candidate: Candidate, order: number): Scored {
  const { plan, estimate } = candidate;
  const figures = strategyFigures(run, plan, estimate);
  return {
    run,
    candidate,
    figures,
    effectiveTokensPerSecond: figures.tokensPerSecond * figures.tokenEfficiency,
    gpus: run.mode === 'local' ? plan.gpus * run.k : plan.gpus,
    memoryGiBPerGpu: estimate.memoryGiBPerGpu,
    order,
  };
}

/** A scored candidate as the ranked plan of its strategy over its sites (built only for plans that are listed). */
export function rankCandidate(scored: Scored): RankedPlan {
  const { run, figures: f } = scored;
  const { plan, estimate } = scored.candidate;
  const { strategy, k, mode, splitsBatch } = run;
  const gpusPerSite = mode === 'local' ? plan.gpus : plan.gpus / k;
  const totalGpus = scored.gpus;
  const placement: SitePlacement[] = run.set.map((v) => ({
    site: v.site.id,
    jurisdiction: v.site.jurisdiction,
    gpus: gpusPerSite,
  }));
  const { stepTimeSeconds, tokensPerSecond, tokenEfficiency } = f;
  const effectiveTokensPerSecond = scored.effectiveTokensPerSecond;
  const powerMW = totalGpus * run.powerMWPerGpu;
  const timeToTrainDays = run.tokens / effectiveTokensPerSecond / 86400;
  return {
    strategy,
    placement,
    gpus: totalGpus,
    tp: plan.tp,
    pp: plan.pp,
    vpp: plan.vpp ?? 1,
    dp: splitsBatch ? plan.dp * k : plan.dp,
    cp: plan.cp ?? 1,
    ep: plan.ep ?? 1,
    etp: plan.etp ?? plan.tp,
    precision: plan.precision ?? 'bf16',
    mbs: plan.mbs,
    gbs: splitsBatch ? plan.gbs * k : plan.gbs,
    recompute: plan.recompute ?? 'none',
    sequenceParallel: plan.sequenceParallel ?? false,
    zero: plan.zero ?? 1,
    mapping: mappingFor(plan, run.tiers, strategy),
    stepTimeSeconds,
    tokensPerSecond,
    effectiveTokensPerSecond,
    tokenEfficiency,
    modelTflopsPerGpu: estimate.modelTflopsPerGpu * (estimate.stepTimeSeconds / stepTimeSeconds),
    hardwareTflopsPerGpu: estimate.hardwareTflopsPerGpu * (estimate.stepTimeSeconds / stepTimeSeconds),
    mfu: estimate.mfu * (estimate.stepTimeSeconds / stepTimeSeconds),
    hfu: estimate.hfu * (estimate.stepTimeSeconds / stepTimeSeconds),
    memoryGiBPerGpu: estimate.memoryGiBPerGpu,
    fits: estimate.fits,
    wanGbpsUsed: f.wanGbpsUsed,
    wanGbpsNeeded: f.wanGbpsNeeded,
    diloco: f.diloco,
    timeToTrainDays,
    energyMWh: powerMW * timeToTrainDays * 24,
    powerMW,
    bottleneck: bottleneckText(run, estimate, f),
    // DiLoCo: the inner steps send nothing across sites; the outer sync's ring bytes amortised per inner step
    breakdown: f.diloco
      ? { ...estimate.breakdown, wanBytesPerStep: (f.wanGbpsUsed * 1e9 * f.stepTimeSeconds) / 8 }
      : estimate.breakdown,
  };
}

/** The key under which listed plans are distinct: everything but ZeRO (and the dp and batch that follow). */
export function listKeyOf(scored: Scored): string {
  const { plan } = scored.candidate;
  const { run } = scored;
  return `${run.strategy}|${run.set.map((v) => v.site.id).join(',')}|${plan.tp}|${plan.pp}|${plan.vpp ?? 1}|${plan.cp ?? 1}|${plan.ep ?? 1}|${plan.etp ?? plan.tp}|${plan.precision ?? 'bf16'}|${plan.mbs}|${plan.recompute ?? 'none'}`;
}

function tierOf(span: number, tiers: SystemTiers): 'scale-up' | 'scale-out' {
  return span <= tiers.scaleUpDomainGpus ? 'scale-up' : 'scale-out';
}

function mappingFor(plan: Plan, tiers: SystemTiers, strategy: Strategy): TierMapping {
  const cp = plan.cp ?? 1;
  const ep = plan.ep ?? 1;
  return {
    tp: tierOf(plan.tp, tiers),
    cp: tierOf(plan.tp * cp, tiers),
    ep: tierOf(plan.tp * cp * ep, tiers),
    dp: STRATEGY_INFO[strategy].wanDimension === 'dp' ? 'wan' : tierOf(plan.tp * cp * plan.dp, tiers),
    pp:
      STRATEGY_INFO[strategy].wanDimension === 'pp'
        ? 'wan'
        : plan.pp > 1
          ? tierOf(plan.tp * cp * plan.dp * plan.pp, tiers)
          : tierOf(1, tiers),
  };
}

export function formatGbps(gbps: number): string {
  return gbps >= 1000 ? `${(gbps / 1000).toFixed(1)} Tb/s` : `${gbps.toFixed(0)} Gb/s`;
}
