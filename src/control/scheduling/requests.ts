// Pure translations between control-plane jobs and the policy's types (src/sched): a job's
// JobRequest, its stored placement as an Allocation, and why a job can never be placed.
import type { JobPlan } from '../../contract/responses.js';
import { neverFitsReason, type FeasibilitySite } from '../../core/feasibility.js';
import { isCrossSite } from '../../core/strategies.js';
import type { Allocation, JobRequest } from '../../sched/index.js';
import type { Job } from '../domain.js';
import type { StoredPart } from './context.js';

/** Whether a job's plan runs one gang across sites (a cross-site strategy, or parts on several sites). */
export function crossSitePlan(plan: JobPlan | null): boolean {
  if (!plan || plan.error !== undefined) return false;
  if (isCrossSite(plan.strategy)) return true;
  return new Set(plan.placement.map((x) => x.site)).size > 1;
}

/** A group of queued jobs that may use the same sites, with the order the last pass left them in. */
export interface QueueGroup {
  sites: Set<string>;
  order: JobRequest[];
  /** Epoch of the last pass that had a job of this group. */
  seen: number;
  /** Every site of the group is driven by an executor that runs one gang across sites (the twin). */
  spans: boolean;
  /** GPUs of the group's largest site. */
  maxSiteGpus: number;
  /** Executor kinds of the group's sites (for hold reasons). */
  kinds: string;
  /** The group's sites as the never-fit rule sees them (installed GPUs). */
  capacity: FeasibilitySite[];
}

/**
 * The policy's request for a job. `allowMultiSite`: one gang may span sites only when the job needs
 * it (its plan is a cross-site strategy, or it is larger than any single site it may use) and every
 * site it may use is driven by an executor that runs one gang across sites (the twin). Without a
 * group (an active job), it spans when its stored placement does.
 */
export function jobRequest(job: Job, group: QueueGroup | null = null): JobRequest | null {
  if (!job.gpus) return null;
  const tps = job.plan?.effectiveTokensPerSecond ?? job.plan?.tokensPerSecond;
  const spec = job.spec;
  const req: JobRequest = {
    id: job.id,
    tenant: job.tenantId,
    priority: job.priority,
    gpus: job.gpus,
    kind: 'pretraining',
    modelId: typeof spec.model === 'string' ? spec.model : spec.model.name,
    preemptible: spec.preemptible,
    checkpointable: spec.checkpointable,
    submitTimeS: job.createdAt / 1000,
    allowMultiSite: false,
  };
  if (spec.allowedJurisdictions) req.allowedJurisdictions = spec.allowedJurisdictions;
  if (spec.deadline) req.deadlineS = spec.deadline / 1000;
  if (spec.tokens && tps) req.durationS = spec.tokens / tps;
  if (spec.tokens) req.tokens = spec.tokens;
  if (
    group
      ? group.spans && (job.gpus > group.maxSiteGpus || crossSitePlan(job.plan))
      : (job.placement ?? []).some((p, _, a) => p.site !== a[0].site)
  ) {
    req.allowMultiSite = true;
  }
  return req;
}

/**
 * Why a job can never be placed as things are configured, or null: the one never-fit rule
 * (src/core/feasibility.ts) over the group's sites (already filtered by jurisdiction and executor),
 * where one gang may span sites only when the group's executors can run one.
 */
export function holdReason(job: Job, g: QueueGroup, sites: readonly FeasibilitySite[]): string | null {
  if (!job.gpus) return null;
  const why = neverFitsReason({ gpus: job.gpus, multiSite: g.spans }, sites);
  if (!why) return null;
  if (g.sites.size === 0) return `held: ${why}; allow a jurisdiction with a site whose executor can run it`;
  if (g.spans || g.sites.size < 2) {
    const caps = sites.map((s) => `${s.id} ${s.totalGpus}`).join(', ');
    return `held: ${why}: its sites can run at most ${caps} GPUs in one run (${g.kinds} executors); ask for fewer GPUs`;
  }
  return (
    `held: needs ${job.gpus} GPUs, more than any single site it may use has (at most ${g.maxSiteGpus}), ` +
    `and the executors of its sites (${[...g.sites].join(', ')}: ${g.kinds}) cannot run one gang across sites; ` +
    `ask for at most ${g.maxSiteGpus} GPUs, or run it on sites driven by the twin executor`
  );
}

/** An active job's stored placement as the policy's Allocation; null without pods/domains. */
export function allocationOf(job: Job): Allocation | null {
  const parts = job.placement as StoredPart[] | null;
  if (!parts || parts.length === 0 || parts.some((p) => p.pod === undefined || p.domain === undefined)) return null;
  const sites = [...new Set(parts.map((p) => p.site))];
  return {
    jobId: job.id,
    gpus: parts.reduce((a, p) => a + p.gpus, 0),
    parts: parts.map((p) => ({ siteId: p.site, podId: p.pod!, domain: p.domain!, gpus: p.gpus })),
    sites,
    pods: new Set(parts.map((p) => `${p.site}/${p.pod}`)).size,
    domains: parts.length,
    spread: sites.length > 1 ? 'multi-site' : 'site',
  };
}
