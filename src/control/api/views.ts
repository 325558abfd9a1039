// Wire views of stored objects (src/contract/responses.ts): dates as ISO strings, no internal fields.
import type { EventView, JobView } from '../../contract/responses.js';
import type { Job, JobEvent } from '../domain.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function jobView(j: Job): JobView {
  return {
    id: j.id,
    name: j.name,
    tenant: j.tenantId,
    state: j.state,
    model: j.spec.model,
    gpus: j.gpus,
    tokens: j.spec.tokens,
    priority: j.priority,
    allowedJurisdictions: j.spec.allowedJurisdictions,
    allowedSites: j.spec.sites ?? null,
    checkpointable: j.spec.checkpointable,
    preemptible: j.spec.preemptible,
    deadline: iso(j.spec.deadline),
    command: j.spec.command,
    executor: j.spec.executor,
    plan: j.plan,
    placement: j.placement ? j.placement.map((p) => ({ site: p.site, gpus: p.gpus })) : null,
    sites: j.placement ? [...new Set(j.placement.map((p) => p.site))] : [],
    attempt: j.attempt,
    runId: j.runId,
    checkpoint: j.checkpoint,
    reason: j.reason,
    exitCode: j.exitCode,
    createdAt: new Date(j.createdAt).toISOString(),
    updatedAt: new Date(j.updatedAt).toISOString(),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
  };
}

export function eventView(e: JobEvent): EventView {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    type: e.type,
    job: e.jobId,
    tenant: e.tenantId,
    site: e.siteId,
    from: e.from,
    to: e.to,
    data: e.data,
  };
}
