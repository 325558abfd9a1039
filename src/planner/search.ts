// The plan search: enumerate parallel plans and site mappings, prune by rules and memory, estimate, rank.
// Pure: no I/O; progress is reported through a callback.
import { estimateWithTiers, type EstimateOptions } from '../perf/estimate.js';
import { layerShape, parameterCounts, type LayerShape } from '../perf/flops.js';
import { GiB, modelStateBytes, modelStateBytesPerGpu } from '../perf/memory.js';
import { tiersForPod, wanTier } from '../perf/tiers.js';
import type { Estimate, ModelSpec, NetworkTier, Plan, Precision, Recompute, SystemTiers } from '../perf/types.js';
import type { Fabric, Site, SystemSpec } from '../fabric/types.js';
import { InputIssuesError, type InputIssue } from '../core/issues.js';
import { jurisdictionAllowed } from '../core/jurisdiction.js';
import { checkPlanOptions, pickPlanOptions } from '../core/plan-request.js';
import { facilityWPerGpu, gpusWithinPowerCap, mainPod, sitePowerCapW } from '../core/power.js';
import { MULTI_SITE_STRATEGIES, STRATEGIES, STRATEGY_INFO } from '../core/strategies.js';
import { dilocoTokenEfficiency } from './diloco-efficiency.js';
import type { PlanRequest, PlanResult, RankedPlan, SitePlacement, Strategy, TierMapping } from './types.js';

/** Chinchilla-optimal budget: about 20 training tokens per parameter (Hoffmann et al., arXiv 2203.15556). */
export const CHINCHILLA_TOKENS_PER_PARAM = 20;
/** Default tokens per step: 16M, Llama 3 405B's final batch (arXiv 2407.21783, Sec. 3.4.1). */
export const DEFAULT_TOKENS_PER_STEP = 16 * 2 ** 20;
/**
 * Local-SGD defaults. H = 100 inner steps and 4-bit outer gradients streamed in fragments follow Streaming DiLoCo
 * (Douillard et al., arXiv 2501.18512). Token efficiency is the law of diloco-efficiency.ts (replicas and model size,
 * fitted to Charles et al., arXiv 2503.09799); DILOCO_TOKEN_EFFICIENCY is the former flat assumption, kept for
 * callers that pass it. Override with dilocoTokenEfficiency.
 */
export const DILOCO_INNER_STEPS = 100;
export const DILOCO_OUTER_BITS = 4;
export const DILOCO_TOKEN_EFFICIENCY = 0.95;
/** How far above the target batch a plan's rounded global batch may go. */
const BATCH_SLACK = 1.25;
/** Exposed WAN time that a plan may leave before the planner calls the WAN its bottleneck. */
const WAN_TOLERATED_SHARE = 0.05;

const RECOMPUTE_ORDER: Recompute[] = ['none', 'selective', 'full'];
const ZERO_ORDER = [1, 0, 2, 3] as const;

export class PlannerInputError extends InputIssuesError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'PlannerInputError';
  }
}

interface SiteView {
  site: Site;
  system: SystemSpec;
  tiers: SystemTiers;
  /** GPUs usable: those of the site's main system, within its power cap. */
  gpus: number;
  powerPerGpuMW: number;
}

/** Whole sites as the planner sees them: one system per site (its largest pod's), GPUs capped by power. */
export function siteViews(fabric: Fabric): SiteView[] {
  return fabric.sites.map((site) => {
    const pod = mainPod(site.pods)!;
    const sameSystem = site.pods.filter((p) => p.system.id === pod.system.id).reduce((n, p) => n + p.gpus, 0);
    const powerPerGpuW = facilityWPerGpu(pod.system.systemPowerPerGpuW, site.pue);
    const powerPerGpuMW = powerPerGpuW / 1e6;
    const powerCapGpus = gpusWithinPowerCap(sitePowerCapW(site), powerPerGpuW);
    return {
      site,
      system: pod.system,
      tiers: tiersForPod(pod),
      gpus: Math.min(sameSystem, powerCapGpus),
      powerPerGpuMW,
    };
  });
}

function divisorsUpTo(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

/** Pipeline depths worth trying: divisors-friendly counts up to the layer count. */
function ppOptions(layers: number, maxStages: number): number[] {
  const base = [1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 64, 72, 96, 128];
  return base.filter((p) => p <= layers && p <= maxStages);
}

interface Candidate {
  plan: Plan;
  estimate: Estimate;
}

interface Config {
  strategy: Strategy;
  views: SiteView[];
  /** GPUs budget per site. */
  perSite: number;
}

export interface SearchSpace {
  tp: number[];
  cp: number[];
  ep: number[];
  mbs: number[];
  vpp: number[];
}

export function defaultSearchSpace(model: ModelSpec, tiers: SystemTiers, seq: number): SearchSpace {
  const tp = [1, 2, 4, 8, 16, 32, 64].filter(
    (t) =>
      t <= tiers.scaleUpDomainGpus &&
      model.attentionHeads % t === 0 &&
      (model.mla || model.kvHeads % t === 0 || t % model.kvHeads === 0),
  );
  const cp = seq >= 16384 ? [1, 2, 4, 8] : seq >= 8192 ? [1, 2] : [1];
  const ep = model.moe ? divisorsUpTo(model.moe.experts, 64).filter((e) => (e & (e - 1)) === 0) : [1];
  return { tp, cp, ep, mbs: [1, 2, 4], vpp: [1, 2, 3, 4, 6, 8] };
}

/** Memory that does not depend on micro-batch or recompute: weights, gradients, optimizer (GiB), as perf counts it. */
function stateLowerBoundGiB(
  params: number,
  expertParams: number,
  tp: number,
  pp: number,
  ep: number,
  etp: number,
  dpRanks: number,
  zero: number,
): number {
  return modelStateBytesPerGpu(params, expertParams, tp, pp, ep, etp, dpRanks, zero) / GiB;
}

/**
 * Expert tensor-parallel widths worth trying for one (tp, ep): 1 and tp (Megatron-Core MoE parallel folding lets
 * experts drop TP), each only where EP x ETP divides the TP x DP x CP ranks of a stage. Dense models: [tp].
 */
export function etpOptions(model: ModelSpec, tp: number, dp: number, cp: number, ep: number): number[] {
  if (!model.moe) return ep === 1 ? [tp] : [];
  if (model.moe.experts % ep !== 0) return [];
  const out: number[] = [];
  for (const etp of tp === 1 ? [1] : [1, tp]) if ((tp * dp * cp) % (ep * etp) === 0) out.push(etp);
  return out;
}

/** The precisions a request lets the planner try on a GPU: 'auto' tries FP8 only where the GPU has FP8 peaks. */
export function precisionsFor(requested: Precision | 'auto' | undefined, tiers: SystemTiers): Precision[] {
  if (requested === 'auto') return tiers.gpu.fp8DenseTflops !== null ? ['bf16', 'fp8'] : ['bf16'];
  return [requested ?? 'bf16'];
}

export interface SearchContext {
  model: ModelSpec;
  shape: LayerShape;
  seq: number;
  targetTokensPerStep: number;
  space?: SearchSpace;
  /** Numeric formats to try (default ['bf16']); FP8 plans run their attention on today's fused kernels. */
  precisions?: Precision[];
}

/**
 * Best fitting plans for one site-local shape. For fixed other knobs, step time never falls and memory never rises
 * as recompute goes none -> selective -> full, so the first recompute level that fits is the fastest that fits.
 */
export function searchPlans(
  ctx: SearchContext,
  tiers: SystemTiers,
  perSiteGpus: number,
  sites: number,
  mode: 'local' | 'dp-across' | 'pp-across',
  options: EstimateOptions,
  visit: (c: Candidate) => void,
): number {
  const { model, shape, seq } = ctx;
  const space = ctx.space ?? defaultSearchSpace(model, tiers, seq);
  const counts = parameterCounts(model, shape);
  let evaluated = 0;
  const hbm = tiers.hbmGiB - tiers.memoryReserveGiB;
  const precisions = ctx.precisions ?? ['bf16'];
  for (const tp of space.tp) {
    if (tp > perSiteGpus) continue;
    for (const cp of space.cp) {
      if (seq % cp !== 0 || tp * cp > perSiteGpus) continue;
      for (const ppLocal of ppOptions(model.layers, Math.floor(perSiteGpus / (tp * cp)))) {
        const pp = mode === 'pp-across' ? ppLocal * sites : ppLocal;
        if (pp > model.layers) continue;
        const dpLocal = Math.floor(perSiteGpus / (tp * cp * ppLocal));
        if (dpLocal < 1) continue;
        const dp = mode === 'dp-across' ? dpLocal * sites : dpLocal;
        const gpus = tp * cp * pp * dp;
        for (const ep of space.ep) {
          for (const etp of etpOptions(model, tp, dp, cp, ep)) {
            for (const zero of ZERO_ORDER) {
              if (stateLowerBoundGiB(counts.total, counts.expertParamsTotal, tp, pp, ep, etp, dp * cp, zero) > hbm)
                continue;
              for (const precision of precisions)
                evaluated += searchBatches(
                  ctx,
                  tiers,
                  { gpus, tp, pp, dp, cp, ep, etp, zero, precision },
                  space,
                  options,
                  visit,
                );
            }
          }
        }
      }
    }
  }
  return evaluated;
}

/** The vpp x mbs x recompute corner of the search for one parallel layout; returns the plans it estimated. */
function searchBatches(
  ctx: SearchContext,
  tiers: SystemTiers,
  layout: Pick<Plan, 'gpus' | 'tp' | 'pp' | 'dp' | 'cp' | 'ep' | 'etp' | 'zero' | 'precision'>,
  space: SearchSpace,
  baseOptions: EstimateOptions,
  visit: (c: Candidate) => void,
): number {
  const { model, shape, seq } = ctx;
  const { pp, dp, tp } = layout;
  const options: EstimateOptions =
    layout.precision === 'fp8' ? { ...baseOptions, attentionKernel: 'flash3' } : baseOptions;
  let evaluated = 0;
  for (const vpp of space.vpp) {
    if (vpp > 1 && (pp < 2 || pp * vpp > model.layers)) continue;
    for (const mbs of space.mbs) {
      // The global batch stays near the target (a larger batch hurts convergence): the nearest multiple of
      // dp*mbs (x pp when interleaved), at most BATCH_SLACK over it. Too much DP for the batch is infeasible.
      const unit = dp * mbs * (vpp > 1 ? pp : 1);
      const targetSeqs = Math.max(1, Math.round(ctx.targetTokensPerStep / seq));
      const gbs = Math.max(unit, Math.round(targetSeqs / unit) * unit);
      if (gbs > targetSeqs * BATCH_SLACK) break;
      let fitted = false;
      for (const recompute of RECOMPUTE_ORDER) {
        const plan: Plan = {
          ...layout,
          vpp,
          mbs,
          gbs,
          seq,
          recompute,
          sequenceParallel: tp > 1,
        };
        const estimate = estimateWithTiers(model, tiers, plan, options, shape);
        evaluated++;
        if (estimate.fits) {
          visit({ plan, estimate });
          fitted = true;
          break;
        }
      }
      // A bigger micro-batch only needs more memory.
      if (!fitted) break;
    }
  }
  return evaluated;
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

/** The slowest WAN path among a set of sites: lowest capacity, highest latency (a ring over them). */
function wanPathTier(fabric: Fabric, siteIds: string[], request: PlanRequest): NetworkTier | undefined {
  let capacity = Infinity;
  let latency = 0;
  for (let i = 0; i < siteIds.length; i++) {
    for (let j = i + 1; j < siteIds.length; j++) {
      const link = fabric.wanLinks.find(
        (l) => (l.a === siteIds[i] && l.b === siteIds[j]) || (l.a === siteIds[j] && l.b === siteIds[i]),
      );
      if (!link) {
        if (siteIds.length === 2) return undefined;
        continue;
      }
      capacity = Math.min(capacity, request.wanCapacityGbps ?? link.capacityGbps);
      latency = Math.max(latency, request.wanLatencyMs ?? link.latencyMs);
    }
  }
  if (!Number.isFinite(capacity)) return undefined;
  return wanTier({ capacityGbps: capacity, latencyMs: latency });
}

function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

export function planOnFabric(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest,
  clock: () => number = () => 0,
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
    request.dilocoTokenEfficiency ?? dilocoTokenEfficiency(replicas, counts.total);

  checkRequest(request);
  let views = siteViews(fabric);
  checkPrecision(request, views);
  if (request.sites && request.sites.length > 0) {
    const unknown = request.sites.filter((id) => !views.some((v) => v.site.id === id));
    if (unknown.length > 0) {
      throw new PlannerInputError([
        {
          path: 'sites',
          message: `unknown site ${unknown.join(', ')}`,
          hint: `use site ids of ${fabric.name}: ${views.map((v) => v.site.id).join(', ')}`,
        },
      ]);
    }
    views = views.filter((v) => request.sites!.includes(v.site.id));
  }
  if (request.allow && request.allow.length > 0) {
    views = views.filter((v) => jurisdictionAllowed(request.allow, v.site.jurisdiction));
    if (views.length === 0) {
      throw new PlannerInputError([
        {
          path: 'allow',
          message: `no site of ${fabric.name} is in ${request.allow.join(', ')}`,
          hint: `allowed jurisdictions must include one of: ${[...new Set(fabric.sites.map((s) => s.jurisdiction))].join(', ')}`,
        },
      ]);
    }
  }
  const totalHbmGiB = views.reduce((n, v) => n + v.gpus * v.tiers.hbmGiB, 0);
  // All model state, however it is sharded: a lower bound on the HBM that the whole plan needs.
  const minStateGiB = modelStateBytes(counts.total, 1, 0) / GiB;
  if (minStateGiB > totalHbmGiB) {
    throw new PlannerInputError([
      {
        path: 'model',
        message: `${model.name} needs at least ${(minStateGiB / 1024).toFixed(1)} TiB for weights, gradients and Adam states, more than all HBM of the chosen sites (${(totalHbmGiB / 1024).toFixed(1)} TiB)`,
        hint: 'add sites or GPUs, or choose a smaller model',
      },
    ]);
  }

  const configs: Config[] = [];
  for (const set of subsets(views)) {
    if (set.length === 1) {
      if (strategies.has('single-site'))
        configs.push({ strategy: 'single-site', views: set, perSite: Math.min(set[0].gpus, request.gpus ?? Infinity) });
      continue;
    }
    if (new Set(set.map((v) => v.tiers.gpu.id)).size > 1) continue; // synchronous plans need one GPU type
    const perSite = Math.min(...set.map((v) => v.gpus), Math.floor((request.gpus ?? Infinity) / set.length));
    if (perSite < 1) continue;
    for (const strategy of MULTI_SITE_STRATEGIES) {
      if (strategies.has(strategy)) configs.push({ strategy, views: set, perSite });
    }
  }

  const best = new Map<string, RankedPlan>();
  const all: RankedPlan[] = [];
  let evaluated = 0;
  configs.forEach((config, index) => {
    evaluated += runConfig(config);
    request.onProgress?.((index + 1) / configs.length);
  });

  function runConfig(config: Config): number {
    const { strategy, views: set, perSite } = config;
    const tiers = set[0].tiers;
    const siteIds = set.map((v) => v.site.id);
    const k = set.length;
    let options: EstimateOptions = {};
    let mode: 'local' | 'dp-across' | 'pp-across' = 'local';
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
    const powerMWPerGpu = set.reduce((n, v) => n + v.powerPerGpuMW, 0) / k;
    // Replicas that train apart (DiLoCo, independent runs) share the step's token budget, so every strategy
    // processes the same tokens per step and the comparison is fair.
    const splitsBatch = STRATEGY_INFO[strategy].splitsBatch;
    const precisions = precisionsFor(request.precision, tiers);
    const configCtx = {
      ...ctx,
      precisions,
      targetTokensPerStep: splitsBatch ? ctx.targetTokensPerStep / k : ctx.targetTokensPerStep,
    };
    return searchPlans(configCtx, tiers, perSite, k, mode, options, ({ plan, estimate }) => {
      const gpusPerSite = mode === 'local' ? plan.gpus : plan.gpus / k;
      const totalGpus = mode === 'local' ? plan.gpus * k : plan.gpus;
      const placement: SitePlacement[] = set.map((v) => ({
        site: v.site.id,
        jurisdiction: v.site.jurisdiction,
        gpus: gpusPerSite,
      }));
      let tokensPerSecond = estimate.tokensPerSecond;
      let stepTimeSeconds = estimate.stepTimeSeconds;
      let tokenEfficiency = 1;
      let wanGbpsUsed = 0;
      let wanGbpsNeeded = 0;
      let bottleneck = estimate.bottleneck;
      let diloco: RankedPlan['diloco'];
      const b = estimate.breakdown;
      if (strategy === 'hierarchical-dp' || strategy === 'pipeline-across-sites') {
        wanGbpsUsed = (b.wanBytesPerStep * 8) / stepTimeSeconds / 1e9;
        wanGbpsNeeded = (b.wanBytesPerStep * 8) / Math.max(b.wanOverlapWindowSeconds, 1e-9) / 1e9 / wan!.efficiency;
        const share = b.wanCommExposedSeconds / stepTimeSeconds;
        if (share > WAN_TOLERATED_SHARE) {
          const h = Math.max(2, Math.ceil(b.wanCommTotalSeconds / stepTimeSeconds / WAN_TOLERATED_SHARE));
          const what = strategy === 'hierarchical-dp' ? 'DP exchange over the WAN' : 'pipeline traffic over the WAN';
          bottleneck = `${what} exposes ${(100 * share).toFixed(0)}% of the step: needs >= ${formatGbps(wanGbpsNeeded)}, or local-SGD with H >= ${h}`;
        }
      } else if (strategy === 'diloco') {
        const innerSteps = request.dilocoInnerSteps ?? DILOCO_INNER_STEPS;
        const outerBits = request.dilocoOuterBits ?? DILOCO_OUTER_BITS;
        const streaming = request.dilocoStreaming ?? true;
        const bytes = (counts.total * outerBits) / 8;
        const ringBytes = (2 * (k - 1) * bytes) / k;
        const syncSeconds =
          2 * (k - 1) * wan!.latencyUs * 1e-6 + ringBytes / ((wan!.bandwidthGbps * 1e9 * wan!.efficiency) / 8);
        const window = innerSteps * estimate.stepTimeSeconds;
        // Streaming: fragments sync while the next inner steps run and only what exceeds the window is exposed;
        // plain DiLoCo stops for the whole outer synchronization every H steps.
        const exposedPerStep = (streaming ? Math.max(0, syncSeconds - window) : syncSeconds) / innerSteps;
        stepTimeSeconds = estimate.stepTimeSeconds + exposedPerStep;
        tokensPerSecond = (k * plan.gbs * plan.seq!) / stepTimeSeconds;
        tokenEfficiency = dilocoEfficiencyFor(k);
        wanGbpsUsed = (ringBytes * 8) / (innerSteps * stepTimeSeconds) / 1e9;
        wanGbpsNeeded = (ringBytes * 8) / window / 1e9 / wan!.efficiency;
        diloco = { innerSteps, outerBits, streaming, syncSeconds };
        bottleneck =
          exposedPerStep > 0
            ? `outer synchronization exposes ${((100 * exposedPerStep) / stepTimeSeconds).toFixed(0)}% of each step: needs >= ${formatGbps(wanGbpsNeeded)}${streaming ? '' : ', streaming,'} or more inner steps`
            : `${estimate.bottleneck}; local-SGD costs ${(100 * (1 - tokenEfficiency)).toFixed(0)}% token efficiency (${request.dilocoTokenEfficiency !== undefined ? 'as given' : `${k} replicas of ${(counts.total / 1e9).toFixed(0)}B parameters, Charles et al. 2025 law`})`;
      } else if (strategy === 'independent') {
        tokensPerSecond = k * estimate.tokensPerSecond;
        tokenEfficiency = 1 / k;
        bottleneck = `independent runs: only one site's tokens train this model (${k} separate models); ${estimate.bottleneck}`;
      }
      const effectiveTokensPerSecond = tokensPerSecond * tokenEfficiency;
      const powerMW = totalGpus * powerMWPerGpu;
      const timeToTrainDays = tokens / effectiveTokensPerSecond / 86400;
      const ranked: RankedPlan = {
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
        mapping: mappingFor(plan, tiers, strategy),
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
        wanGbpsUsed,
        wanGbpsNeeded,
        diloco,
        timeToTrainDays,
        energyMWh: powerMW * timeToTrainDays * 24,
        powerMW,
        bottleneck,
        breakdown: estimate.breakdown,
      };
      all.push(ranked);
      const key = `${strategy}:${siteIds.join(',')}`;
      const current = best.get(key);
      if (!current || better(ranked, current)) best.set(key, ranked);
    });
  }

  if (configs.length === 0) {
    // Nothing was searched: the requested strategies need more sites (or GPUs) than were chosen.
    throw new PlannerInputError([
      {
        path: 'strategies',
        message: `none of the strategies ${[...strategies].join(', ')} applies to the chosen sites (${views.map((v) => v.site.id).join(', ')}${request.gpus !== undefined ? `, budget ${request.gpus} GPUs` : ''})`,
        hint: 'cross-site strategies need two or more sites with one GPU type and at least one GPU each; add single-site or choose more sites',
      },
    ]);
  }
  if (all.length === 0) {
    const budget =
      request.gpus !== undefined && request.gpus < views.reduce((n, v) => n + v.gpus, 0)
        ? `a budget of ${request.gpus} GPUs on `
        : '';
    throw new PlannerInputError([
      {
        path: request.gpus !== undefined && budget ? 'gpus' : 'model',
        message: `no plan of ${model.name} fits in memory with ${budget}the chosen sites (${views.map((v) => `${v.site.id}: ${v.gpus} GPUs`).join(', ')})`,
        hint: budget
          ? 'raise the GPU budget, or choose a smaller model'
          : 'add GPUs or sites, or choose a smaller model',
      },
    ]);
  }
  all.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const top = request.top ?? 5;
  // The top K distinct plans (ZeRO-only variants of a listed plan are dropped), plus the best of each other
  // strategy so the user sees the alternatives.
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
  return {
    model: model.name,
    fabric: fabric.name,
    tokens,
    plans,
    plansEvaluated: evaluated,
    searchSeconds: (clock() - started) / 1000,
  };
}

/** FP8 asked outright on a site whose GPU has no FP8 tensor cores (A100): refuse, naming the field and the sites. */
function checkPrecision(request: PlanRequest, views: SiteView[]): void {
  if (request.precision !== 'fp8') return;
  const chosen =
    request.sites && request.sites.length > 0 ? views.filter((v) => request.sites!.includes(v.site.id)) : views;
  const without = chosen.filter((v) => v.tiers.gpu.fp8DenseTflops === null);
  if (without.length === 0) return;
  throw new PlannerInputError([
    {
      path: 'precision',
      message: `precision fp8 needs FP8 tensor cores, which ${[...new Set(without.map((v) => v.tiers.gpu.name))].join(', ')} at ${without.map((v) => v.site.id).join(', ')} lack`,
      hint: 'use precision bf16, or auto (FP8 where the GPU has it), or choose sites with Hopper/Blackwell GPUs',
    },
  ]);
}

/** The request's own fields against the shared plan-request limits (src/core/plan-request.ts). */
function checkRequest(request: PlanRequest): void {
  const checked = checkPlanOptions(pickPlanOptions(request));
  if (!checked.ok) throw new PlannerInputError(checked.issues);
}

/** Ranking: effective throughput, then fewer GPUs, then less memory (a deterministic total order). */
export function better(a: RankedPlan, b: RankedPlan): boolean {
  if (a.effectiveTokensPerSecond !== b.effectiveTokensPerSecond)
    return a.effectiveTokensPerSecond > b.effectiveTokensPerSecond;
  if (a.gpus !== b.gpus) return a.gpus < b.gpus;
  return a.memoryGiBPerGpu < b.memoryGiBPerGpu;
}

export function formatGbps(gbps: number): string {
  return gbps >= 1000 ? `${(gbps / 1000).toFixed(1)} Tb/s` : `${gbps.toFixed(0)} Gb/s`;
}
