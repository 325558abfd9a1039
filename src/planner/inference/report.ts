// The placement as its readers see it: replicas per site with cost, carbon and power, the routing and the latency
// each region sees, each N+1 case, totals, the explanation and the assumptions. Pure.
import { DEFAULT_BUSY_POWER_FRACTION } from '../../core/power.js';
import { DEFAULT_WAN_EQUIPMENT_LATENCY_MS, FIBER_US_PER_KM } from '../../fabric/constants.js';
import type { ModelSpec } from '../../perf/types.js';
import { MAX_PLANNED_UTILIZATION, type ServingFn, type SiteOption } from './candidates.js';
import { explainPlacement } from './explain.js';
import type { InferencePlanRequest } from './index.js';
import { MEASURED_MATCH_KM, ROUTE_FACTOR } from './latency.js';
import { latencyOf, minHeadroom, routingOf, type PredictInputs } from './predict.js';
import { unitsAt, type Assignment } from './units.js';
import type { FailoverCase, InferencePlacement, RegionSiteLatency, SiteReplicas } from './types.js';

export interface ReportInputs {
  req: InferencePlanRequest & { objective: 'cost' | 'carbon'; nPlusOne: boolean };
  model: ModelSpec;
  serving: ServingFn;
  sites: SiteOption[];
  latencies: RegionSiteLatency[];
  assignment: Assignment;
  /** Replicas the primary routing needed before N+1 growth. */
  primaryCounts: number[];
  failover: Map<number, number[][]>;
  rtt: (r: number, s: number) => number;
  evaluated: number;
}

export const ASSUMPTIONS = [
  'TTFT a user sees = network RTT (region centroid to site) + queueing + prefill; the access network is not included',
  'TPOT is not affected by RTT: output tokens stream, so the network adds delay once, not per token',
  `RTT: measured inter-region p95 where both ends lie within ${MEASURED_MATCH_KM} km of a measured region (never below the fiber floor); else great circle x ${ROUTE_FACTOR} route x ${FIBER_US_PER_KM} us/km both ways + ${DEFAULT_WAN_EQUIPMENT_LATENCY_MS} ms equipment each way`,
  "a replica's load is linear in its regions' shares (x requests/s of a region at capacity c uses x/c of the replica)",
  `headroom: a replica's planned capacity is ${MAX_PLANNED_UTILIZATION * 100}% of the serving model's rate within the SLO (against bursts the Poisson approximation misses); utilization is of that planned capacity`,
  'p99 TPOT under load: the mean mixed iteration plus the spread of the prefills a short request (p1 output of a log-normal fit) shares (src/perf/serving/queueing.ts)',
  'cost = facility energy of busy GPUs (0.8 of rated system power x PUE) at the grid zone 2022 mean price, plus any given GPU-hour price',
  'carbon = the same energy at the grid zone 2022 mean carbon intensity (production-based)',
  "N+1: with a site lost its requests move to the others' spare replicas first; if that is short every region is re-routed over the survivors; replicas are added only where neither suffices",
];

function siteReplicas(inp: ReportInputs, s: number): SiteReplicas {
  const { assignment: a } = inp;
  const site = inp.sites[s];
  const option = site.plans[a.planIdx[s]];
  const gpus = a.counts[s] * option.gpus;
  const units = unitsAt(site, a.planIdx[s], a.load[s]);
  return {
    siteId: site.view.site.id,
    siteName: site.view.site.name,
    jurisdiction: site.view.site.jurisdiction,
    lat: site.view.site.lat,
    lon: site.view.site.lon,
    systemId: site.view.system.id,
    gpusPerReplica: option.gpus,
    count: a.counts[s],
    plan: option.plan,
    primaryCount: inp.primaryCounts[s],
    requestsPerSecond: a.load[s].reduce((x, y) => x + y, 0),
    utilization: units / a.counts[s],
    costUsdPerHour: gpus * site.costUsdPerGpuHour,
    emissionsKgCO2ePerHour: gpus * site.kgCO2ePerGpuHour,
    powerMW: gpus * site.view.powerPerGpuMW * DEFAULT_BUSY_POWER_FRACTION,
  };
}

export function buildPlacement(inp: ReportInputs): InferencePlacement {
  const { assignment: a, req } = inp;
  const predict: PredictInputs = { ...inp, regions: req.demand.regions, slo: req.slo };
  const used = inp.sites.map((_, s) => s).filter((s) => a.counts[s] > 0);
  const replicas = used.map((s) => siteReplicas(inp, s));
  const latency = latencyOf(a.load, a, predict);
  const failover: FailoverCase[] = [...inp.failover.entries()].map(([k, load]) => {
    const l = latencyOf(load, a, predict);
    return {
      lostSiteId: inp.sites[k].view.site.id,
      routing: routingOf(load, predict),
      latency: l,
      meetsSlo: l.every((x) => x.meetsSlo),
      minHeadroom: minHeadroom(load, a, inp.sites),
    };
  });
  const sum = (f: (r: SiteReplicas) => number): number => replicas.reduce((x, r) => x + f(r), 0);
  const placement: InferencePlacement = {
    modelId: inp.model.name,
    objective: req.objective,
    slo: req.slo,
    regions: req.demand.regions.map((r) => ({
      ...{ id: r.id, lat: r.lat, lon: r.lon, requestsPerSecond: r.requestsPerSecond },
      ...(r.name !== undefined ? { name: r.name } : {}),
    })),
    replicas,
    routing: routingOf(a.load, predict),
    latency,
    latencies: inp.latencies,
    failover,
    nPlusOne: req.nPlusOne,
    totals: {
      replicas: sum((r) => r.count),
      gpus: sum((r) => r.count * r.gpusPerReplica),
      requestsPerSecond: req.demand.regions.reduce((x, r) => x + r.requestsPerSecond, 0),
      costUsdPerHour: sum((r) => r.costUsdPerHour),
      emissionsKgCO2ePerHour: sum((r) => r.emissionsKgCO2ePerHour),
      powerMW: sum((r) => r.powerMW),
      spareGpus: sum((r) => (r.count - r.primaryCount) * r.gpusPerReplica),
    },
    explanation: [],
    candidatesEvaluated: inp.evaluated,
    assumptions: ASSUMPTIONS,
  };
  placement.explanation = explainPlacement(placement, inp.sites, req.demand.regions);
  return placement;
}
