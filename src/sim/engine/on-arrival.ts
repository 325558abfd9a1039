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
  const multiSite = r.req.allowMultiSite ?? r.req.kind === 'pretraining';
  const fit = feasibility(ctx, { gpus: r.req.gpus, allowedJurisdictions: r.req.allowedJurisdictions, multiSite });
  r.rejectReason = fit.reason ?? undefined;
  if (!r.rejectReason) {
    // the planner's plan on the allowed sites; no plan fits (even with recompute and ZeRO): rejected
    const adm = ctx.speedModel.admit(r.spec.modelId, r.req.gpus, fit.siteIds, multiSite);
    if (adm.reason) r.rejectReason = adm.reason;
    else {
      r.plan = adm.plan;
      // a token budget becomes work at the plan's predicted tokens/s
      if (!(r.totalWork > 0) && r.spec.tokens && adm.plan) {
        r.totalWork = r.spec.tokens / adm.plan.tokensPerS;
        r.req.durationS = r.totalWork;
      }
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
  ctx.queue.push(r.req);
  markDirty(ctx, ctx.now);
}
