// Building and updating a ClusterState. Pure: no I/O, no clock.
import { jurisdictionAllowed as allowedIn } from '../core/jurisdiction.js';
import { DEFAULT_IDLE_POWER_FRACTION, facilityWPerGpu, sitePowerCapW } from '../core/power.js';
import type { Fabric } from '../fabric/types.js';
import { noteFreeChange } from './free-index.js';
import type { Allocation, ClusterState, JobRequest, PodState, SiteState, TenantState } from './types.js';

/** Fraction of the rated per-GPU system power an idle GPU draws (the assumption lives in src/core/power.ts). */
export const DEFAULT_IDLE_FRACTION = DEFAULT_IDLE_POWER_FRACTION;

export interface BuildStateOptions {
  /** Site power caps in W (facility). Default: site.powerMW x 1e6 (the fabric's site power). */
  powerCapW?: Record<string, number>;
  tenants?: Omit<TenantState, 'usedGpus' | 'usedPowerW'>[];
  idleFraction?: number;
  /** Fraction of systemPowerPerGpuW a busy GPU draws on average (default 1: peak, for caps). */
  busyFraction?: number;
  /** Initial carbon (gCO2e/kWh) and price (USD/MWh) per site id. */
  carbonGPerKWh?: Record<string, number>;
  priceUsdPerMWh?: Record<string, number>;
}

/** A fresh, all-idle state for a fabric. */
export function buildClusterState(fabric: Fabric, opts: BuildStateOptions = {}): ClusterState {
  const idle = opts.idleFraction ?? DEFAULT_IDLE_FRACTION;
  const sites: SiteState[] = fabric.sites.map((s) => {
    const pods: PodState[] = s.pods.map((p) => {
      const d = Math.max(1, p.system.scaleUpDomainGpus);
      const n = Math.ceil(p.gpus / d);
      const cap: number[] = [];
      for (let i = 0; i < n; i++) cap.push(i < n - 1 ? d : p.gpus - d * (n - 1));
      const perGpuW = facilityWPerGpu(p.system.systemPowerPerGpuW, s.pue, opts.busyFraction ?? 1);
      return {
        id: p.id,
        siteId: s.id,
        domainGpus: d,
        domainCapacity: cap,
        domainFree: cap.slice(),
        totalGpus: p.gpus,
        freeGpus: p.gpus,
        failedGpus: 0,
        busyPowerPerGpuW: perGpuW,
        idlePowerPerGpuW: facilityWPerGpu(p.system.systemPowerPerGpuW, s.pue, idle),
      };
    });
    const idleW = pods.reduce((a, p) => a + p.idlePowerPerGpuW * p.totalGpus, 0);
    return {
      id: s.id,
      status: 'up',
      jurisdiction: s.jurisdiction,
      gridZone: s.gridZone,
      pods,
      totalGpus: s.gpus,
      freeGpus: s.gpus,
      powerCapW: opts.powerCapW?.[s.id] ?? sitePowerCapW(s),
      powerDrawW: idleW,
      carbonGPerKWh: opts.carbonGPerKWh?.[s.id] ?? 0,
      priceUsdPerMWh: opts.priceUsdPerMWh?.[s.id] ?? 0,
    };
  });
  const total = sites.reduce((a, s) => a + s.totalGpus, 0);
  return {
    sites,
    tenants: (opts.tenants ?? []).map((t) => ({ ...t, usedGpus: 0, usedPowerW: 0 })),
    totalGpus: total,
    freeGpus: total,
  };
}

/** Deep copy (cheap: one array of numbers per pod). */
export function cloneState(state: ClusterState): ClusterState {
  return {
    totalGpus: state.totalGpus,
    freeGpus: state.freeGpus,
    tenants: state.tenants.map((t) => ({ ...t })),
    sites: state.sites.map((s) => ({
      ...s,
      carbonForecastGPerKWh: s.carbonForecastGPerKWh,
      pods: s.pods.map((p) => ({ ...p, domainFree: p.domainFree.slice() })),
    })),
  };
}

export function findSite(state: ClusterState, siteId: string): SiteState | undefined {
  for (const s of state.sites) if (s.id === siteId) return s;
  return undefined;
}

function findPod(site: SiteState, podId: string): PodState | undefined {
  for (const p of site.pods) if (p.id === podId) return p;
  return undefined;
}

export function findTenant(state: ClusterState, tenant: string): TenantState | undefined {
  for (const t of state.tenants) if (t.id === tenant) return t;
  return undefined;
}

/**
 * Whether a job may run in a site's jurisdiction: the rule of src/core/jurisdiction.ts applied to the job's list
 * ("US" allows "US" and any "US-…"; an empty/absent list allows all). New code may call core directly.
 */
export function jurisdictionAllowed(job: Pick<JobRequest, 'allowedJurisdictions'>, jurisdiction: string): boolean {
  return allowedIn(job.allowedJurisdictions, jurisdiction);
}

/** Facility watts a set of GPUs adds when it turns busy (busy minus idle). */
export function marginalPowerW(pod: PodState, gpus: number): number {
  return gpus * (pod.busyPowerPerGpuW - pod.idlePowerPerGpuW);
}

/** Apply an allocation: take the GPUs, add power, charge the tenant. Throws if it does not fit (a bug). */
export function allocate(state: ClusterState, alloc: Allocation, tenant?: string): void {
  let powerW = 0;
  for (const part of alloc.parts) {
    const site = findSite(state, part.siteId);
    const pod = site && findPod(site, part.podId);
    if (!site || !pod) throw new Error(`allocate: unknown site/pod ${part.siteId}/${part.podId}`);
    const free = pod.domainFree[part.domain];
    if (free === undefined || free < part.gpus || part.gpus <= 0) {
      throw new Error(
        `allocate: domain ${part.siteId}/${part.podId}#${part.domain} has ${free} free, asked ${part.gpus} for ${alloc.jobId}`,
      );
    }
    pod.domainFree[part.domain] = free - part.gpus;
    noteFreeChange(pod, part.domain, free);
    pod.freeGpus -= part.gpus;
    site.freeGpus -= part.gpus;
    state.freeGpus -= part.gpus;
    const w = marginalPowerW(pod, part.gpus);
    site.powerDrawW += w;
    powerW += w;
  }
  if (tenant !== undefined) {
    const t = findTenant(state, tenant);
    if (t) {
      t.usedGpus += alloc.gpus;
      t.usedPowerW += powerW;
    }
  }
}

/** Undo an allocation. GPUs of a domain never exceed its capacity (a bug otherwise). */
export function release(state: ClusterState, alloc: Allocation, tenant?: string): void {
  let powerW = 0;
  for (const part of alloc.parts) {
    const site = findSite(state, part.siteId);
    const pod = site && findPod(site, part.podId);
    if (!site || !pod) throw new Error(`release: unknown site/pod ${part.siteId}/${part.podId}`);
    const was = pod.domainFree[part.domain];
    const free = was + part.gpus;
    if (free > pod.domainCapacity[part.domain]) {
      throw new Error(
        `release: domain ${part.siteId}/${part.podId}#${part.domain} would exceed capacity (${alloc.jobId})`,
      );
    }
    pod.domainFree[part.domain] = free;
    noteFreeChange(pod, part.domain, was);
    pod.freeGpus += part.gpus;
    site.freeGpus += part.gpus;
    state.freeGpus += part.gpus;
    const w = marginalPowerW(pod, part.gpus);
    site.powerDrawW -= w;
    powerW += w;
  }
  if (tenant !== undefined) {
    const t = findTenant(state, tenant);
    if (t) {
      t.usedGpus -= alloc.gpus;
      t.usedPowerW -= powerW;
    }
  }
}

/**
 * Take GPUs out of service (failure) or return them (repair), pod-level. Only free GPUs can be
 * taken out; the caller first evicts the jobs on them. Returns the GPUs actually changed.
 */
export function setFailedGpus(
  state: ClusterState,
  siteId: string,
  podId: string,
  domain: number,
  failed: number,
): number {
  const site = findSite(state, siteId);
  const pod = site && findPod(site, podId);
  if (!site || !pod) throw new Error(`setFailedGpus: unknown ${siteId}/${podId}`);
  const free = pod.domainFree[domain];
  const take = Math.min(free, failed);
  pod.domainFree[domain] = free - take;
  noteFreeChange(pod, domain, free);
  pod.freeGpus -= take;
  pod.failedGpus += take;
  site.freeGpus -= take;
  state.freeGpus -= take;
  return take;
}

export function repairGpus(state: ClusterState, siteId: string, podId: string, domain: number, gpus: number): void {
  const site = findSite(state, siteId);
  const pod = site && findPod(site, podId);
  if (!site || !pod) throw new Error(`repairGpus: unknown ${siteId}/${podId}`);
  const was = pod.domainFree[domain];
  pod.domainFree[domain] = was + gpus;
  noteFreeChange(pod, domain, was);
  pod.freeGpus += gpus;
  pod.failedGpus -= gpus;
  site.freeGpus += gpus;
  state.freeGpus += gpus;
  if (pod.domainFree[domain] > pod.domainCapacity[domain] || pod.failedGpus < 0)
    throw new Error('repairGpus: over capacity');
}
