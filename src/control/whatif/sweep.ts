// The WAN sweep of the plan explorer: the planner's one implementation (src/planner/sweep.ts: the best
// cross-site plan per grid cell, thresholds found by bisection, as the CLI prints them), with the
// request's checks and the grid echoed for the heatmap. No clock here: the caller measures the time.
import type { ExploreSweepBody } from '../../contract/dashboard.js';
import type { SweepView } from '../../contract/responses.js';
import type { Fabric } from '../../fabric/types.js';
import type { ModelSpec } from '../../perf/types.js';
import { sweepWan } from '../../planner/sweep.js';
import { bad, plannerIssues } from './inputs.js';

export const DEFAULT_WAN_GBPS = [400, 1600, 6400, 25_600, 100_000];
export const DEFAULT_WAN_LATENCY_MS = [2, 7, 20, 50];

export type SweepRequest = Pick<ExploreSweepBody, 'gpus' | 'sites'> & {
  wanGbpsList: number[];
  wanLatencyMsList: number[];
};

export function sweepRequest(b: ExploreSweepBody): SweepRequest {
  return {
    ...(b.gpus ? { gpus: b.gpus } : {}),
    ...(b.sites ? { sites: b.sites } : {}),
    wanGbpsList: b.wanGbpsList ?? DEFAULT_WAN_GBPS,
    wanLatencyMsList: b.wanLatencyMsList ?? DEFAULT_WAN_LATENCY_MS,
  };
}

export function sweepOn(model: ModelSpec, fabric: Fabric, req: SweepRequest): Omit<SweepView, 'searchSeconds'> {
  if (fabric.sites.length < 2)
    throw bad(
      'fabric',
      `fabric ${fabric.name} has one site: a WAN sweep needs two or more`,
      'pick a multi-site fabric such as fairwater',
    );
  for (const id of req.sites ?? [])
    if (!fabric.sites.some((s) => s.id === id))
      throw bad('sites', `no site ${id} in fabric ${fabric.name}`, `use ${fabric.sites.map((s) => s.id).join(', ')}`);
  try {
    const r = sweepWan(model, fabric, req);
    return { ...r, wanGbpsList: req.wanGbpsList, wanLatencyMsList: req.wanLatencyMsList };
  } catch (err) {
    throw plannerIssues(err);
  }
}
