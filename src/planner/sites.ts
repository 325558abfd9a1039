// Site selection: whole sites as the planner sees them (power-capped GPUs), the request's site and jurisdiction
// filters, the HBM floor, the WAN path between chosen sites, and the (strategy, site set) configurations to search.
import { checkPlanOptions, pickPlanOptions } from '../core/plan-request.js';
import { jurisdictionAllowed } from '../core/jurisdiction.js';
import { facilityWPerGpu, gpusWithinPowerCap, mainPod, sitePowerCapW } from '../core/power.js';
import { MULTI_SITE_STRATEGIES } from '../core/strategies.js';
import type { Fabric, Site, SystemSpec } from '../fabric/types.js';
import { GiB, modelStateBytes } from '../perf/memory.js';
import { tiersForPod, wanTier } from '../perf/tiers.js';
import type { ModelSpec, NetworkTier, SystemTiers } from '../perf/types.js';
import { PlannerInputError } from './defaults.js';
import type { PlanRequest, Strategy } from './types.js';

export interface SiteView {
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

export interface Config {
  strategy: Strategy;
  views: SiteView[];
  /** GPUs budget per site. */
  perSite: number;
}

/** The request's own fields against the shared plan-request limits (src/core/plan-request.ts). */
export function checkRequest(request: PlanRequest): void {
  const checked = checkPlanOptions(pickPlanOptions(request));
  if (!checked.ok) throw new PlannerInputError(checked.issues);
}

/**
 * The sites a request may use: its site ids and allowed jurisdictions applied, FP8 checked against their GPUs, and
 * refused when all their HBM cannot hold the model state (`totalParams` parameters) however it is sharded.
 */
export function chooseViews(model: ModelSpec, fabric: Fabric, request: PlanRequest, totalParams: number): SiteView[] {
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
  const minStateGiB = modelStateBytes(totalParams, 1, 0) / GiB;
  if (minStateGiB > totalHbmGiB) {
    throw new PlannerInputError([
      {
        path: 'model',
        message: `${model.name} needs at least ${(minStateGiB / 1024).toFixed(1)} TiB for weights, gradients and Adam states, more than all HBM of the chosen sites (${(totalHbmGiB / 1024).toFixed(1)} TiB)`,
        hint: 'add sites or GPUs, or choose a smaller model',
      },
    ]);
  }
  return views;
}

/** Every (strategy, site set) to search: single sites, and for 2+ sites with one GPU type each cross-site strategy. */
export function enumerateConfigs(views: SiteView[], strategies: Set<Strategy>, request: PlanRequest): Config[] {
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
  return configs;
}

/** The slowest WAN path among a set of sites: lowest capacity, highest latency (a ring over them). */
export function wanPathTier(fabric: Fabric, siteIds: string[], request: PlanRequest): NetworkTier | undefined {
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
