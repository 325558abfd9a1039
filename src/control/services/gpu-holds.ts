// GPUs held by live service replicas (issue 15, "training and serving share sites"). Pure: the job scheduler's
// cluster view takes them out of each site's free GPUs and charges them to the tenant; the service manager checks a
// new replica against the same book (site's free GPUs after jobs and replicas, the tenant's quota).
import {
  allocate,
  findSite,
  summarize,
  type Allocation,
  type AllocationPart,
  type ClusterState,
} from '../../sched/index.js';
import type { Job } from '../domain.js';
import type { ServiceRecord, StoredReplica } from '../store/services.js';

/** One replica's GPUs on its site, charged to its service's tenant. */
export interface GpuHold {
  id: string;
  site: string;
  tenantId: string;
  gpus: number;
  /** A loan's hold: the lending job's id (it holds the GPUs itself while it is active). */
  lentBy?: string;
}

/** Every replica row of a known service holds its service's gpusPerReplica (a stopping one until it is gone). */
export function replicaHolds(
  services: readonly ServiceRecord[],
  replicas: readonly Pick<StoredReplica, 'id' | 'serviceId' | 'site'>[],
): GpuHold[] {
  const byId = new Map(services.map((s) => [s.id, s]));
  const out: GpuHold[] = [];
  for (const r of replicas) {
    const s = byId.get(r.serviceId);
    if (s && s.spec.gpusPerReplica > 0)
      out.push({ id: r.id, site: r.site, tenantId: s.tenantId, gpus: s.spec.gpusPerReplica });
  }
  return out;
}

/**
 * Takes a hold's GPUs out of the state (largest free scale-up domains first) and charges its tenant. A site that
 * has fewer free GPUs than the hold (a job started there before the replica was counted) gives what it has: the
 * rest is returned as `short` so the caller can say so. Null when the site is unknown or has nothing free.
 */
export function applyHold(state: ClusterState, h: GpuHold): { alloc: Allocation | null; short: number } {
  const site = findSite(state, h.site);
  if (!site) return { alloc: null, short: h.gpus };
  const parts: AllocationPart[] = [];
  let need = h.gpus;
  const domains = site.pods.flatMap((p) => p.domainFree.map((free, domain) => ({ pod: p.id, domain, free })));
  domains.sort((a, b) => b.free - a.free);
  for (const d of domains) {
    if (need <= 0 || d.free <= 0) break;
    const take = Math.min(d.free, need);
    parts.push({ siteId: h.site, podId: d.pod, domain: d.domain, gpus: take });
    need -= take;
  }
  if (parts.length === 0) return { alloc: null, short: h.gpus };
  const alloc = summarize(`replica:${h.id}`, h.gpus - need, parts);
  allocate(state, alloc, h.tenantId);
  return { alloc, short: need };
}

/** Free GPUs per site and GPUs used per tenant, after the active jobs' placements and the replicas' holds. */
export interface GpuBook {
  freeBySite: Map<string, number>;
  usedByTenant: Map<string, number>;
}

export function gpuBook(
  sites: readonly { id: string; gpus: number }[],
  active: readonly Pick<Job, 'tenantId' | 'gpus' | 'placement'>[],
  holds: readonly GpuHold[],
): GpuBook {
  const freeBySite = new Map(sites.map((s) => [s.id, s.gpus]));
  const usedByTenant = new Map<string, number>();
  const take = (site: string, tenant: string, gpus: number) => {
    if (freeBySite.has(site)) freeBySite.set(site, freeBySite.get(site)! - gpus);
    usedByTenant.set(tenant, (usedByTenant.get(tenant) ?? 0) + gpus);
  };
  for (const j of active) {
    for (const p of j.placement ?? []) take(p.site, j.tenantId, p.gpus);
    // an active job without a stored placement still counts against its tenant (as admission counts it)
    if (!j.placement?.length && j.gpus) usedByTenant.set(j.tenantId, (usedByTenant.get(j.tenantId) ?? 0) + j.gpus);
  }
  for (const h of holds) take(h.site, h.tenantId, h.gpus);
  return { freeBySite, usedByTenant };
}

/**
 * The sites (in the given order) where one more replica of `s` fits now, or why none does: the tenant's quota
 * (its jobs' GPUs plus its replicas') first, then each site's free GPUs.
 */
export function replicaFit(
  book: GpuBook,
  s: Pick<ServiceRecord, 'tenantId' | 'spec'>,
  quotaGpus: number | null,
  sites: readonly string[],
): { sites: string[]; reason: string | null; short: 'quota' | 'gpus' | null } {
  const need = s.spec.gpusPerReplica;
  const used = book.usedByTenant.get(s.tenantId) ?? 0;
  if (quotaGpus !== null && used + need > quotaGpus)
    return {
      sites: [],
      reason: `tenant ${s.tenantId} uses ${used} of its ${quotaGpus} GPU quota (jobs and replicas); a replica needs ${need}`,
      short: 'quota',
    };
  const fits = sites.filter((id) => (book.freeBySite.get(id) ?? 0) >= need);
  if (fits.length > 0) return { sites: fits, reason: null, short: null };
  const free = sites.map((id) => `${id} ${Math.max(0, book.freeBySite.get(id) ?? 0)}`).join(', ');
  return { sites: [], reason: `no site has ${need} free GPU(s) for a replica (free: ${free})`, short: 'gpus' };
}

/** Books one started replica (the next start in the same tick sees it). */
export function bookReplica(book: GpuBook, tenantId: string, site: string, gpus: number): void {
  book.freeBySite.set(site, (book.freeBySite.get(site) ?? 0) - gpus);
  book.usedByTenant.set(tenantId, (book.usedByTenant.get(tenantId) ?? 0) + gpus);
}
