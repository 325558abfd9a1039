// Energy, carbon, cost, water and GPU-second integrals (fleet and per job), hourly samples and the audit.
import type { SiteState } from '../../sched/types.js';
import { domainKey, type Run, type SimContext } from './context.js';

/** Forecast horizon handed to the carbon-aware policy (hours). */
const FORECAST_HOURS = 48;

function busyGpus(s: SiteState): number {
  let failed = 0;
  for (const p of s.pods) failed += p.failedGpus;
  return s.totalGpus - s.freeGpus - failed;
}

/** Integrate fleet power, carbon, cost, water and busy GPU-seconds up to t (runs at most events: plain loops). */
export function accumulate(ctx: SimContext, t: number): void {
  const a = ctx.acc;
  if (t <= a.lastT) return;
  const t0 = a.lastT;
  const dt = t - t0;
  const sites = ctx.state.sites;
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    const down = ctx.siteDown[i];
    const p = down ? 0 : s.powerDrawW;
    a.siteEnergyJ[i] += p * dt;
    a.siteCarbonG[i] += (p * ctx.carbon[i].integrate(t0, t)) / 3.6e6;
    a.siteCostUsd[i] += (p * ctx.price[i].integrate(t0, t)) / 3.6e9;
    a.siteWaterL[i] += ((p * dt) / 3.6e6 / ctx.pue[i]) * ctx.wue[i];
    const b = down ? 0 : busyGpus(s);
    a.siteBusyGpuS[i] += b * dt;
    a.busyGpuSeconds += b * dt;
    a.availGpuSeconds += (down ? 0 : s.totalGpus) * dt;
  }
  a.lastT = t;
}

function podOf(site: SiteState, podId: string): SiteState['pods'][number] {
  for (const p of site.pods) if (p.id === podId) return p;
  throw new Error(`chargeJob: no pod ${podId} on site ${site.id}`);
}

/** Charge a run's segment [t0, t1] to the job (busy power of its GPUs). */
export function chargeJob(ctx: SimContext, r: Run, t0: number, t1: number): void {
  if (!r.alloc || t1 <= t0) return;
  r.gpuSeconds += r.alloc.gpus * (t1 - t0);
  // a gang's parts mostly share a site: its grid integrals over [t0, t1] are computed once per site run
  let i = -1;
  let carbonInt = 0;
  let priceInt = 0;
  for (const part of r.alloc.parts) {
    const si = ctx.siteIndex.get(part.siteId)!;
    if (si !== i) {
      i = si;
      carbonInt = ctx.carbon[i].integrate(t0, t1);
      priceInt = ctx.price[i].integrate(t0, t1);
    }
    const w = part.gpus * podOf(ctx.state.sites[i], part.podId).busyPowerPerGpuW;
    r.energyJ += w * (t1 - t0);
    r.carbonG += (w * carbonInt) / 3.6e6;
    r.costUsd += (w * priceInt) / 3.6e9;
    r.waterL += ((w * (t1 - t0)) / 3.6e6 / ctx.pue[i]) * ctx.wue[i];
  }
}

/** The grid's current values (and the carbon forecast for the carbon-aware policy) onto the cluster state. */
export function updateGridState(ctx: SimContext, t: number): void {
  const forecast = ctx.policy.name === 'carbon-aware';
  ctx.state.sites.forEach((s, i) => {
    s.carbonGPerKWh = ctx.carbon[i].at(t);
    s.priceUsdPerMWh = ctx.price[i].at(t);
    if (forecast) s.carbonForecastGPerKWh = ctx.carbon[i].window(t, FORECAST_HOURS);
  });
}

/** One point of the time series at t. */
export function sample(ctx: SimContext, t: number): void {
  const series = ctx.series;
  series.tS.push(t);
  let busy = 0;
  let mw = 0;
  let cph = 0;
  ctx.state.sites.forEach((s, i) => {
    const b = ctx.siteDown[i] ? 0 : busyGpus(s);
    const p = ctx.siteDown[i] ? 0 : s.powerDrawW / 1e6;
    const ci = ctx.carbon[i].at(t);
    busy += b;
    mw += p;
    cph += (p * ci) / 1000; // MW x g/kWh = kg/h ... /1000 -> t/h
    series.sites[i].busyGpus.push(b);
    series.sites[i].powerMW.push(round(p, 3));
    series.sites[i].carbonGPerKWh.push(round(ci, 1));
  });
  series.busyGpus.push(busy);
  series.powerMW.push(round(mw, 3));
  series.carbonTPerH.push(round(cph, 4));
  series.queued.push(ctx.queue.length);
  series.running.push(ctx.running.length);
}

/** Conservation check (tests): per domain, GPUs used + free + failed == capacity; free counters add up. */
export function auditState(ctx: SimContext): void {
  let free = 0;
  for (const s of ctx.state.sites) {
    let sf = 0;
    for (const p of s.pods) {
      let pf = 0;
      p.domainFree.forEach((f, d) => {
        const k = domainKey(ctx, s.id, p.id, d);
        let used = 0;
        for (const i of ctx.occupancy.get(k) ?? [])
          for (const part of ctx.runs[i].alloc!.parts)
            if (part.siteId === s.id && part.podId === p.id && part.domain === d) used += part.gpus;
        const failed = ctx.failedInDomain.get(k) ?? 0;
        if (f < 0 || used + f + failed !== p.domainCapacity[d])
          throw new Error(
            `audit: domain ${s.id}/${p.id}#${d}: used ${used} + free ${f} + failed ${failed} != ${p.domainCapacity[d]}`,
          );
        pf += f;
      });
      if (pf !== p.freeGpus) throw new Error(`audit: pod ${p.id} free counter ${p.freeGpus} != ${pf}`);
      sf += pf;
    }
    if (sf !== s.freeGpus) throw new Error(`audit: site ${s.id} free counter`);
    free += sf;
  }
  if (free !== ctx.state.freeGpus) throw new Error('audit: fleet free counter');
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
