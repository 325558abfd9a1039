// Arrival: reject a job that can never fit (src/core/feasibility.ts) or that no plan fits, else queue it.
import { allowedCapacity, neverFitsReason } from '../../core/feasibility.js';
import type { SimEvent } from '../event-queue.js';
import type { Admission } from '../speed.js';
import type { Feasibility, SimContext } from './context.js';
import { markDirty } from './lifecycle.js';
import { SimRequest } from './run.js';

/**
 * The feasibility verdict and allowed sites of a job shape (installed capacity does not change: cached per shape).
 * A shape without jurisdictions has a numeric key: no string built per arrival.
 */
function feasibility(
  ctx: SimContext,
  job: { gpus: number; allowedJurisdictions?: string[]; multiSite: boolean },
): Feasibility {
  const j = job.allowedJurisdictions;
  const plain = (!j || j.length === 0) && Number.isInteger(job.gpus) && job.gpus >= 0;
  const key = plain
    ? job.gpus * 2 + (job.multiSite ? 1 : 0)
    : `${job.gpus}|${job.multiSite ? 1 : 0}|${j?.join(',') ?? ''}`;
  let hit = ctx.feasibilityCache.get(key);
  if (!hit) {
    const siteIds = allowedCapacity(job, ctx.state.sites).siteIds;
    hit = { reason: neverFitsReason(job, ctx.state.sites), siteIds, admissions: new Map() };
    ctx.feasibilityCache.set(key, hit);
  }
  return hit;
}

/** The speed model's admission of a model on a shape (its own cache keys a string per call: kept per shape here). */
function admission(ctx: SimContext, fit: Feasibility, modelId: string, gpus: number, multiSite: boolean): Admission {
  let a = fit.admissions.get(modelId);
  if (!a) fit.admissions.set(modelId, (a = ctx.speedModel.admit(modelId, gpus, fit.siteIds, multiSite)));
  return a;
}

export function onArrival(ctx: SimContext, e: SimEvent): void {
  const r = ctx.runs[e.a];
  const spec = r.spec;
  const multiSite = spec.allowMultiSite ?? spec.kind === 'pretraining';
  const fit = feasibility(ctx, { gpus: spec.gpus, allowedJurisdictions: spec.allowedJurisdictions, multiSite });
  r.rejectReason = fit.reason ?? undefined;
  if (!r.rejectReason) {
    // the planner's plan on the allowed sites; no plan fits (even with recompute and ZeRO): rejected
    const adm = admission(ctx, fit, spec.modelId, spec.gpus, multiSite);
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
  const req = new SimRequest(spec, e.a);
  if (req.durationS === undefined || !(req.durationS > 0)) req.durationS = r.totalWork;
  r.req = req;
  ctx.queue.push(req);
  markDirty(ctx, ctx.now);
}
