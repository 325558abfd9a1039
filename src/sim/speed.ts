// How fast a job runs on a placement. The plan comes from the planner (src/planner, via the cached
// PlanCache in job-plans.ts): the best single-site plan of the job's model at its GPU count on the
// site it runs on, or the best cross-site plan (hierarchical DP, pipeline across sites, DiLoCo) over
// the sites a multi-site gang spans. The speed factor is the perf model's step time of that plan on
// the ideal placement (whole scale-up domains of one pod, full bisection, no WAN) over its step time
// on the actual placement (a smaller effective NVLink domain, a cross-pod spine, the WAN). A job's
// `durationS` is its work at factor 1.
import type { Fabric, Pod, Site, WanLink } from '../fabric/types.js';
import {
  estimateWithTiers,
  parameterCounts,
  tiersForPod,
  type ModelLookup,
  type ModelSpec,
  type SystemTiers,
} from '../perf/index.js';
import type { Allocation } from '../sched/types.js';
import { PlanCache, perfPlan, type JobPlan, type PlanOutcome } from './job-plans.js';

/**
 * Assumption: traffic between pods of one site crosses a spine tier with 2:1 oversubscription
 * (typical when pods are full-bisection islands joined by a smaller core). Only used for the
 * "site" spread class (a gang over several pods of one site).
 */
export const CROSS_POD_OVERSUBSCRIPTION = 2;
/**
 * Bytes written per parameter by a checkpoint: mixed-precision Adam keeps bf16 weights (2 B),
 * fp32 master weights (4 B) and two fp32 moments (8 B); with bf16 gradients that is 16 B/param
 * (ZeRO, Rajbhandari et al. 2020, section 3.1). We count 16 B/param as the checkpoint size.
 */
export const CHECKPOINT_BYTES_PER_PARAM = 16;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The largest power of two dividing n (n >= 1). */
function pow2Divisor(n: number): number {
  return n & -n;
}

/**
 * The span of the largest parallel group a plan keeps inside one NVLink domain on its ideal placement: TP, TP x CP
 * (context parallelism rides with TP) and expert parallelism (ETP x EP, ETP = TP by default), whichever fit the
 * domain of D GPUs. A placement keeps these groups on NVLink exactly when every part holds whole groups.
 */
export function nvlinkGroupGpus(plan: Pick<JobPlan, 'tp' | 'cp' | 'ep'>, domainGpus: number): number {
  let g = 1;
  for (const span of [plan.tp, plan.tp * plan.cp, plan.tp * plan.ep]) if (span <= domainGpus) g = Math.max(g, span);
  return g;
}

/**
 * The NVLink domain the perf model sees on a placement (its `scaleUpDomainGpus`), from the plan's group size G and
 * the GPUs per domain (parts) the scheduler gave: when every part is a multiple of G the plan's groups stay on
 * NVLink, and the smallest part bounds how many DP peers share a domain (the two-level collective), so the
 * effective domain is that part, at most D; otherwise groups straddle domains and the effective domain is the
 * largest power of two dividing every part (the groups' degrees are powers of two).
 */
export function effectiveDomainGpus(partGpus: readonly number[], groupGpus: number, domainGpus: number): number {
  return effectiveDomainOfParts(
    partGpus.map((gpus) => ({ gpus })),
    groupGpus,
    domainGpus,
  );
}

/** `effectiveDomainGpus` over the parts' GPU counts, read in place (no array per placement on the hot path). */
function effectiveDomainOfParts(parts: readonly { gpus: number }[], groupGpus: number, domainGpus: number): number {
  let g = 0;
  let min = Infinity;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].gpus;
    g = gcd(g, p);
    min = Math.min(min, p);
  }
  if (g % groupGpus === 0) return Math.min(domainGpus, min);
  return Math.min(domainGpus, pow2Divisor(g));
}

/** Speed of a job on a placement and the plan it runs with (null: model not in the zoo). */
export interface Placement {
  speed: number;
  plan: JobPlan | null;
}

/** What admission decided: the plan the job would run with, or why no plan fits. */
export interface Admission {
  plan: JobPlan | null;
  /** Set when no plan of the model fits the job's GPUs on its allowed sites: the job is rejected. */
  reason?: string;
}

export class SpeedModel {
  private cache = new Map<string, Placement>();
  private ckptBytes = new Map<string, number | null>();
  private admissions = new Map<string, Admission>();
  /** Per (model, pod, GPU count), numeric key `baseKey`: the plan on one domain and the spread placements. */
  private singleBase = new Map<number, SingleBase | null>();
  private models = new Map<string, ModelEntry>();
  /** site id -> pod id -> pod and its index: two lookups, no key string per placement. */
  private pods = new Map<string, Map<string, PodEntry>>();
  private podCount = 0;
  private sites = new Map<string, Site>();
  readonly plans: PlanCache;
  /** Placements whose model or plan the perf model could not evaluate (speed 1 was used). */
  fallbacks = 0;
  evaluations = 0;

  /**
   * `lookup` resolves a model id (the edge passes `loadModel`; it throws for an unknown id), so the simulator
   * reads no files. `clock` (ms, injected; default 0) only times the planner calls for the summary.
   */
  constructor(
    private readonly fabric: Fabric,
    private readonly lookup: ModelLookup,
    clock?: () => number,
  ) {
    for (const s of fabric.sites) {
      this.sites.set(s.id, s);
      const bySite = new Map<string, PodEntry>();
      for (const p of s.pods) bySite.set(p.id, { pod: p, index: this.podCount++ });
      this.pods.set(s.id, bySite);
    }
    this.plans = new PlanCache(fabric, clock);
  }

  model(id: string): ModelSpec | null {
    return this.modelEntry(id).spec;
  }

  /** The model and its interned index (the order of first lookup), for numeric cache keys. */
  private modelEntry(id: string): ModelEntry {
    let m = this.models.get(id);
    if (m === undefined) {
      let spec: ModelSpec | null;
      try {
        spec = this.lookup(id);
      } catch {
        spec = null;
      }
      m = { spec, index: this.models.size };
      if ((m.index + 1) * this.podCount > MAX_MODEL_PODS)
        throw new Error(`SpeedModel: over ${MAX_MODEL_PODS} model-pods`);
      this.models.set(id, m);
    }
    return m;
  }

  /** Checkpoint size in bytes for a zoo model (null when the model is unknown). */
  checkpointBytes(modelId: string): number | null {
    let b = this.ckptBytes.get(modelId);
    if (b === undefined) {
      const m = this.model(modelId);
      b = m ? parameterCounts(m).total * CHECKPOINT_BYTES_PER_PARAM : null;
      this.ckptBytes.set(modelId, b);
    }
    return b;
  }

  private link(a: string, b: string): WanLink | undefined {
    return this.fabric.wanLinks.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  }

  /**
   * Admission check at arrival: the best single-site plan over the allowed sites that can hold the
   * gang; for a multi-site job larger than any allowed site, the best cross-site plan over all of
   * them. The planner already falls back to recompute (selective, full) and ZeRO 1-3 when the
   * memory is short; when no plan fits at all the job gets a reason and is rejected.
   */
  admit(modelId: string, gpus: number, allowedSiteIds: readonly string[], multiSite: boolean): Admission {
    const key = `${modelId}|${gpus}|${multiSite ? 1 : 0}|${allowedSiteIds.join(',')}`;
    let hit = this.admissions.get(key);
    if (!hit) this.admissions.set(key, (hit = this.admitUncached(modelId, gpus, allowedSiteIds, multiSite)));
    return hit;
  }

  private admitUncached(
    modelId: string,
    gpus: number,
    allowedSiteIds: readonly string[],
    multiSite: boolean,
  ): Admission {
    const model = this.model(modelId);
    if (!model) return { plan: null };
    let best: JobPlan | null = null;
    let why = '';
    for (const id of allowedSiteIds) {
      if ((this.sites.get(id)?.gpus ?? 0) < gpus) continue;
      const o = this.plans.singleSite(modelId, model, gpus, id);
      if (o.ok) {
        if (!best || o.plan.tokensPerS > best.tokensPerS) best = o.plan;
      } else why ||= o.reason;
    }
    if (!best && multiSite && allowedSiteIds.length > 1 && gpus > 1) {
      const o = this.plans.crossSite(modelId, model, gpus, [...allowedSiteIds]);
      if (o.ok) best = o.plan;
      else why ||= o.reason;
    }
    if (best) return { plan: best };
    return { plan: null, reason: `does not fit: ${why || `no plan of ${model.name} on ${gpus} GPUs`}` };
  }

  /** Speed factor in (0, 1] of a job of `modelId` on `alloc` (`placement(...).speed`; kept for src/sim/twin-backend.ts). */
  factor(modelId: string, alloc: Allocation, wanFactor = 1): number {
    return this.placement(modelId, alloc, wanFactor).speed;
  }

  /** Speed factor in (0, 1] and plan of a job of `modelId` on `alloc`; `wanFactor` scales WAN capacity (scenarios). */
  placement(modelId: string, alloc: Allocation, wanFactor = 1): Placement {
    const first = alloc.parts[0];
    const podEntry = this.pods.get(first.siteId)?.get(first.podId);
    const entry = this.modelEntry(modelId);
    const model = entry.spec;
    if (!podEntry || !model) {
      this.fallbacks++;
      return { speed: 1, plan: null };
    }
    const pod = podEntry.pod;
    if (alloc.sites.length > 1) {
      const key = `${modelId}|${alloc.gpus}|${alloc.sites.join(',')}|${wanFactor}|${first.siteId}/${first.podId}`;
      const hit = this.cache.get(key);
      if (hit !== undefined) return hit;
      const out = this.multiSite(modelId, model, alloc, pod, wanFactor);
      this.cache.set(key, out);
      return out;
    }
    // the plan at this GPU count on this pod's site, its NVLink group size, and its speed on one domain (cached)
    if (alloc.gpus >>> 0 !== alloc.gpus) throw new Error(`SpeedModel: allocation gpus ${alloc.gpus} is not a count`);
    const baseKey = (entry.index * this.podCount + podEntry.index) * GPU_KEY_RANGE + alloc.gpus;
    let b = this.singleBase.get(baseKey);
    if (b === undefined) {
      const o = this.plans.singleSite(modelId, model, alloc.gpus, alloc.sites[0]);
      if (!o.ok) this.fallbacks++; // counted once per key, as the placement cache did
      b = o.ok
        ? {
            inDomain: { speed: 1, plan: o.plan },
            groupGpus: nvlinkGroupGpus(o.plan, pod.system.scaleUpDomainGpus),
            bySpread: new Map(),
          }
        : null;
      this.singleBase.set(baseKey, b);
    }
    if (b === null) return NO_PLAN;
    if (alloc.spread === 'domain') return b.inDomain;
    const eff = effectiveDomainOfParts(alloc.parts, b.groupGpus, pod.system.scaleUpDomainGpus);
    // spread is 'pod' or 'site' here (one site, more than one domain)
    const key = eff * 2 + (alloc.spread === 'site' ? 1 : 0);
    const hit = b.bySpread.get(key);
    if (hit !== undefined) return hit;
    const out = this.singleSite(model, alloc, pod, eff, b.inDomain.plan!);
    b.bySpread.set(key, out);
    return out;
  }

  /**
   * Speed of a single-site plan with an effective NVLink domain of `eff` GPUs. When the plan's groups straddle
   * domains, the job may also relaunch with a smaller TP that fits them (TP is a launch argument of Megatron-style
   * trainers; DP grows to keep the GPU count), if that still fits in memory: the faster of the two bounds the
   * fragmentation slowdown (modelling choice; src/sim/README.md, "Plan and speed").
   */
  private singleSite(model: ModelSpec, alloc: Allocation, pod: Pod, eff: number, jobPlan: JobPlan): Placement {
    const o = { plan: jobPlan };
    const base = tiersForPod(pod);
    const actualTiers: SystemTiers = { ...base, scaleUpDomainGpus: eff };
    if (alloc.spread === 'site') {
      actualTiers.oversubscription = Math.max(base.oversubscription, CROSS_POD_OVERSUBSCRIPTION);
      actualTiers.fullBisectionGpus = Math.min(base.fullBisectionGpus, pod.gpus);
    }
    const plan = perfPlan(o.plan, model);
    try {
      this.evaluations += 2;
      const ideal = estimateWithTiers(model, base, plan).stepTimeSeconds;
      let actual = estimateWithTiers(model, actualTiers, plan).stepTimeSeconds;
      if (!(ideal > 0) || !(actual > 0)) throw new Error('no step time');
      const tpFit = Math.min(plan.tp, pow2Divisor(eff));
      if (tpFit < plan.tp) {
        this.evaluations++;
        const smaller = { ...plan, tp: tpFit, dp: (plan.dp * plan.tp) / tpFit };
        const e = estimateWithTiers(model, actualTiers, smaller);
        if (e.fits && e.stepTimeSeconds > 0) actual = Math.min(actual, e.stepTimeSeconds);
      }
      return { speed: clampSpeed(ideal / actual), plan: o.plan };
    } catch {
      this.fallbacks++;
      return { speed: 1, plan: o.plan };
    }
  }

  private multiSite(modelId: string, model: ModelSpec, alloc: Allocation, pod: Pod, wanFactor: number): Placement {
    let slowest: WanLink | undefined;
    for (let i = 1; i < alloc.sites.length; i++) {
      const l = this.link(alloc.sites[0], alloc.sites[i]);
      if (!l) {
        this.fallbacks++;
        return { speed: 0.01, plan: null }; // no link between the sites: effectively stalled
      }
      if (!slowest || l.capacityGbps < slowest.capacityGbps) slowest = l;
    }
    const wanCapacity = wanFactor !== 1 && slowest ? slowest.capacityGbps * Math.max(1e-6, wanFactor) : undefined;
    const o: PlanOutcome = this.plans.crossSite(modelId, model, alloc.gpus, alloc.sites, wanCapacity);
    if (!o.ok) {
      this.fallbacks++;
      return { speed: 0.01, plan: null };
    }
    try {
      // the same global plan on one site's tiers, without the WAN: the job's work at factor 1
      this.evaluations++;
      const e = estimateWithTiers(model, tiersForPod(pod), perfPlan(o.plan, model));
      const idealTokensPerS = (o.plan.gbs * model.seqLength) / e.stepTimeSeconds;
      if (!(idealTokensPerS > 0)) throw new Error('no step time');
      return { speed: clampSpeed(o.plan.tokensPerS / idealTokensPerS), plan: o.plan };
    } catch {
      this.fallbacks++;
      return { speed: 1, plan: o.plan };
    }
  }
}

interface ModelEntry {
  spec: ModelSpec | null;
  index: number;
}

interface PodEntry {
  pod: Pod;
  index: number;
}

interface SingleBase {
  inDomain: Placement;
  groupGpus: number;
  /** key: effective domain GPUs x 2 + (1 for a spread over pods of the site, 0 for one pod) */
  bySpread: Map<number, Placement>;
}

/** GPU counts below 2^32 and models x pods up to 2^21 keep (model, pod, GPUs) keys distinct and exact (< 2^53). */
const GPU_KEY_RANGE = 2 ** 32;
const MAX_MODEL_PODS = 2 ** 21;

/** A model or plan the perf model cannot evaluate: speed 1 (counted in `fallbacks`). */
const NO_PLAN: Placement = { speed: 1, plan: null };

function clampSpeed(x: number): number {
  return Math.max(0.01, Math.min(1, x));
}
