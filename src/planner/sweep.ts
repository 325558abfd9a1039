// WAN sweep: best cross-site effective throughput over a grid of WAN capacity and latency, against the same GPUs
// in one site, and the smallest capacity that keeps 90% and 95% of that single-site throughput.
import type { Fabric } from '../fabric/types.js';
import type { ModelSpec } from '../perf/types.js';
import { planOnFabric } from './search.js';
import type { PlanRequest, RankedPlan } from './types.js';

export interface SweepCell {
  wanGbps: number;
  wanLatencyMs: number;
  effectiveTokensPerSecond: number;
  strategy: string;
  fractionOfSingleSite: number;
}

export interface SweepResult {
  model: string;
  fabric: string;
  sites: string[];
  gpus: number;
  singleSiteTokensPerSecond: number;
  cells: SweepCell[];
  /** Per latency: smallest capacity (Gb/s) keeping 90% / 95% of single-site throughput (null if none does). */
  thresholds: Array<{ wanLatencyMs: number; gbpsFor90: number | null; gbpsFor95: number | null }>;
  /** The same, for synchronous strategies only (hierarchical DP or pipeline across sites: no local SGD). */
  thresholdsSynchronous: Array<{ wanLatencyMs: number; gbpsFor90: number | null; gbpsFor95: number | null }>;
  plansEvaluated: number;
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

const CROSS_SITE: PlanRequest['strategies'] = ['hierarchical-dp', 'pipeline-across-sites', 'diloco'];
const SYNCHRONOUS: PlanRequest['strategies'] = ['hierarchical-dp', 'pipeline-across-sites'];

function bestCrossSite(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest,
  gbps: number,
  latencyMs: number,
  strategies = CROSS_SITE,
): { plan: RankedPlan; evaluated: number } {
  const result = planOnFabric(model, fabric, {
    ...request,
    top: 1,
    wanCapacityGbps: gbps,
    wanLatencyMs: latencyMs,
    strategies,
  });
  return { plan: result.plans[0], evaluated: result.plansEvaluated };
}

export function sweepWan(
  model: ModelSpec,
  fabric: Fabric,
  request: PlanRequest & { wanGbpsList: number[]; wanLatencyMsList: number[] },
  onProgress?: (fraction: number) => void,
): SweepResult {
  const { wanGbpsList, wanLatencyMsList, ...base } = request;
  void wanGbpsList;
  void wanLatencyMsList;
  request = { ...base, wanGbpsList: request.wanGbpsList, wanLatencyMsList: request.wanLatencyMsList };
  const siteIds = request.sites && request.sites.length > 1 ? request.sites : fabric.sites.slice(0, 2).map((s) => s.id);
  const probe = bestCrossSite(
    model,
    fabric,
    { ...request, sites: siteIds },
    request.wanGbpsList[0],
    request.wanLatencyMsList[0],
  );
  const gpus = probe.plan.gpus;
  const single = planOnFabric(model, mergedSingleSite(fabric, siteIds), {
    ...request,
    sites: undefined,
    gpus,
    top: 1,
    strategies: ['single-site'],
  });
  const reference = single.plans[0].effectiveTokensPerSecond;
  let evaluated = probe.evaluated + single.plansEvaluated;
  const cells: SweepCell[] = [];
  const total = request.wanGbpsList.length * request.wanLatencyMsList.length;
  for (const latency of request.wanLatencyMsList) {
    for (const gbps of request.wanGbpsList) {
      const { plan, evaluated: n } = bestCrossSite(model, fabric, { ...request, sites: siteIds, gpus }, gbps, latency);
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
  const thresholdsFor = (strategies: PlanRequest['strategies']) =>
    request.wanLatencyMsList.map((latency) => {
      const find = (target: number): number | null => {
        // Effective throughput never falls with more capacity, so bisect on a log scale between 1 Gb/s and 10 Pb/s.
        const ok = (gbps: number) => {
          const r = bestCrossSite(model, fabric, { ...request, sites: siteIds, gpus }, gbps, latency, strategies);
          evaluated += r.evaluated;
          return r.plan.effectiveTokensPerSecond >= target * reference;
        };
        let lo = 1;
        let hi = 1e7;
        if (!ok(hi)) return null;
        if (ok(lo)) return lo;
        for (let i = 0; i < 24 && hi / lo > 1.05; i++) {
          const mid = Math.sqrt(lo * hi);
          if (ok(mid)) hi = mid;
          else lo = mid;
        }
        return Math.ceil(hi);
      };
      return { wanLatencyMs: latency, gbpsFor90: find(0.9), gbpsFor95: find(0.95) };
    });
  const thresholds = thresholdsFor(CROSS_SITE);
  const thresholdsSynchronous = thresholdsFor(SYNCHRONOUS);
  return {
    model: model.name,
    fabric: fabric.name,
    sites: siteIds,
    gpus,
    singleSiteTokensPerSecond: reference,
    cells,
    thresholds,
    thresholdsSynchronous,
    plansEvaluated: evaluated,
  };
}
