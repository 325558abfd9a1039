// The planner's plan for each training job, cached. The twin does not invent parallel plans: it asks
// src/planner (`planOnFabric`, the code behind `superfactory plan`) for the best plan of the job's
// model at its GPU count on the site it runs on, or for the best cross-site plan over the sites a
// multi-site gang spans. A planner call costs milliseconds to a few hundred milliseconds, so plans
// are cached by (model, planned GPU count, site set, strategy class, WAN capacity).
import type { Fabric } from '../fabric/types.js';
import { planOnFabric, PlannerInputError, type RankedPlan, type Strategy } from '../planner/index.js';
import type { ModelSpec, Plan, Recompute } from '../perf/index.js';
import { PLAN_LIMITS } from '../core/plan-request.js';
// A multi-site gang uses the cross-site strategies (not `independent`: that trains k separate models).
import { CROSS_SITE_STRATEGIES } from '../core/strategies.js';

/**
 * GPU count the planner is asked for. Up to 64 GPUs the job's own count (traces use few distinct
 * small counts; Philly has 21 distinct (model, GPUs, kind) after the seeded model rule); above,
 * rounded down to two significant binary digits (64, 96, 128, 192, 256, 384, ...), so a synthetic
 * workload with arbitrary gang sizes needs O(log) plans per model. The plan may use fewer GPUs than
 * the job holds (the planner also leaves GPUs idle when no plan uses all of them); the job is still
 * charged for all it holds.
 */
export function planGpus(gpus: number): number {
  if (gpus <= 64) return gpus;
  const p = Math.pow(2, Math.floor(Math.log2(gpus)));
  return gpus >= p * 1.5 ? p * 1.5 : p;
}

/** The plan a job runs with, as recorded in jobs.csv. */
export interface JobPlan {
  strategy: Strategy;
  sites: string[];
  /** GPUs the plan uses (<= the job's GPUs). */
  gpus: number;
  tp: number;
  pp: number;
  dp: number;
  cp: number;
  ep: number;
  vpp: number;
  mbs: number;
  gbs: number;
  recompute: Recompute;
  zero: 0 | 1 | 2 | 3;
  sequenceParallel: boolean;
  /** Predicted effective tokens/s on the plan's own placement (whole scale-up domains, full bisection). */
  tokensPerS: number;
  stepTimeS: number;
  memoryGiBPerGpu: number;
}

export type PlanOutcome = { ok: true; plan: JobPlan } | { ok: false; reason: string };

/** The perf-model `Plan` of a job plan (global degrees: over all sites for a cross-site plan). */
export function perfPlan(p: JobPlan, model: ModelSpec): Plan {
  return {
    gpus: p.gpus,
    tp: p.tp,
    pp: p.pp,
    dp: p.dp,
    cp: p.cp,
    ep: p.ep,
    vpp: p.vpp,
    mbs: p.mbs,
    gbs: p.gbs,
    seq: model.seqLength,
    recompute: p.recompute,
    sequenceParallel: p.sequenceParallel,
    zero: p.zero,
  };
}

function toJobPlan(r: RankedPlan): JobPlan {
  return {
    strategy: r.strategy,
    sites: r.placement.map((x) => x.site),
    gpus: r.gpus,
    tp: r.tp,
    pp: r.pp,
    dp: r.dp,
    cp: r.cp,
    ep: r.ep,
    vpp: r.vpp,
    mbs: r.mbs,
    gbs: r.gbs,
    recompute: r.recompute,
    zero: r.zero,
    sequenceParallel: r.sequenceParallel,
    tokensPerS: r.effectiveTokensPerSecond,
    stepTimeS: r.stepTimeSeconds,
    memoryGiBPerGpu: r.memoryGiBPerGpu,
  };
}

export class PlanCache {
  private cache = new Map<string, PlanOutcome>();
  /** Planner calls made (distinct keys) and the time they took (s, by the injected clock). */
  calls = 0;
  planningS = 0;

  private readonly fabric: Fabric;

  constructor(
    fabric: Fabric,
    private readonly clock: () => number = () => 0,
  ) {
    // The planner caps a site's GPUs by its power budget; in the twin the scheduler enforces power
    // caps on placement (and scenarios change them), so plans see every GPU of a site.
    this.fabric = { ...fabric, sites: fabric.sites.map((s) => ({ ...s, powerMW: Infinity })) };
    // sites with the same hardware (pods, systems, networks, GPU count) get the same single-site plan: plan once
    const firstWith = new Map<string, string>();
    for (const s of fabric.sites) {
      const sig = JSON.stringify([s.gpus, s.pods.map((p) => ({ ...p, id: '' }))]);
      if (!firstWith.has(sig)) firstWith.set(sig, s.id);
      this.twinOf.set(s.id, firstWith.get(sig)!);
    }
  }

  /** Site id -> the first site of the fabric with identical hardware (itself when none). */
  private readonly twinOf = new Map<string, string>();
  /** Single-site outcomes re-labelled for a hardware twin's site id. */
  private readonly relabelled = new Map<string, PlanOutcome>();

  get keys(): number {
    return this.cache.size;
  }

  /** Best single-site plan of `model` at (about) `gpus` GPUs on `siteId`. */
  singleSite(modelId: string, model: ModelSpec, gpus: number, siteId: string): PlanOutcome {
    const g = planGpus(gpus);
    const rep = this.twinOf.get(siteId) ?? siteId;
    const key = `${modelId}|${g}|${rep}|single`;
    const out = this.get(key, () =>
      planOnFabric(model, this.fabric, { gpus: g, sites: [rep], top: 1, strategies: ['single-site'] }),
    );
    if (rep === siteId || !out.ok) return out;
    const k = `${key}|${siteId}`;
    let hit = this.relabelled.get(k);
    if (!hit) this.relabelled.set(k, (hit = { ok: true, plan: { ...out.plan, sites: [siteId] } }));
    return hit;
  }

  /** Best cross-site plan (hierarchical DP, pipeline across sites or DiLoCo) over exactly `siteIds`. */
  crossSite(modelId: string, model: ModelSpec, gpus: number, siteIds: string[], wanCapacityGbps?: number): PlanOutcome {
    const g = planGpus(gpus);
    const sites = [...siteIds].sort();
    const key = `${modelId}|${g}|${sites.join(',')}|cross|${wanCapacityGbps ?? ''}`;
    return this.get(key, () => {
      const res = planOnFabric(model, this.fabric, {
        gpus: g,
        sites,
        // as many as a request may ask for (PLAN_LIMITS.topMax): the spanning plan is kept below
        top: PLAN_LIMITS.topMax,
        strategies: [...CROSS_SITE_STRATEGIES],
        ...(wanCapacityGbps !== undefined ? { wanCapacityGbps } : {}),
      });
      // the planner also ranks subsets of the sites (3+ sites); keep the best plan that spans all of them
      const all = res.plans.filter((p) => p.placement.length === sites.length);
      return { ...res, plans: all };
    });
  }

  private get(key: string, run: () => { plans: RankedPlan[] }): PlanOutcome {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const t0 = this.clock();
    let out: PlanOutcome;
    try {
      const res = run();
      out =
        res.plans.length > 0
          ? { ok: true, plan: toJobPlan(res.plans[0]) }
          : { ok: false, reason: 'the planner found no plan that spans every site of the placement' };
    } catch (e) {
      if (!(e instanceof PlannerInputError)) throw e;
      out = { ok: false, reason: e.issues.map((i) => i.message).join('; ') };
    }
    this.planningS += (this.clock() - t0) / 1000;
    this.calls++;
    this.cache.set(key, out);
    return out;
  }
}
