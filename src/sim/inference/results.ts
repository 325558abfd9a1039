// The inference twin's report: TTFT/TPOT distributions and SLO attainment (overall, per site, per region), GPU-hours,
// energy and carbon. Power follows the training twin's rule (src/core/power.ts): a GPU draws the busy fraction of its
// rated system power while its replica iterates and the idle fraction otherwise, times the site's PUE; carbon
// integrates that power against the zone's hourly series exactly (busy intervals were integrated as they happened).
import { DEFAULT_BUSY_POWER_FRACTION, DEFAULT_IDLE_POWER_FRACTION, facilityWPerGpu } from '../../core/power.js';
import type { InferenceEngine } from './engine.js';
import { REQ_DONE, type InferenceTwinResult, type LatencySummary } from './types.js';

/** Nearest-rank percentile of a sorted array (NaN when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[k];
}

interface Per {
  ttft: number[];
  tpot: number[];
  met: number;
  n: number;
}

/**
 * The k-th smallest of `a` (0-based), reordering `a` in place (Hoare's quickselect with a middle pivot; O(n) on
 * average): a run's two percentiles per group without sorting millions of samples.
 */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i++] = a[j];
        a[j--] = x;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Nearest-rank percentile without a full sort (NaN when empty); reorders `a`. */
function quantile(a: Float64Array, p: number): number {
  if (a.length === 0) return NaN;
  return select(a, Math.min(a.length - 1, Math.max(0, Math.ceil(p * a.length) - 1)));
}

function latency(p: Per): LatencySummary {
  const ttft = new Float64Array(p.ttft);
  const tpot = new Float64Array(p.tpot);
  return {
    requests: p.n,
    ttftP50Ms: round(quantile(ttft, 0.5)),
    ttftP99Ms: round(quantile(ttft, 0.99)),
    tpotP50Ms: round(quantile(tpot, 0.5)),
    tpotP99Ms: round(quantile(tpot, 0.99)),
    sloAttainment: p.n ? p.met / p.n : 0,
  };
}

const round = (x: number, d = 3): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** Per-request TTFT and TPOT (ms) and the groups' distributions. Long because it is one pass over all requests. */
export function buildResult(e: InferenceEngine): Omit<InferenceTwinResult, 'lending'> {
  const n = e.status.length;
  const { prompt, output } = e.reqs;
  const ttftMs = new Float64Array(n).fill(NaN);
  const tpotMs = new Float64Array(n).fill(NaN);
  const siteOf = new Int32Array(n).fill(-1);
  const sloT = e.inp.slo.ttftP99Ms;
  const sloP = e.inp.slo.tpotP99Ms;
  const mk = (): Per => ({ ttft: [], tpot: [], met: 0, n: 0 });
  const all = mk();
  const bySite = e.inp.sites.map(mk);
  const byRegion = e.inp.regions.map(mk);
  const failed = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const region = byRegion[e.regionOf[i]];
    all.n++;
    region.n++;
    if (e.status[i] !== REQ_DONE) {
      const why = e.failReasons[e.failReason[i]] || 'not finished';
      failed.set(why, (failed.get(why) ?? 0) + 1);
      continue;
    }
    const rep = e.replicas[e.replicaOf[i]];
    const site = bySite[rep.siteIndex];
    siteOf[i] = rep.siteIndex;
    site.n++;
    const t = (e.firstTokenS[i] - e.sendS[i]) * 1000;
    ttftMs[i] = t;
    let ok = t <= sloT;
    for (const g of [all, site, region]) g.ttft.push(t);
    if (output[i] > 1) {
      const transferS = rep.spec.disaggregated ? rep.spec.timings.kvTransferSeconds(prompt[i]) : 0;
      const p = ((e.finishS[i] + transferS - e.firstTokenS[i]) / (output[i] - 1)) * 1000;
      tpotMs[i] = p;
      ok &&= p <= sloP;
      for (const g of [all, site, region]) g.tpot.push(p);
    }
    if (ok) for (const g of [all, site, region]) g.met++;
  }
  const endS = e.nowS;
  const power = replicaPower(e, endS);
  const retried = e.retried.reduce((a, b) => a + b, 0);
  return {
    summary: {
      requestsTotal: n,
      requestsFinished: e.status.reduce((a, s) => a + (s === REQ_DONE ? 1 : 0), 0),
      requestsFailed: [...failed.values()].reduce((a, b) => a + b, 0),
      requestsRetried: retried,
      ...latency(all),
      gpuHours: round(power.gpuHours.reduce((a, b) => a + b, 0)),
      energyMWh: round(power.energyJ.reduce((a, b) => a + b, 0) / 3.6e9, 6),
      emissionsTCO2e: round(power.carbonG.reduce((a, b) => a + b, 0) / 1e6, 6),
      durationS: round(endS),
      iterations: e.replicas.reduce((a, r) => a + r.iterations, 0),
      events: e.events,
    },
    perSite: e.inp.sites.map((s, i) => ({
      siteId: s.id,
      replicas: e.replicas.filter((r) => r.siteIndex === i).length,
      ...latency(bySite[i]),
      gpuHours: round(power.gpuHours[i]),
      energyMWh: round(power.energyJ[i] / 3.6e9, 6),
    })),
    perRegion: e.inp.regions.map((g, i) => ({ regionId: g.id, ...latency(byRegion[i]) })),
    failed: [...failed].map(([reason, count]) => ({ reason, count })),
    requests: { regionOf: e.regionOf, siteOf, ttftMs, tpotMs, status: e.status },
  };
}

/** GPU-hours, facility energy (J) and carbon (g) per site, from each replica's active span and busy time. */
function replicaPower(e: InferenceEngine, endS: number) {
  const gpuHours = e.inp.sites.map(() => 0);
  const energyJ = e.inp.sites.map(() => 0);
  const carbonG = e.inp.sites.map(() => 0);
  const extra = DEFAULT_BUSY_POWER_FRACTION - DEFAULT_IDLE_POWER_FRACTION;
  for (const r of e.replicas) {
    const i = r.siteIndex;
    const t0 = Math.min(r.activeFromS, endS);
    const t1 = Math.min(r.activeToS, endS);
    const w = r.spec.gpus * facilityWPerGpu(r.spec.systemPowerPerGpuW, e.inp.sites[i].pue);
    gpuHours[i] += (r.spec.gpus * (t1 - t0)) / 3600;
    energyJ[i] += w * (DEFAULT_IDLE_POWER_FRACTION * (t1 - t0) + extra * r.busyS);
    // W x s x g/kWh / 3.6e6 = g
    carbonG[i] += (w * (DEFAULT_IDLE_POWER_FRACTION * e.carbon[i].integrate(t0, t1) + extra * r.busyCarbonGs)) / 3.6e6;
  }
  return { gpuHours, energyJ, carbonG };
}
