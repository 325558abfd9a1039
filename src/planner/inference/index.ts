// Inference placement (issue 15): replicas per site and their serving plan for demand per user region, meeting p99
// TTFT/TPOT at least cost or carbon, with N+1. Pure: the edge hands in the model, fabric, serving model, grid means
// and measured RTTs. The search is search.ts; latency per region predict.ts; the words explain.ts.
import { isJurisdictionCode } from '../../core/jurisdiction.js';
import type { InputIssue } from '../../core/issues.js';
import type { Fabric } from '../../fabric/types.js';
import type { ServingPlan, ServingSlo } from '../../perf/serving/types.js';
import type { ModelSpec } from '../../perf/types.js';
import { PlannerInputError } from '../defaults.js';
import { siteViews } from '../sites.js';
import { buildTable, type GridMean, type ServingFn } from './candidates.js';
import { buildPlacement } from './report.js';
import { latencyMatrix, type MeasuredRtt } from './latency.js';
import { searchPlacement } from './search.js';
import type { InferenceDemand, InferenceObjective, InferencePlacement } from './types.js';

export type * from './types.js';
export type { GridMean, ServingFn } from './candidates.js';
export type { MeasuredRtt } from './latency.js';
export { parseAzureRtt, regionSiteLatency, fiberModelRttMs, physicsFloorRttMs, ROUTE_FACTOR } from './latency.js';

export interface InferencePlanRequest {
  demand: InferenceDemand;
  slo: ServingSlo;
  /** cost (default) or carbon. */
  objective?: InferenceObjective;
  /** Keep the SLOs with any one site lost (default true). */
  nPlusOne?: boolean;
  /** Restrict to these site ids. */
  sites?: string[];
  /** Serving plans to try at every site (default: candidates.ts's list). */
  candidates?: ServingPlan[];
  /** Rental price per GPU-hour by system id, USD, added to energy (default 0: energy only). */
  gpuHourUsd?: Record<string, number>;
  /**
   * GPUs free for serving by site id (training jobs hold the rest; the API passes the control plane's free GPUs).
   * A site left out keeps all its GPUs within the power cap; 0 keeps replicas off it.
   */
  gpusAvailable?: Record<string, number>;
}

export interface InferencePlanContext {
  model: ModelSpec;
  fabric: Fabric;
  serving: ServingFn;
  /** Annual mean price and carbon intensity by grid zone; every used site's zone must be present. */
  grid: Readonly<Record<string, GridMean>>;
  measured?: MeasuredRtt;
}

function checkDemand(d: InferenceDemand, issues: InputIssue[]): void {
  if (d.regions.length === 0)
    issues.push({ path: 'demand.regions', message: 'no user regions', hint: 'list at least one region' });
  const seen = new Set<string>();
  d.regions.forEach((r, i) => {
    const at = `demand.regions[${i}]`;
    const bad = (f: string, message: string, hint: string): number =>
      issues.push({ path: `${at}.${f}`, message, hint });
    if (seen.has(r.id)) bad('id', `duplicate region id ${r.id}`, 'give each region its own id');
    seen.add(r.id);
    if (!(r.lat >= -90 && r.lat <= 90)) bad('lat', `latitude ${r.lat} is outside -90..90`, 'use decimal degrees');
    if (!(r.lon >= -180 && r.lon <= 180)) bad('lon', `longitude ${r.lon} is outside -180..180`, 'use decimal degrees');
    if (!(r.requestsPerSecond > 0)) bad('requestsPerSecond', `${r.requestsPerSecond} is not > 0`, 'drop the region');
    for (const f of ['promptTokens', 'outputTokens'] as const) {
      const t = r[f];
      if (!(t.mean >= 1)) bad(`${f}.mean`, `mean ${t.mean} is below 1 token`, 'give the mean tokens per request');
      else if (!(t.p99 >= t.mean)) bad(`${f}.p99`, `p99 ${t.p99} is below the mean ${t.mean}`, 'p99 >= mean');
    }
    (r.allowedJurisdictions ?? []).forEach((j, k) => {
      if (!isJurisdictionCode(j))
        bad(`allowedJurisdictions[${k}]`, `${j} is not a jurisdiction code`, 'use ISO 3166 codes such as US or US-GA');
    });
  });
}

function checkRequest(req: InferencePlanRequest, ctx: InferencePlanContext): void {
  const issues: InputIssue[] = [];
  checkDemand(req.demand, issues);
  for (const f of ['ttftP99Ms', 'tpotP99Ms'] as const)
    if (!(req.slo[f] > 0)) issues.push({ path: `slo.${f}`, message: `${req.slo[f]} is not > 0 ms`, hint: 'pass ms' });
  const ids = new Set(ctx.fabric.sites.map((s) => s.id));
  (req.sites ?? []).forEach((id, i) => {
    if (!ids.has(id))
      issues.push({ path: `sites[${i}]`, message: `no site ${id}`, hint: `use one of ${[...ids].join(', ')}` });
  });
  for (const [id, n] of Object.entries(req.gpusAvailable ?? {})) {
    if (!ids.has(id))
      issues.push({ path: `gpusAvailable.${id}`, message: `no site ${id}`, hint: `use one of ${[...ids].join(', ')}` });
    else if (!(Number.isInteger(n) && n >= 0))
      issues.push({ path: `gpusAvailable.${id}`, message: `${n} is not a whole number >= 0`, hint: 'free GPUs' });
  }
  const known = new Set(ctx.measured?.regions.map((m) => m.key) ?? []);
  req.demand.regions.forEach((r, i) => {
    if (r.measuredRegion !== undefined && ctx.measured && !known.has(r.measuredRegion))
      issues.push({
        path: `demand.regions[${i}].measuredRegion`,
        message: `${r.measuredRegion} is not a region of the measured RTT table`,
        hint: `use a key such as ${[...known].slice(0, 3).join(', ')} (data/network), or leave it out`,
      });
  });
  for (const s of ctx.fabric.sites)
    if (!ctx.grid[s.gridZone])
      issues.push({ path: `grid.${s.gridZone}`, message: `no grid means for ${s.id}`, hint: 'load them at the edge' });
  if (issues.length > 0) throw new PlannerInputError(issues);
}

/** Replicas per site, routing, predicted latency, N+1 cases and the explanation; PlannerInputError on bad input. */
export function planInference(req: InferencePlanRequest, ctx: InferencePlanContext): InferencePlacement {
  checkRequest(req, ctx);
  const objective = req.objective ?? 'cost';
  const nPlusOne = req.nPlusOne ?? true;
  const views = siteViews(ctx.fabric)
    .filter((v) => !req.sites || req.sites.includes(v.site.id))
    .map((v) => {
      const free = req.gpusAvailable?.[v.site.id];
      return free === undefined ? v : { ...v, gpus: Math.min(v.gpus, free) };
    });
  const regions = req.demand.regions;
  const latencies = latencyMatrix(
    regions,
    views.map((v) => v.site),
    ctx.measured,
  );
  const table = buildTable({
    ...{ model: ctx.model, serving: ctx.serving, grid: ctx.grid },
    ...{ views, regions, latencies, slo: req.slo, objective, gpuHourUsd: req.gpuHourUsd, candidates: req.candidates },
  });
  const rttMs = latencies.map((l) => l.rttMs);
  const rtt = (r: number, s: number): number => rttMs[r * views.length + s];
  const ids = regions.map((r) => r.id);
  const demand = regions.map((r) => r.requestsPerSecond);
  const found = searchPlacement(table.sites, demand, ids, rtt, nPlusOne);
  return buildPlacement({
    req: { ...req, objective, nPlusOne },
    model: ctx.model,
    serving: ctx.serving,
    sites: found.sites,
    latencies,
    assignment: found.assignment,
    primaryCounts: found.primaryCounts,
    failover: found.failover,
    rtt,
    evaluated: table.evaluated,
  });
}
