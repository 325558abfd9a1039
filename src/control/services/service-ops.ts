// Service operations behind /v1/services with the jobs' tenant rules: a token sees and changes only its tenant's
// services (an operator every tenant's), viewers only read; the service's jurisdictions stay inside the tenant's.
// Bad input is refused naming the field (422), before anything is stored.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { jurisdictionsOutside } from '../../core/jurisdiction.js';
import type { InputIssue } from '../../core/issues.js';
import {
  REFERENCE_MODEL,
  type CreateServiceBody,
  type ScaleServiceBody,
  type ServiceView,
} from '../../contract/services.js';
import { projectRoot } from '../../data-dir.js';
import { isOperator } from '../auth.js';
import { ForbiddenError, type ControlPlane } from '../control-plane.js';
import { InvalidInputError, NotFoundError, type Principal } from '../domain.js';
import { isZooModel } from '../schemas.js';
import type { ServiceRecord, ServiceSpec } from '../store/services.js';
import { serviceSites, type ServiceManager } from './manager.js';
import { replicaView } from './replica.js';
import { summarize } from './stats.js';

/** Seconds of requests GET /v1/services/:id/metrics and the dashboard summarize. */
export const METRICS_WINDOW_S = 60;

const issue = (path: string, message: string, hint: string): InputIssue => ({ path, message, hint });

/**
 * The replica command when the body gives none: examples/serve/serve.py under Debian's python3 (the one with
 * python3-torch) when present, else python3 on the PATH; SUPERFACTORY_PYTHON overrides.
 */
export function defaultServeCommand(): string[] {
  const python = process.env.SUPERFACTORY_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  return [python, join(projectRoot(), 'examples', 'serve', 'serve.py')];
}

export class ServiceOps {
  constructor(
    private readonly cp: ControlPlane,
    private readonly manager: ServiceManager,
  ) {}

  private get store() {
    return this.cp.store;
  }

  async create(p: Principal, b: CreateServiceBody): Promise<ServiceRecord> {
    if (p.role === 'viewer') throw new ForbiddenError('viewers cannot create services');
    const tenant = await this.cp.tenant(p.tenantId);
    const fabric = this.cp.fabric;
    const issues: InputIssue[] = [
      ...modelIssues(b),
      ...siteIdIssues(
        b,
        fabric.name,
        fabric.sites.map((s) => s.id),
      ),
    ];
    const allowed = serviceJurisdictions(b, tenant, issues);
    const minReplicas = b.minReplicas ?? 1;
    const maxReplicas = b.maxReplicas ?? Math.max(1, minReplicas);
    issues.push(...quotaIssues(b, tenant, maxReplicas));
    const spec: ServiceSpec = {
      model: b.model,
      slo: b.slo,
      allowedSites: b.allowedSites ?? null,
      allowedJurisdictions: allowed,
      command: b.command ?? defaultServeCommand(),
      env: b.env ?? {},
      gpusPerReplica: b.gpusPerReplica ?? 1,
    };
    if (issues.length === 0 && serviceSites(fabric, this.cp.bindings, spec).length === 0)
      issues.push(
        issue(
          b.allowedSites ? 'allowedSites' : 'allowedJurisdictions',
          'no site can run this service’s replicas (a local or Slurm executor inside its sites and jurisdictions)',
          `sites: ${fabric.sites.map((s) => `${s.id} (${s.jurisdiction}, ${this.cp.bindings.get(s.id)?.executor.kind ?? 'no executor'})`).join(', ')}`,
        ),
      );
    if (issues.length > 0) throw new InvalidInputError(issues, 422);
    return this.store.createService({
      id: `sv${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
      tenantId: tenant.id,
      name: b.name,
      spec,
      minReplicas,
      maxReplicas,
      at: this.cp.now(),
    });
  }

  async list(p: Principal, tenant?: string): Promise<ServiceRecord[]> {
    if (isOperator(p)) return this.store.listServices(tenant);
    if (tenant !== undefined && tenant !== p.tenantId)
      throw new ForbiddenError('you may list only your own tenant’s services');
    return this.store.listServices(p.tenantId);
  }

  /** 404 when missing, 403 when another tenant's (operators see all). */
  async visible(p: Principal, id: string): Promise<ServiceRecord> {
    const s = await this.store.getService(id);
    if (!s) throw new NotFoundError('service', id);
    if (s.tenantId !== p.tenantId && !isOperator(p))
      throw new ForbiddenError(`service ${id} belongs to another tenant`);
    return s;
  }

  private async actable(p: Principal, id: string): Promise<ServiceRecord> {
    const s = await this.visible(p, id);
    if (p.role === 'viewer') throw new ForbiddenError('viewers cannot change services');
    return s;
  }

  async scale(p: Principal, id: string, b: ScaleServiceBody): Promise<ServiceRecord> {
    const s = await this.actable(p, id);
    const min = b.minReplicas ?? s.minReplicas;
    const max = b.maxReplicas ?? s.maxReplicas;
    if (min > max)
      throw new InvalidInputError(
        [
          issue(
            b.minReplicas !== undefined ? 'minReplicas' : 'maxReplicas',
            `minReplicas ${min} is larger than maxReplicas ${max}`,
            'keep minReplicas <= maxReplicas',
          ),
        ],
        422,
      );
    const quota = (await this.cp.tenant(s.tenantId)).quotaGpus;
    if (quota !== null && max * s.spec.gpusPerReplica > quota)
      throw new InvalidInputError(
        [
          issue(
            'maxReplicas',
            `${max} replicas of ${s.spec.gpusPerReplica} GPU(s) exceed tenant ${s.tenantId}'s quota of ${quota} GPUs`,
            `ask for at most ${Math.floor(quota / s.spec.gpusPerReplica)} replicas or have an admin raise the quota`,
          ),
        ],
        422,
      );
    return this.store.updateService(id, b, this.cp.now());
  }

  async remove(p: Principal, id: string): Promise<ServiceRecord> {
    const s = await this.actable(p, id);
    await this.store.deleteService(id);
    return s;
  }

  /** Generate calls: any role but viewer (a request costs GPU time). */
  async routable(p: Principal, id: string): Promise<ServiceRecord> {
    const s = await this.visible(p, id);
    if (p.role === 'viewer') throw new ForbiddenError('viewers cannot send requests to services');
    return s;
  }

  view(s: ServiceRecord): ServiceView {
    const st = this.manager.state(s.id);
    const replicas = [...st.replicas.values()];
    return {
      id: s.id,
      tenantId: s.tenantId,
      name: s.name,
      model: s.spec.model,
      slo: s.spec.slo,
      allowedSites: s.spec.allowedSites,
      allowedJurisdictions: s.spec.allowedJurisdictions,
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      desiredReplicas: st.desired ?? Math.max(s.minReplicas, Math.min(1, s.maxReplicas)),
      command: s.spec.command,
      gpusPerReplica: s.spec.gpusPerReplica,
      createdAt: new Date(s.createdAt).toISOString(),
      updatedAt: new Date(s.updatedAt).toISOString(),
      replicas: replicas.map(replicaView),
      metrics: this.metrics(s),
      scaling: st.scaling,
    };
  }

  metrics(s: ServiceRecord) {
    const st = this.manager.state(s.id);
    const now = this.cp.now();
    return summarize(st.log.since(now - METRICS_WINDOW_S * 1000), now, METRICS_WINDOW_S, {
      inflight: st.inflight,
      healthyReplicas: [...st.replicas.values()].filter((r) => r.state === 'healthy').length,
    });
  }
}

type TenantLimits = Awaited<ReturnType<ControlPlane['tenant']>>;

/** The model must be the reference model or a zoo id; examples/serve serves only the reference model. */
function modelIssues(b: CreateServiceBody): InputIssue[] {
  if (b.model !== REFERENCE_MODEL && !isZooModel(b.model))
    return [
      issue(
        'model',
        `unknown model ${JSON.stringify(b.model)}`,
        `use "${REFERENCE_MODEL}" or a zoo id such as llama3-8b`,
      ),
    ];
  if (b.model !== REFERENCE_MODEL && !b.command)
    return [
      issue(
        'command',
        `examples/serve serves only the ${REFERENCE_MODEL} model, not ${b.model}`,
        'give the command of a server for this model',
      ),
    ];
  return [];
}

function siteIdIssues(b: CreateServiceBody, fabricName: string, siteIds: readonly string[]): InputIssue[] {
  const known = new Set(siteIds);
  return (b.allowedSites ?? []).flatMap((id, i) =>
    known.has(id)
      ? []
      : [issue(`allowedSites[${i}]`, `unknown site ${id}`, `sites of ${fabricName}: ${siteIds.join(', ')}`)],
  );
}

/** The service's jurisdictions: its own (inside the tenant's), else the tenant's, else none (anywhere). */
function serviceJurisdictions(b: CreateServiceBody, tenant: TenantLimits, issues: InputIssue[]): string[] | null {
  if (!b.allowedJurisdictions || !tenant.allowedJurisdictions)
    return b.allowedJurisdictions ?? tenant.allowedJurisdictions ?? null;
  const outside = jurisdictionsOutside(b.allowedJurisdictions, tenant.allowedJurisdictions);
  if (outside.length > 0)
    issues.push(
      issue(
        'allowedJurisdictions',
        `tenant ${tenant.id} may not run in ${outside.join(', ')}`,
        `allowed for this tenant: ${tenant.allowedJurisdictions.join(', ')}`,
      ),
    );
  return b.allowedJurisdictions;
}

/** A bound, not accounting: one service may not plan more GPUs than its tenant's whole quota. */
function quotaIssues(b: CreateServiceBody, tenant: TenantLimits, maxReplicas: number): InputIssue[] {
  const perReplica = b.gpusPerReplica ?? 1;
  if (tenant.quotaGpus === null || maxReplicas * perReplica <= tenant.quotaGpus) return [];
  return [
    issue(
      'maxReplicas',
      `${maxReplicas} replicas of ${perReplica} GPU(s) exceed tenant ${tenant.id}'s quota of ${tenant.quotaGpus} GPUs`,
      `ask for at most ${Math.floor(tenant.quotaGpus / perReplica)} replicas or have an admin raise the quota`,
    ),
  ];
}
