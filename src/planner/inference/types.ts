// Inputs and outputs of inference placement (issue 15): demand per user region in, replicas per site out.
// The inference twin (src/sim, helper serve-twin) and the control plane read `InferencePlacement`; nothing here reads
// a file or a clock (the edge loads demand, fabric, measured RTTs and grid means and hands them in).
import type { ServingPlan, ServingSlo } from '../../perf/serving/types.js';

/** Token-count statistics of one region's requests. */
export interface TokenDistribution {
  mean: number;
  p99: number;
}

/** Users in one region: where they are, how much they ask, and where their requests may be served. */
export interface DemandRegion {
  id: string;
  name?: string;
  /** Where the users are (a city or cloud-region centroid), decimal degrees. */
  lat: number;
  lon: number;
  /**
   * Key of this region in the measured RTT tables (e.g. `azure:eastus`), when one applies; the planner then uses
   * the measurement instead of the fiber model where it knows the pair (never below the fiber bound).
   */
  measuredRegion?: string;
  requestsPerSecond: number;
  promptTokens: TokenDistribution;
  outputTokens: TokenDistribution;
  /** Jurisdictions (ISO 3166-2, src/core/jurisdiction.ts) whose sites may serve this region; absent: any. */
  allowedJurisdictions?: string[];
}

export interface InferenceDemand {
  name: string;
  description?: string;
  /** Where the figures come from (a trace, a published rate), or "assumption: ...". */
  source?: string;
  regions: DemandRegion[];
}

export type InferenceObjective = 'cost' | 'carbon';

/** One-way latency from a user region to a site, and which figure it came from. */
export interface RegionSiteLatency {
  regionId: string;
  siteId: string;
  /** Round-trip time used for TTFT, ms. */
  rttMs: number;
  /** `measured`: a shipped inter-region RTT table (p95 or mean, named in `source`); `fiber`: the fiber model. */
  basis: 'measured' | 'fiber';
  /** Fiber-model RTT (great circle x route factor 1.3 x 4.9 us/km, both ways, + equipment), ms. */
  fiberRttMs: number;
  source: string;
}

/** Share of one region's requests sent to one site (shares of a region sum to 1). */
export interface RoutingShare {
  regionId: string;
  siteId: string;
  share: number;
  requestsPerSecond: number;
}

/** Predicted p99 latencies one region sees under a routing. */
export interface RegionLatency {
  regionId: string;
  /** Worst over the sites serving the region: RTT + the replica's p99 TTFT at its load, ms. */
  ttftP99Ms: number;
  /** TPOT is not affected by RTT (tokens stream): the serving replica's p99 TPOT, ms. */
  tpotP99Ms: number;
  /** The largest RTT among the sites serving this region, ms. */
  rttMs: number;
  meetsSlo: boolean;
}

/** Replicas of the model at one site, all with the same serving plan. */
export interface SiteReplicas {
  siteId: string;
  siteName: string;
  jurisdiction: string;
  lat: number;
  lon: number;
  systemId: string;
  gpusPerReplica: number;
  count: number;
  plan: ServingPlan;
  /** Replicas the primary routing needs (count minus this is the N+1 spare). */
  primaryCount: number;
  /** Requests/s the primary routing sends here, and the share of this site's capacity it uses (0..1). */
  requestsPerSecond: number;
  utilization: number;
  costUsdPerHour: number;
  emissionsKgCO2ePerHour: number;
  powerMW: number;
}

/** With one site lost: where its traffic goes and what each region then sees. */
export interface FailoverCase {
  lostSiteId: string;
  routing: RoutingShare[];
  latency: RegionLatency[];
  meetsSlo: boolean;
  /** Smallest spare capacity left at any serving site in this case (0..1 of that site's capacity). */
  minHeadroom: number;
}

export interface InferencePlacement {
  modelId: string;
  objective: InferenceObjective;
  slo: ServingSlo;
  /** The demand's user regions: where they are and how much they ask (the map and the twin read them). */
  regions: { id: string; name?: string; lat: number; lon: number; requestsPerSecond: number }[];
  replicas: SiteReplicas[];
  routing: RoutingShare[];
  latency: RegionLatency[];
  latencies: RegionSiteLatency[];
  /** One entry per site holding replicas (N+1). Empty when n+1 was not asked for. */
  failover: FailoverCase[];
  nPlusOne: boolean;
  totals: {
    replicas: number;
    gpus: number;
    requestsPerSecond: number;
    costUsdPerHour: number;
    emissionsKgCO2ePerHour: number;
    powerMW: number;
    /** GPUs the placement holds beyond what the primary routing needs (the N+1 reserve). */
    spareGpus: number;
  };
  /** Why this site, why this plan, the binding constraint, cost/carbon, N+1 margin: one line each. */
  explanation: string[];
  /** Candidate (site, plan) pairs evaluated with the serving model. */
  candidatesEvaluated: number;
  /** Assumptions the numbers rest on, in words. */
  assumptions: string[];
}
