// The serving plans tried at each site and their capacity per user region: each (site, plan, region) is evaluated
// with the serving model against the TTFT budget the network leaves (SLO minus RTT). Pure.
import { DEFAULT_BUSY_POWER_FRACTION, facilityWPerGpu } from '../../core/power.js';
import { jurisdictionAllowed } from '../../core/jurisdiction.js';
import type {
  ServingEstimate,
  ServingInputs,
  ServingPlan,
  ServingSlo,
  ServingWorkload,
} from '../../perf/serving/types.js';
import { checkServingPlan } from '../../perf/serving/layout.js';
import type { ModelSpec } from '../../perf/types.js';
import type { SiteView } from '../sites.js';
import type { DemandRegion, InferenceObjective, RegionSiteLatency } from './types.js';

export type ServingFn = (inputs: ServingInputs) => ServingEstimate;

/** Annual means of a grid zone (the edge computes them from data/grid). */
export interface GridMean {
  priceUsdPerMWh: number;
  carbonGPerKWh: number;
  source: string;
}

export interface PlanOption {
  plan: ServingPlan;
  gpus: number;
  /** Requests/s one replica sustains within the SLO for each region (index as demand.regions); 0: cannot serve it. */
  capRps: number[];
  /** TTFT budget (SLO minus RTT) each region leaves at this site, ms; <= 0: the network alone breaks the SLO. */
  budgetMs: number[];
}

export interface SiteOption {
  view: SiteView;
  /** Replicas of each plan the site can hold: its GPUs (power-capped) only. */
  gpus: number;
  costUsdPerGpuHour: number;
  kgCO2ePerGpuHour: number;
  /** The objective's price of one GPU-hour here (USD or kg CO2e). */
  unit: number;
  plans: PlanOption[];
  /** Candidate plans that fit here (plans may later be narrowed by the search; this count is not). */
  fitting: number;
  /** Why a region cannot be served here at all (jurisdiction), by region index. */
  excluded: (string | undefined)[];
}

/**
 * Default candidates: TP 1..8 within the scale-up domain, PP 1 or 2, BF16 and (where the GPU has it) FP8, batch cap
 * 64 or 256; MoE models spread experts over the TP group (EP = TP). A choice of search space, not a source.
 */
export function defaultCandidates(model: ModelSpec, view: SiteView): ServingPlan[] {
  const out: ServingPlan[] = [];
  const precisions: ServingPlan['precision'][] = view.system.gpu.fp8DenseTflops ? ['bf16', 'fp8'] : ['bf16'];
  for (const tp of [1, 2, 4, 8]) {
    if (tp > view.system.scaleUpDomainGpus) continue;
    for (const pp of [1, 2])
      for (const precision of precisions)
        for (const maxBatch of [64, 256]) out.push({ tp, pp, ep: model.moe ? tp : 1, precision, maxBatch });
  }
  return out;
}

export function workloadOf(r: DemandRegion): ServingWorkload {
  return {
    promptTokensMean: r.promptTokens.mean,
    outputTokensMean: r.outputTokens.mean,
    promptTokensP99: r.promptTokens.p99,
    outputTokensP99: r.outputTokens.p99,
  };
}

/**
 * Highest share of a replica's SLO rate the planner fills. ASSUMPTION (headroom against bursts the Poisson
 * approximation misses: prefill chunks bunching near saturation, the twin's router balancing by its own estimate);
 * chosen so the plans replay within SLO in the twin (test/sim/inference-plan-replay.test.ts).
 */
export const MAX_PLANNED_UTILIZATION = 0.75;

/** Capacity of one replica for one region when the replica's p99 TTFT may use `ttftBudgetMs` (0 if none). */
export function capacityAt(
  serving: ServingFn,
  model: ModelSpec,
  view: SiteView,
  plan: ServingPlan,
  region: DemandRegion,
  slo: ServingSlo,
): { rps: number; estimate: ServingEstimate } | undefined {
  if (slo.ttftP99Ms <= 0 || slo.tpotP99Ms <= 0) return undefined;
  const estimate = serving({ model, system: view.tiers, plan, workload: workloadOf(region), slo });
  if (estimate.infeasibleReason) return { rps: 0, estimate };
  return { rps: MAX_PLANNED_UTILIZATION * Math.max(0, estimate.requestsPerSecondAtSlo ?? 0), estimate };
}

export interface TableInputs {
  model: ModelSpec;
  views: SiteView[];
  regions: readonly DemandRegion[];
  latencies: readonly RegionSiteLatency[];
  slo: ServingSlo;
  objective: InferenceObjective;
  grid: Readonly<Record<string, GridMean>>;
  gpuHourUsd?: Readonly<Record<string, number>>;
  candidates?: ServingPlan[];
  serving: ServingFn;
}

/** Price of one busy GPU-hour at a site: facility energy at the zone's mean price, plus a given rental price. */
function gpuHourFigures(view: SiteView, grid: GridMean, rentalUsd: number): { usd: number; kg: number } {
  const facilityKW = facilityWPerGpu(view.system.systemPowerPerGpuW, view.site.pue, DEFAULT_BUSY_POWER_FRACTION) / 1e3;
  return { usd: (facilityKW / 1e3) * grid.priceUsdPerMWh + rentalUsd, kg: (facilityKW * grid.carbonGPerKWh) / 1e3 };
}

/** Every site's candidate plans with their per-region capacities; `evaluated` counts serving-model calls. */
export function buildTable(inp: TableInputs): { sites: SiteOption[]; evaluated: number } {
  let evaluated = 0;
  const rttOf = new Map(inp.latencies.map((l) => [`${l.regionId}|${l.siteId}`, l.rttMs]));
  const sites = inp.views.map((view): SiteOption => {
    const grid = inp.grid[view.site.gridZone];
    const fig = gpuHourFigures(view, grid, inp.gpuHourUsd?.[view.system.id] ?? 0);
    const excluded = inp.regions.map((r) =>
      jurisdictionAllowed(r.allowedJurisdictions, view.site.jurisdiction)
        ? undefined
        : `${view.site.id} (${view.site.jurisdiction}) is outside ${r.id}'s allowed jurisdictions`,
    );
    const plans: PlanOption[] = [];
    for (const plan of inp.candidates ?? defaultCandidates(inp.model, view)) {
      if (checkServingPlan(inp.model, plan).length > 0) continue; // a rule the plan breaks (tp not dividing heads...)
      let gpus = 0;
      let fits = true;
      const budgetMs = inp.regions.map((r) => inp.slo.ttftP99Ms - rttOf.get(`${r.id}|${view.site.id}`)!);
      const capRps = inp.regions.map((r, i) => {
        if (!fits || excluded[i] || budgetMs[i] <= 0) return 0;
        evaluated++;
        const c = capacityAt(inp.serving, inp.model, view, plan, r, { ...inp.slo, ttftP99Ms: budgetMs[i] });
        if (c?.estimate.infeasibleReason) fits = false;
        gpus = c?.estimate.timings.gpusPerReplica ?? gpus;
        return c?.rps ?? 0;
      });
      if (fits && gpus > 0 && gpus <= view.gpus && capRps.some((c) => c > 0))
        plans.push({ plan, gpus, capRps, budgetMs });
    }
    const unit = inp.objective === 'cost' ? fig.usd : fig.kg;
    return {
      ...{ view, gpus: view.gpus, costUsdPerGpuHour: fig.usd, kgCO2ePerGpuHour: fig.kg, unit, plans, excluded },
      fitting: plans.length,
    };
  });
  return { sites, evaluated };
}
