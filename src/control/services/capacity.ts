// Edge: where a service may run, and the service manager's GPU book, read when a replica is about to start (under
// the shared reservation: no job start lands between this read and the replica's row): the store's active jobs
// (their placements), the leader's own replicas, the tenants' quotas.
import { jurisdictionAllowed } from '../../core/jurisdiction.js';
import type { Fabric } from '../../fabric/types.js';
import type { SiteBinding } from '../control-plane.js';
import { ACTIVE_STATES, type Job } from '../domain.js';
import type { ServiceRecord, ServiceSpec } from '../store/services.js';
import type { Store } from '../store/types.js';
import { gpuBook, replicaHolds, type GpuBook } from './gpu-holds.js';

/** Sites whose executor runs commands, inside the service's sites and jurisdictions. */
export function serviceSites(
  fabric: Fabric,
  bindings: ReadonlyMap<string, SiteBinding>,
  spec: Pick<ServiceSpec, 'allowedSites' | 'allowedJurisdictions'>,
): string[] {
  return fabric.sites
    .filter((s) => bindings.get(s.id)?.executor.needsCommand === true)
    .filter((s) => !spec.allowedSites || spec.allowedSites.includes(s.id))
    .filter((s) => jurisdictionAllowed(spec.allowedJurisdictions, s.jurisdiction))
    .map((s) => s.id);
}

export interface TickBook {
  book: GpuBook;
  quotaGpus: Map<string, number | null>;
  /** The active jobs the book counts (a lender is chosen among them). */
  active: Job[];
  /** Tenants whose jobs never lend GPUs to services. */
  noLending: Set<string>;
}

/** Every active job, page by page (the store caps one page). */
async function activeJobs(store: Store): Promise<Job[]> {
  const out: Job[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listJobs({ states: [...ACTIVE_STATES], limit: 100_000, order: 'oldest', cursor });
    out.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export async function loadTickBook(
  store: Store,
  fabric: Fabric,
  services: readonly ServiceRecord[],
  replicas: readonly { id: string; serviceId: string; site: string }[],
): Promise<TickBook> {
  const [jobs, tenants] = await Promise.all([activeJobs(store), store.listTenants()]);
  return {
    book: gpuBook(fabric.sites, jobs, replicaHolds(services, replicas)),
    quotaGpus: new Map(tenants.map((t) => [t.id, t.quotaGpus])),
    active: jobs,
    noLending: new Set(tenants.filter((t) => t.lendToServices === false).map((t) => t.id)),
  };
}
