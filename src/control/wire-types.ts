// Response shapes of the dashboard routes (what-if, WAN sweep), shared with the web client by `import type`.
// Pure types: no runtime code, so the browser bundle imports nothing from the server.

/** One twin run of a what-if, compacted for charts. */
export interface RunView {
  label: string;
  policy: string;
  scenario: string;
  summary: Record<string, number>;
  series: {
    tHours: number[];
    utilization: number[];
    sites: { id: string; utilization: number[]; carbonGPerKWh: number[] }[];
    carbonTPerH: number[];
    powerMW: number[];
    queued: number[];
  };
  /** JCT quantiles (hours) at q = 0, 0.005, ..., 1 (201 points): the CDF, compact. */
  jctQuantilesHours: number[];
}

/** One what-if: two (or more) twin runs on the same synthetic trace, seed and fabric. */
export interface WhatIfResult {
  mode: 'outage' | 'policies';
  fabric: string;
  jobs: number;
  runs: RunView[];
  wallMs: number;
  isolated?: boolean;
}

/** The planner's WAN sweep over a grid, as POST /v1/explore/sweep returns it. */
export interface SweepView {
  model: string;
  fabric: string;
  sites: string[];
  gpus: number;
  singleSiteTokensPerSecond: number;
  wanGbpsList: number[];
  wanLatencyMsList: number[];
  cells: {
    wanGbps: number;
    wanLatencyMs: number;
    effectiveTokensPerSecond: number;
    strategy: string;
    fractionOfSingleSite: number;
  }[];
  /** Per latency: the smallest capacity of the grid that keeps 90% / 95% of single-site throughput. */
  thresholds: { wanLatencyMs: number; gbpsFor90: number | null; gbpsFor95: number | null }[];
  plansEvaluated: number;
  searchSeconds: number;
}
