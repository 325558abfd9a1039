// Arrival: reject a job that can never fit (src/core/feasibility.ts) or that no plan fits, else queue it.
import { allowedCapacity, neverFitsReason } from '../../core/feasibility.js';
import type { SimEvent } from '../event-queue.js';
import type { SimContext } from './context.js';
import { markDirty } from './lifecycle.js';

export function onArrival(ctx: SimContext, e: SimEvent): void {
  const r = ctx.runs[e.a];
  const multiSite = r.req.allowMultiSite ?? r.req.kind === 'pretraining';
  const job = { gpus: r.req.gpus, allowedJurisdictions: r.req.allowedJurisdictions, multiSite };
  r.rejectReason = neverFitsReason(job, ctx.state.sites) ?? undefined;
  if (!r.rejectReason) {
    // the planner's plan on the allowed sites; no plan fits (even with recompute and ZeRO): rejected
    const siteIds = allowedCapacity(job, ctx.state.sites).siteIds;
    const adm = ctx.speedModel.admit(r.spec.modelId, r.req.gpus, siteIds, multiSite);
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
