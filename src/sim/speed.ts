// How fast a job runs on a placement, from the perf model: the ratio of the estimated step time
// on an ideal placement (the job's GPUs packed into whole scale-up domains of one pod) to the
// step time on the actual placement. Cached by (model, gpus, spread class, effective domain,
// sites, WAN capacity factor), so the simulator calls the perf model a few hundred times at most.
import type { Fabric, Pod, WanLink } from '../fabric/types.js';
import { estimateWithTiers, loadModel, parameterCounts, tiersForPod, wanTier, checkPlan, type ModelSpec, type Plan, type SystemTiers } from '../perf/index.js';
import type { Allocation } from '../sched/types.js';

/**
 * Assumption: traffic between pods of one site crosses a spine tier with 2:1 oversubscription
 * (typical when pods are full-bisection islands joined by a smaller core). Only used for the
 * "site" spread class (a gang over several pods of one site).
 */
export const CROSS_POD_OVERSUBSCRIPTION = 2;
/** Tokens per sequence x micro-batches per data-parallel rank used to build the plan. */
const MICRO_BATCHES_PER_RANK = 4;
/**
 * Bytes written per parameter by a checkpoint: mixed-precision Adam keeps bf16 weights (2 B),
 * fp32 master weights (4 B) and two fp32 moments (8 B); with bf16 gradients that is 16 B/param
 * (ZeRO, Rajbhandari et al. 2020, section 3.1). We count 16 B/param as the checkpoint size.
 */
export const CHECKPOINT_BYTES_PER_PARAM = 16;

function pow2Floor(n: number): number {
  return n <= 1 ? 1 : Math.pow(2, Math.floor(Math.log2(n)));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Largest tensor-parallel degree <= limit that divides gpus, the heads and suits the KV heads. */
function chooseTp(model: ModelSpec, gpus: number, limit: number): number {
  for (let tp = pow2Floor(Math.min(limit, 8, gpus)); tp > 1; tp /= 2) {
    if (gpus % tp !== 0 || model.attentionHeads % tp !== 0) continue;
    if (!model.mla && model.kvHeads % tp !== 0 && tp % model.kvHeads !== 0) continue;
    return tp;
  }
  return 1;
}

function planFor(model: ModelSpec, gpus: number, domain: number): Plan {
  const tp = chooseTp(model, gpus, domain);
  const dp = gpus / tp;
  return { gpus, tp, pp: 1, dp, mbs: 1, gbs: dp * MICRO_BATCHES_PER_RANK, recompute: 'selective', zero: 1, sequenceParallel: tp > 1 };
}

export class SpeedModel {
  private cache = new Map<string, number>();
  private models = new Map<string, ModelSpec | null>();
  private pods = new Map<string, Pod>();
  /** Placements whose model or plan the perf model could not evaluate (speed 1 was used). */
  fallbacks = 0;
  evaluations = 0;

  constructor(private readonly fabric: Fabric) {
    for (const s of fabric.sites) for (const p of s.pods) this.pods.set(s.id + '/' + p.id, p);
  }

  model(id: string): ModelSpec | null {
    let m = this.models.get(id);
    if (m === undefined) {
      try {
        m = loadModel(id);
      } catch {
        m = null;
      }
      this.models.set(id, m);
    }
    return m;
  }

  /** Checkpoint size in bytes for a zoo model (null when the model is unknown). */
  checkpointBytes(modelId: string): number | null {
    const m = this.model(modelId);
    return m ? parameterCounts(m).total * CHECKPOINT_BYTES_PER_PARAM : null;
  }

  private link(a: string, b: string): WanLink | undefined {
    return this.fabric.wanLinks.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  }

  /**
   * Speed factor in (0, 1] of a job of `modelId` on `alloc`; `wanFactor` scales the WAN capacity
   * (scenario degradations). 1 for a single-domain placement.
   */
  factor(modelId: string, alloc: Allocation, wanFactor = 1): number {
    if (alloc.spread === 'domain') return 1;
    const first = alloc.parts[0];
    const pod = this.pods.get(first.siteId + '/' + first.podId);
    if (!pod) return 1;
    const D = pod.system.scaleUpDomainGpus;
    let g = 0;
    for (const p of alloc.parts) g = gcd(g, p.gpus);
    const eff = Math.min(D, pow2Floor(g));
    const key = `${modelId}|${alloc.gpus}|${alloc.spread}|${eff}|${alloc.sites.length}|${alloc.sites.length > 1 ? alloc.sites.join(',') : ''}|${wanFactor}|${first.siteId}/${first.podId}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const f = this.compute(modelId, alloc, pod, eff, wanFactor);
    this.cache.set(key, f);
    return f;
  }

  private compute(modelId: string, alloc: Allocation, pod: Pod, eff: number, wanFactor: number): number {
    const model = this.model(modelId);
    if (!model) {
      this.fallbacks++;
      return 1;
    }
    const base = tiersForPod(pod);
    const gpus = alloc.gpus;
    const idealPlan = planFor(model, gpus, base.scaleUpDomainGpus);
    const actualPlan = planFor(model, gpus, eff);
    if (checkPlan(model, idealPlan).length || checkPlan(model, actualPlan).length) {
      this.fallbacks++;
      return 1;
    }
    const actualTiers: SystemTiers = { ...base, scaleUpDomainGpus: eff };
    if (alloc.spread === 'site' || alloc.spread === 'multi-site') {
      actualTiers.oversubscription = Math.max(base.oversubscription, CROSS_POD_OVERSUBSCRIPTION);
      actualTiers.fullBisectionGpus = Math.min(base.fullBisectionGpus, pod.gpus);
    }
    let wan: { tier: ReturnType<typeof wanTier>; dpSites: number; ppSites: number } | undefined;
    if (alloc.sites.length > 1) {
      let slowest: WanLink | undefined;
      for (let i = 1; i < alloc.sites.length; i++) {
        const l = this.link(alloc.sites[0], alloc.sites[i]);
        if (!l) {
          this.fallbacks++;
          return 0.01; // no link between the sites: effectively stalled
        }
        if (!slowest || l.capacityGbps < slowest.capacityGbps) slowest = l;
      }
      if (!slowest) return 1;
      wan = { tier: wanTier({ capacityGbps: slowest.capacityGbps * Math.max(1e-6, wanFactor), latencyMs: slowest.latencyMs }), dpSites: alloc.sites.length, ppSites: 1 };
    }
    try {
      this.evaluations += 2;
      const ideal = estimateWithTiers(model, base, idealPlan).stepTimeSeconds;
      const actual = estimateWithTiers(model, actualTiers, actualPlan, wan ? { wan } : {}).stepTimeSeconds;
      if (!(ideal > 0) || !(actual > 0)) {
        this.fallbacks++;
        return 1;
      }
      return Math.max(0.01, Math.min(1, ideal / actual));
    } catch {
      this.fallbacks++;
      return 1;
    }
  }
}
