// From an inference placement (src/planner/inference: replicas per site, routing, region-to-site RTTs) and a fabric
// to the twin's inputs: sites, user regions with their shares and RTTs, one replica spec per model copy, and, when
// asked, the training jobs of a site that may lend GPUs. Pure: the serving model's timings come in as a function
// (the edge passes perf/serving's replicaTimings on the site's system tiers).
import { InputIssuesError, type InputIssue } from '../../core/issues.js';
import { checkpointCostS, checkpointIntervalS } from '../../core/progress.js';
import type { Fabric, Site } from '../../fabric/types.js';
import type { ReplicaTimings, ServingPlan } from '../../perf/serving/types.js';
import type { InferencePlacement, SiteReplicas } from '../../planner/inference/types.js';
import type { SharingSpec, TwinRegion, TwinReplicaSpec, TwinSite } from './types.js';

export type TimingsFor = (site: Site, systemId: string, plan: ServingPlan) => ReplicaTimings;

export interface TwinLayout {
  sites: TwinSite[];
  regions: TwinRegion[];
  replicas: TwinReplicaSpec[];
}

function systemOf(site: Site, systemId: string) {
  return (site.pods.find((p) => p.system.id === systemId) ?? site.pods[0]).system;
}

/** Sites, regions and replicas of a placement; issues name the placement field at fault. */
export function twinFromPlacement(placement: InferencePlacement, fabric: Fabric, timingsFor: TimingsFor): TwinLayout {
  const issues: InputIssue[] = [];
  const byId = new Map(fabric.sites.map((s) => [s.id, s]));
  const regionIds = [...new Set(placement.latencies.map((l) => l.regionId))];
  const siteIds = [
    ...new Set([...placement.latencies.map((l) => l.siteId), ...placement.replicas.map((r) => r.siteId)]),
  ];
  siteIds.forEach((id) => {
    if (!byId.has(id))
      issues.push({
        path: 'placement.replicas.siteId',
        message: `site ${id} is not in fabric ${fabric.name}`,
        hint: 'simulate with the fabric the placement was planned on (--fabric)',
      });
  });
  if (regionIds.length === 0)
    issues.push({
      path: 'placement.latencies',
      message: 'no region-to-site latencies',
      hint: 'use a placement written by `superfactory inference plan --json`',
    });
  if (issues.length) throw new InputIssuesError(issues);
  const rate = new Map<string, number>();
  for (const r of placement.routing) rate.set(r.regionId, (rate.get(r.regionId) ?? 0) + r.requestsPerSecond);
  const regions: TwinRegion[] = regionIds.map((id) => {
    const rttMsBySite: Record<string, number> = {};
    for (const l of placement.latencies) if (l.regionId === id) rttMsBySite[l.siteId] = l.rttMs;
    return { id, share: rate.get(id) ?? 0, rttMsBySite };
  });
  if (regions.every((r) => r.share === 0)) regions.forEach((r) => (r.share = 1)); // no routing given: equal shares
  const sites: TwinSite[] = siteIds.map((id) => {
    const s = byId.get(id)!;
    return { id, pue: s.pue, gridZone: s.gridZone };
  });
  const replicas: TwinReplicaSpec[] = [];
  for (const sr of placement.replicas) {
    const spec = replicaSpec(byId.get(sr.siteId)!, sr, timingsFor);
    for (let k = 0; k < sr.count; k++) replicas.push({ ...spec, id: `${sr.siteId}-${k}` });
  }
  return { sites, regions, replicas };
}

function replicaSpec(site: Site, sr: SiteReplicas, timingsFor: TimingsFor): TwinReplicaSpec {
  return {
    id: sr.siteId,
    siteId: sr.siteId,
    gpus: sr.gpusPerReplica,
    timings: timingsFor(site, sr.systemId, sr.plan),
    maxBatch: sr.plan.maxBatch,
    ...(sr.plan.maxPrefillTokens ? { maxPrefillTokens: sr.plan.maxPrefillTokens } : {}),
    disaggregated: Boolean(sr.plan.disaggregated),
    systemPowerPerGpuW: systemOf(site, sr.systemId).systemPowerPerGpuW,
  };
}

export interface SharingOptions {
  siteId: string;
  jobs: number;
  gpusPerJob: number;
  /** Bytes of one checkpoint of the training model (parameters x 16 B, src/sim/speed.ts). */
  checkpointBytes: number;
  /** Per-GPU-hour failure rate for the Young/Daly interval (the training twin's Llama 3 rate by default). */
  failuresPerGpuHour: number;
  /** A fixed checkpoint interval (s of compute) instead of Young/Daly. */
  checkpointIntervalS?: number;
  controlIntervalS: number;
  targetUtilization: number;
  maxCheckpointWaitS: number;
  replicaStartS: number;
}

/**
 * Training jobs at a site lending GPUs to serving, with the training twin's checkpoint rules: cost = checkpoint
 * bytes over the job's share of the site's storage bandwidth, interval Young/Daly at the failure rate. A lent
 * replica uses the placement's plan at that site, else its first site's plan on this site's system.
 */
export function sharingFromPlacement(
  placement: InferencePlacement,
  fabric: Fabric,
  timingsFor: TimingsFor,
  o: SharingOptions,
): SharingSpec {
  const site = fabric.sites.find((s) => s.id === o.siteId);
  const issues: InputIssue[] = [];
  if (!site)
    issues.push({
      path: '--lend-site',
      message: `no site ${o.siteId} in fabric ${fabric.name}`,
      hint: `use one of ${fabric.sites.map((s) => s.id).join(', ')}`,
    });
  if (!placement.latencies.some((l) => l.siteId === o.siteId))
    issues.push({
      path: '--lend-site',
      message: `the placement has no RTTs to site ${o.siteId}`,
      hint: 'lend from a site the placement considered (one in its latencies)',
    });
  if (placement.replicas.length === 0)
    issues.push({ path: 'placement.replicas', message: 'no replicas', hint: 'plan at least one replica' });
  if (issues.length) throw new InputIssuesError(issues);
  const template = placement.replicas.find((r) => r.siteId === o.siteId) ?? placement.replicas[0];
  const systemId = site!.pods.some((p) => p.system.id === template.systemId)
    ? template.systemId
    : site!.pods[0].system.id;
  const {
    id: _id,
    siteId: _site,
    ...replica
  } = replicaSpec(site!, { ...template, systemId, siteId: o.siteId }, timingsFor);
  const checkpointS = checkpointCostS(o.checkpointBytes, o.gpusPerJob, site!);
  const intervalS = checkpointIntervalS({
    checkpointable: true,
    checkpointS,
    failuresPerGpuHour: o.failuresPerGpuHour,
    gpus: o.gpusPerJob,
    ...(o.checkpointIntervalS !== undefined ? { fixedIntervalS: o.checkpointIntervalS } : {}),
  });
  return {
    siteId: o.siteId,
    jobs: Array.from({ length: o.jobs }, (_, k) => ({ id: `train-${k}`, gpus: o.gpusPerJob, intervalS, checkpointS })),
    replica,
    controlIntervalS: o.controlIntervalS,
    targetUtilization: o.targetUtilization,
    maxCheckpointWaitS: o.maxCheckpointWaitS,
    replicaStartS: o.replicaStartS,
  };
}
