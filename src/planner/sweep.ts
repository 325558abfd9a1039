// WAN sweep: best cross-site effective throughput over a grid of WAN capacity and latency, against the same GPUs
// in one site, and the smallest capacity that keeps 90% and 95% of that single-site throughput. The thresholds are
// bisected here once (wanThresholds) for the CLI and the API alike. Pure: no clock, no I/O.
import type { Fabric } from '../fabric/types.js';
import type { ModelSpec } from '../perf/types.js';
import { CROSS_SITE_STRATEGIES, SYNCHRONOUS_CROSS_SITE_STRATEGIES, type Strategy } from '../core/strategies.js';
import { planOnFabric } from './search.js';
import type { PlanRequest, RankedPlan } from './types.js';

export interface SweepCell {
  wanGbps: number;
  wanLatencyMs: number;
  effectiveTokensPerSecond: number;
  strategy: string;
  fractionOfSingleSite: number;
}

export interface ThresholdRow {
  wanLatencyMs: number;
  /** Smallest capacity (Gb/s, rounded up) keeping 90% / 95% of single-site throughput; null if none up to 10 Pb/s. */
  gbpsFor90: number | null;
  gbpsFor95: number | null;
}

export interface SweepResult {
  model: string;
  fabric: string;
  sites: string[];
  gpus: number;
  singleSiteTokensPerSecond: number;
  cells: SweepCell[];
  /** Per latency: smallest capacity (Gb/s) keeping 90% / 95% of single-site throughput (null if none does). */
  thresholds: ThresholdRow[];
  /** The same, for synchronous strategies only (hierarchical DP or pipeline across sites: no local SGD). */
  thresholdsSynchronous: ThresholdRow[];
  plansEvaluated: number;
}

/** The fractions of single-site throughput the thresholds are for. */
export const THRESHOLD_TARGETS = { gbpsFor90: 0.9, gbpsFor95: 0.95 } as const;

/**
 * Bisection bounds: 1 Gb/s to 10 Pb/s on a log scale, stopping when hi/lo <= 1.05 (the answer is within 5% above the
 * true threshold, then rounded up to a whole Gb/s) or after 24 halvings.
 */
export const THRESHOLD_SEARCH = { loGbps: 1, hiGbps: 1e7, ratio: 1.05, maxSteps: 24 } as const;

/**
 * The smallest capacity for which `ok` holds, assuming `ok` never turns false as capacity grows (more WAN never slows
 * the best plan). A generator so the caller may evaluate each probe as it likes (in a loop, or yielding to an event
 * loop between probes): it yields the capacity to probe and receives whether it passed.
 */
export function* bisectCapacityGbps(): Generator<number, number | null, boolean> {
  let lo: number = THRESHOLD_SEARCH.loGbps;
  let hi: number = THRESHOLD_SEARCH.hiGbps;
  if (!(yield hi)) return null;
  if (yield lo) return lo;
  for (let i = 0; i < THRESHOLD_SEARCH.maxSteps && hi / lo > THRESHOLD_SEARCH.ratio; i++) {
    const mid = Math.sqrt(lo * hi);
    if (yield mid) hi = mid;
    else lo = mid;
  }
  return Math.ceil(hi);
}

/** Drives bisectCapacityGbps with a synchronous predicate. */
export function capacityThresholdGbps(ok: (gbps: number) => boolean): number | null {
  const search = bisectCapacityGbps();
  let step = search.next();
  while (!step.done) step = search.next(ok(step.value));
  return step.value;
}

/** The same GPUs as one site: every site's pods moved into the first one (the reference for "no WAN"). */
export function mergedSingleSite(fabric: Fabric, siteIds: string[]): Fabric {
  const chosen = fabric.sites.filter((s) => siteIds.includes(s.id));
  const first = chosen[0];
  const merged = {
    ...first,
    id: `${first.id}-merged`,
    powerMW: chosen.reduce((n, s) => n + s.powerMW, 0),
    pods: chosen.flatMap((s) => s.pods),
    gpus: chosen.reduce((n, s) => n + s.gpus, 0),
  };
  return { ...fabric, name: `${fabric.name} (one site)`, sites: [merged], wanLinks: [], gpus: merged.gpus };
}

/** The best plan over the WAN at one capacity and latency (top 1 of the given strategies). */
export function bestCrossSite(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest,
  gbps: number,
  latencyMs: number,
  strategies: readonly Strategy[] = CROSS_SITE_STRATEGIES,
): { plan: RankedPlan; evaluated: number } {
  const result = planOnFabric(model, fabric, {
    ...request,
    top: 1,
    wanCapacityGbps: gbps,
    wanLatencyMs: latencyMs,
    strategies: [...strategies],
  });
  return { plan: result.plans[0], evaluated: result.plansEvaluated };
}

export interface ThresholdsResult {
  thresholds: ThresholdRow[];
  thresholdsSynchronous: ThresholdRow[];
  plansEvaluated: number;
}

/**
 * Thresholds per latency, for all cross-site strategies and for synchronous ones only, against `referenceTokensPerSecond`
 * (the same GPUs in one site). `request` fixes the sites and GPUs. A generator that yields after every plan search,
 * so a server can hand the event loop back between searches; `wanThresholds` runs it to the end.
 */
export function* wanThresholdSteps(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest,
  latenciesMs: readonly number[],
  referenceTokensPerSecond: number,
): Generator<void, ThresholdsResult, void> {
  let evaluated = 0;
  const rowsFor = function* (strategies: readonly Strategy[]): Generator<void, ThresholdRow[], void> {
    const rows: ThresholdRow[] = [];
    for (const latency of latenciesMs) {
      const row: ThresholdRow = { wanLatencyMs: latency, gbpsFor90: null, gbpsFor95: null };
      for (const key of ['gbpsFor90', 'gbpsFor95'] as const) {
        const search = bisectCapacityGbps();
        let step = search.next();
        while (!step.done) {
          const r = bestCrossSite(model, fabric, request, step.value, latency, strategies);
          evaluated += r.evaluated;
          yield;
          step = search.next(r.plan.effectiveTokensPerSecond >= THRESHOLD_TARGETS[key] * referenceTokensPerSecond);
        }
        row[key] = step.value;
      }
      rows.push(row);
    }
    return rows;
  };
  const thresholds = yield* rowsFor(CROSS_SITE_STRATEGIES);
  const thresholdsSynchronous = yield* rowsFor(SYNCHRONOUS_CROSS_SITE_STRATEGIES);
  return { thresholds, thresholdsSynchronous, plansEvaluated: evaluated };
}

export function wanThresholds(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest,
  latenciesMs: readonly number[],
  referenceTokensPerSecond: number,
): ThresholdsResult {
  const steps = wanThresholdSteps(model, fabric, request, latenciesMs, referenceTokensPerSecond);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

export function sweepWan(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest & { wanGbpsList: number[]; wanLatencyMsList: number[] },
  onProgress?: (fraction: number) => void,
): SweepResult {
  const { wanGbpsList, wanLatencyMsList, ...base } = request;
  const siteIds = base.sites && base.sites.length > 1 ? base.sites : fabric.sites.slice(0, 2).map((s) => s.id);
  const probe = bestCrossSite(model, fabric, { ...base, sites: siteIds }, wanGbpsList[0], wanLatencyMsList[0]);
  const gpus = probe.plan.gpus;
  const single = planOnFabric(model, mergedSingleSite(fabric, siteIds), {
    ...base,
    sites: undefined,
    gpus,
    top: 1,
    strategies: ['single-site'],
  });
  const reference = single.plans[0].effectiveTokensPerSecond;
  let evaluated = probe.evaluated + single.plansEvaluated;
  const cells: SweepCell[] = [];
  const total = wanGbpsList.length * wanLatencyMsList.length;
  const fixed: PlanRequest = { ...base, sites: siteIds, gpus };
  for (const latency of wanLatencyMsList) {
    for (const gbps of wanGbpsList) {
      const { plan, evaluated: n } = bestCrossSite(model, fabric, fixed, gbps, latency);
      evaluated += n;
      cells.push({
        wanGbps: gbps,
        wanLatencyMs: latency,
        effectiveTokensPerSecond: plan.effectiveTokensPerSecond,
        strategy: plan.strategy,
        fractionOfSingleSite: plan.effectiveTokensPerSecond / reference,
      });
      onProgress?.(cells.length / total);
    }
  }
  const t = wanThresholds(model, fabric, fixed, wanLatencyMsList, reference);
  return {
    model: model.name,
    fabric: fabric.name,
    sites: siteIds,
    gpus,
    singleSiteTokensPerSecond: reference,
    cells,
    thresholds: t.thresholds,
    thresholdsSynchronous: t.thresholdsSynchronous,
    plansEvaluated: evaluated + t.plansEvaluated,
  };
}
