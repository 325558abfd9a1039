// Arrival: reject a job that can never fit (src/core/feasibility.ts) or that no plan fits, else queue it.
import { allowedCapacity, neverFitsReason } from '../../core/feasibility.js';
import type { SimEvent } from '../event-queue.js';
import type { SimContext } from './context.js';
import { markDirty } from './lifecycle.js';

/** The feasibility verdict and allowed sites of a job shape (installed capacity does not change: cached per shape). */
function feasibility(
  ctx: SimContext,
  job: { gpus: number; allowedJurisdictions?: string[]; multiSite: boolean },
): { reason: string | null; siteIds: string[] } {
  const key = `${job.gpus}|${job.multiSite ? 1 : 0}|${job.allowedJurisdictions?.join(',') ?? ''}`;
  let hit = ctx.feasibilityCache.get(key);
  if (!hit) {
    hit = { reason: neverFitsReason(job, ctx.state.sites), siteIds: allowedCapacity(job, ctx.state.sites).siteIds };
    ctx.feasibilityCache.set(key, hit);
  }
  return hit;
}

export function onArrival(ctx: SimContext, e: SimEvent): void {
  const r = ctx.runs[e.a];
  const spec = r.spec;
  const multiSite = spec.allowMultiSite ?? spec.kind === 'pretraining';
  const fit = feasibility(ctx, { gpus: spec.gpus, allowedJurisdictions: spec.allowedJurisdictions, multiSite });
  r.rejectReason = fit.reason ?? undefined;
  if (!r.rejectReason) {
    // the planner's plan on the allowed sites; no plan fits (even with recompute and ZeRO): rejected
    const adm = ctx.speedModel.admit(spec.modelId, spec.gpus, fit.siteIds, multiSite);
    if (adm.reason) r.rejectReason = adm.reason;
    else {
      r.plan = adm.plan;
      // a token budget becomes work at the plan's predicted tokens/s
      if (!(r.totalWork > 0) && spec.tokens && adm.plan) r.totalWork = spec.tokens / adm.plan.tokensPerS;
      if (!(r.totalWork > 0))
        r.rejectReason = r.spec.tokens ? 'token budget but no zoo model to plan it with' : 'no duration';
    }
  }
  if (r.rejectReason) {
    r.phase = 'rejected';
    ctx.done++;
    return;
  }
  r.phase = 'queued';
  // the scheduler's copy (its durationS becomes the work left), made now and dropped when the job is done
  r.req = { ...spec };
  if (r.req.durationS === undefined || !(r.req.durationS > 0)) r.req.durationS = r.totalWork;
  ctx.queue.push(r.req);
  markDirty(ctx, ctx.now);
}
