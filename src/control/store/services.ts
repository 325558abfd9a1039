// Live services in the store (issue 15): the service rows both backends keep (table `services`, migration 6), the
// replicas the leader runs (table `service_replicas`, migration 7: every control-plane replica routes to them, and a
// new leader adopts them instead of starting new ones), and their row mapping.
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
  /** Inserts or replaces a replica row (the leader's view of one replica). */
  putReplica(r: StoredReplica): Promise<void>;
  deleteReplica(id: string): Promise<void>;
  /** A service's replicas (every service's when absent), oldest first. */
  listReplicas(serviceId?: string): Promise<StoredReplica[]>;
}

/** One replica as the leader last wrote it. */
export interface StoredReplica {
  id: string;
  serviceId: string;
  site: string;
  runKey: string;
  host: string;
  port: number;
  state: 'starting' | 'healthy' | 'unhealthy' | 'stopping';
  startedAt: number;
  healthyAt: number | null;
  reason: string | null;
  updatedAt: number;
}

export const REPLICAS_SQL = `
CREATE TABLE service_replicas (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL,
  site TEXT NOT NULL,
  run_key TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  state TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  healthy_at BIGINT,
  reason TEXT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX service_replicas_service ON service_replicas (service_id);
`;

/** Upsert, the same text in both dialects ($n placeholders are rewritten to ? for SQLite). */
export const PUT_REPLICA_SQL = `INSERT INTO service_replicas (id, service_id, site, run_key, host, port, state, started_at, healthy_at, reason, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET state = excluded.state, healthy_at = excluded.healthy_at, reason = excluded.reason, updated_at = excluded.updated_at`;

export function replicaArgs(r: StoredReplica): (string | number | null)[] {
  return [
    r.id,
    r.serviceId,
    r.site,
    r.runKey,
    r.host,
    r.port,
    r.state,
    r.startedAt,
    r.healthyAt,
    r.reason,
    r.updatedAt,
  ];
}

export function rowToReplica(r: Row): StoredReplica {
  return {
    id: String(r.id),
    serviceId: String(r.service_id),
    site: String(r.site),
    runKey: String(r.run_key),
    host: String(r.host),
    port: Number(r.port),
    state: String(r.state) as StoredReplica['state'],
    startedAt: Number(r.started_at),
    healthyAt: r.healthy_at === null || r.healthy_at === undefined ? null : Number(r.healthy_at),
    reason: r.reason === null || r.reason === undefined ? null : String(r.reason),
    updatedAt: Number(r.updated_at),
  };
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
