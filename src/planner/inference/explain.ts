// The placement in words, as `plan` explains a training plan: what was chosen, why this site and plan, the binding
// constraint per region, cost and carbon, and the N+1 margin. Pure.
import type { ServingPlan } from '../../perf/serving/types.js';
import type { SiteOption } from './candidates.js';
import type { DemandRegion, InferencePlacement } from './types.js';

const f0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${Math.round(x * 100)}%`;

export function planLabel(p: ServingPlan): string {
  const ep = p.ep > 1 ? ` EP${p.ep}` : '';
  return `TP${p.tp} PP${p.pp}${ep} ${p.precision.toUpperCase()} batch<=${p.maxBatch}`;
}

/** Objective price per request/s of region r at a site under its best plan for r (Infinity: cannot serve). */
function bestPrice(site: SiteOption, r: number): number {
  let best = Infinity;
  for (const o of site.plans) if (o.capRps[r] > 0) best = Math.min(best, (site.unit * o.gpus) / o.capRps[r]);
  return best;
}

/** Why region r is served where it is: the nearest site, or what keeps the nearest site from serving it. */
function whySite(sites: SiteOption[], p: InferencePlacement, r: number, region: DemandRegion): string {
  const rtts = p.latencies.filter((l) => l.regionId === region.id);
  const near = rtts.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
  const served = p.routing.filter((x) => x.regionId === region.id).map((x) => x.siteId);
  if (served.includes(near.siteId)) return `served by the nearest site ${near.siteId}`;
  const site = sites.find((s) => s.view.site.id === near.siteId)!;
  const unit = p.objective === 'cost' ? '$' : 'kg CO2e ';
  if (site.excluded[r]) return `binding: jurisdiction (${site.excluded[r]})`;
  if (near.rttMs >= p.slo.ttftP99Ms)
    return `binding: network (RTT to the nearest site ${near.siteId} ${f1(near.rttMs)} ms >= TTFT SLO)`;
  const nearPrice = bestPrice(site, r);
  if (!Number.isFinite(nearPrice))
    return `binding: SLO (no plan at the nearest site ${near.siteId} meets it with ${f1(p.slo.ttftP99Ms - near.rttMs)} ms of TTFT left)`;
  const placed = p.replicas.find((x) => x.siteId === near.siteId);
  if (placed && (placed.count + 1) * placed.gpusPerReplica > site.gpus)
    return `binding: capacity (the nearest site ${near.siteId} is full at ${f0(site.gpus)} GPUs within its power cap)`;
  const chosen = sites.find((s) => s.view.site.id === served[0])!;
  const per = (x: number): string => `${unit}${x < 0.01 ? x.toExponential(2) : x.toFixed(3)}`;
  if (bestPrice(chosen, r) >= nearPrice * 0.99)
    return `binding: whole replicas (${served[0]}'s replicas had room; the nearest site ${near.siteId} costs as much per request/s)`;
  return (
    `binding: ${p.objective} (${per(bestPrice(chosen, r))}/h per request/s at ${served[0]} vs ` +
    `${per(nearPrice)} at the nearest site ${near.siteId}, RTT ${f1(near.rttMs)} ms)`
  );
}

function siteLine(p: InferencePlacement, sites: SiteOption[], i: number): string {
  const r = p.replicas[i];
  const option = sites.find((s) => s.view.site.id === r.siteId)!;
  const shares = p.routing
    .filter((x) => x.siteId === r.siteId)
    .map((x) => `${x.regionId} ${pct(x.share)}`)
    .join(', ');
  const spare = r.count - r.primaryCount;
  return (
    `${r.siteId} (${r.jurisdiction}, ${r.systemId}): ${r.count} x ${planLabel(r.plan)} (${r.gpusPerReplica} GPUs each)` +
    `${spare > 0 ? `, ${spare} of them N+1 spare` : ''}; serves ${shares || 'nothing until a site is lost'}; ` +
    `utilization ${pct(r.utilization)}; plan: least ${p.objective === 'cost' ? 'price' : 'carbon'} per request/s ` +
    `within the SLO among ${option.fitting} fitting candidates`
  );
}

export function explainPlacement(
  p: InferencePlacement,
  sites: SiteOption[],
  regions: readonly DemandRegion[],
): string[] {
  const t = p.totals;
  const lines = [
    `${f0(t.replicas)} replicas (${f0(t.gpus)} GPUs) at ${p.replicas.length} site(s) serve ${f1(t.requestsPerSecond)} requests/s ` +
      `from ${regions.length} region(s): $${t.costUsdPerHour.toFixed(2)}/h, ${f1(t.emissionsKgCO2ePerHour)} kg CO2e/h, ` +
      `${t.powerMW.toFixed(3)} MW (objective: least ${p.objective})`,
  ];
  p.replicas.forEach((_, i) => lines.push(siteLine(p, sites, i)));
  regions.forEach((region, r) => {
    const l = p.latency[r];
    lines.push(
      `${region.id}: p99 TTFT ${f1(l.ttftP99Ms)} of ${p.slo.ttftP99Ms} ms (RTT ${f1(l.rttMs)} ms), ` +
        `p99 TPOT ${f1(l.tpotP99Ms)} of ${p.slo.tpotP99Ms} ms; ${whySite(sites, p, r, region)}`,
    );
  });
  const measured = p.latencies.filter((l) => l.basis === 'measured').length;
  lines.push(`RTT: ${measured} of ${p.latencies.length} region-site pairs measured, the rest from the fiber model`);
  if (!p.nPlusOne) lines.push('N+1 not asked for: losing a site drops its traffic');
  else if (p.failover.length > 0) {
    const worst = p.failover.reduce((a, b) => (b.minHeadroom < a.minHeadroom ? b : a));
    const ttft = Math.max(...worst.latency.map((x) => x.ttftP99Ms));
    lines.push(
      `N+1: ${f0(t.spareGpus)} spare GPUs (${pct(t.spareGpus / Math.max(1, t.gpus - t.spareGpus))} over the primary need); ` +
        `each of ${p.failover.length} site losses stays within SLO; tightest: losing ${worst.lostSiteId} leaves ` +
        `${pct(worst.minHeadroom)} headroom, worst p99 TTFT ${f1(ttft)} ms`,
    );
  }
  return lines;
}
