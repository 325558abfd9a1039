// Live services in the store (issue 15): the service rows both backends keep (table `services`, migration 5) and
// their row mapping. Replicas are not stored: the leader's service manager owns them (see src/control/services).
import { NotFoundError } from '../domain.js';

export interface ServiceSpec {
  /** "reference" (examples/serve) or a zoo id. */
  model: string;
  slo: { ttftP99Ms: number; tpotP99Ms: number };
  /** Sites replicas may run on (null: any site whose executor runs commands). */
  allowedSites: string[] | null;
  /** The service's sovereignty list (the tenant's when the body gave none). */
  allowedJurisdictions: string[] | null;
  /** argv of one replica. */
  command: string[];
  env: Record<string, string>;
  gpusPerReplica: number;
}

export interface ServiceRecord {
  id: string;
  tenantId: string;
  name: string;
  spec: ServiceSpec;
  minReplicas: number;
  maxReplicas: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface NewService {
  id: string;
  tenantId: string;
  name: string;
  spec: ServiceSpec;
  minReplicas: number;
  maxReplicas: number;
  at: number;
}

export interface ServicePatch {
  minReplicas?: number;
  maxReplicas?: number;
}

/** The part of the Store that keeps services (both backends; store-conformance.test.ts, section "services"). */
export interface ServiceStore {
  /** DuplicateError when the tenant already has a service of that name. */
  createService(s: NewService): Promise<ServiceRecord>;
  getService(id: string): Promise<ServiceRecord | null>;
  /** A tenant's services (every tenant's when absent), oldest first. */
  listServices(tenantId?: string): Promise<ServiceRecord[]>;
  /** New replica bounds; NotFoundError when the service is gone. */
  updateService(id: string, patch: ServicePatch, at: number): Promise<ServiceRecord>;
  /** True when a service was deleted. */
  deleteService(id: string): Promise<boolean>;
}

export const SERVICES_SQL = `
CREATE TABLE services (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  min_replicas INTEGER NOT NULL,
  max_replicas INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX services_tenant_name ON services (tenant_id, name);
`;

type Row = Record<string, unknown>;

export function rowToService(r: Row): ServiceRecord {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    name: String(r.name),
    spec: JSON.parse(String(r.spec)) as ServiceSpec,
    minReplicas: Number(r.min_replicas),
    maxReplicas: Number(r.max_replicas),
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The bounds after a patch; both backends apply it inside their transaction. */
export function patchedBounds(s: ServiceRecord | null, id: string, p: ServicePatch): { min: number; max: number } {
  if (!s) throw new NotFoundError('service', id);
  return { min: p.minReplicas ?? s.minReplicas, max: p.maxReplicas ?? s.maxReplicas };
}
