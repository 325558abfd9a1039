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

/** One group's samples (all requests, a site's, a region's): typed arrays sized by a first counting pass. */
interface Per {
  ttft: Float64Array;
  tpot: Float64Array;
  nTtft: number;
  nTpot: number;
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
  const ttft = p.ttft.subarray(0, p.nTtft);
  const tpot = p.tpot.subarray(0, p.nTpot);
  return {
    requests: p.n,
    ttftP50Ms: round(quantile(ttft, 0.5)),
    ttftP99Ms: round(quantile(ttft, 0.99)),
    tpotP50Ms: round(quantile(tpot, 0.5)),
    tpotP99Ms: round(quantile(tpot, 0.99)),
    sloAttainment: p.n ? p.met / p.n : 0,
  };
}

/**
 * The groups of a run (all, per site, per region) with room for their finished requests' samples: one counting pass
 * first, so the samples go straight into typed arrays (no growing arrays, no copies: a million requests each).
 */
function groups(e: InferenceEngine): { all: Per; bySite: Per[]; byRegion: Per[] } {
  const sized = () => ({ ttftN: 0, tpotN: 0 });
  const cAll = sized();
  const cSite = e.inp.sites.map(sized);
  const cRegion = e.inp.regions.map(sized);
  const output = e.reqs.output;
  const count = (c: { ttftN: number; tpotN: number }, two: number) => ((c.ttftN += 1), (c.tpotN += two));
  for (let i = 0; i < e.status.length; i++) {
    if (e.status[i] !== REQ_DONE) continue;
    const two = output[i] > 1 ? 1 : 0;
    count(cAll, two);
    count(cSite[e.replicas[e.replicaOf[i]].siteIndex], two);
    count(cRegion[e.regionOf[i]], two);
  }
  // one literal (no spread): the loop's field writes stay on one fast object shape
  const mk = (c: { ttftN: number; tpotN: number }): Per => {
    const p: Per = {
      ttft: new Float64Array(c.ttftN),
      tpot: new Float64Array(c.tpotN),
      nTtft: 0,
      nTpot: 0,
      met: 0,
      n: 0,
    };
    return p;
  };
  return { all: mk(cAll), bySite: cSite.map(mk), byRegion: cRegion.map(mk) };
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
  const { all, bySite, byRegion } = groups(e);
  const failed = new Map<string, number>();
  // the engine's columns and each replica's site and transfer flag, read once (the loop runs once per request)
  const { regionOf, replicaOf, status, sendS, firstTokenS, finishS } = e;
  const repSite = Int32Array.from(e.replicas, (r) => r.siteIndex);
  const repDisaggregated = Uint8Array.from(e.replicas, (r) => (r.spec.disaggregated ? 1 : 0));
  for (let i = 0; i < n; i++) {
    const region = byRegion[regionOf[i]];
    all.n++;
    region.n++;
    if (status[i] !== REQ_DONE) {
      const why = e.failReasons[e.failReason[i]] || 'not finished';
      failed.set(why, (failed.get(why) ?? 0) + 1);
      continue;
    }
    const r = replicaOf[i];
    const si = repSite[r];
    const site = bySite[si];
    siteOf[i] = si;
    site.n++;
    const t = (firstTokenS[i] - sendS[i]) * 1000;
    ttftMs[i] = t;
    let ok = t <= sloT;
    const out = output[i];
    if (out > 1) {
      const transferS = repDisaggregated[r] ? e.replicas[r].spec.timings.kvTransferSeconds(prompt[i]) : 0;
      const p = ((finishS[i] + transferS - firstTokenS[i]) / (out - 1)) * 1000;
      tpotMs[i] = p;
      ok &&= p <= sloP;
      all.tpot[all.nTpot++] = p;
      site.tpot[site.nTpot++] = p;
      region.tpot[region.nTpot++] = p;
    }
    all.ttft[all.nTtft++] = t;
    site.ttft[site.nTtft++] = t;
    region.ttft[region.nTtft++] = t;
    if (ok) {
      all.met++;
      site.met++;
      region.met++;
    }
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
