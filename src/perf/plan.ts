// A plan with every optional knob filled in, and where each parallel group lands on the network tiers.
import { torusTier } from './torus.js';
import type { ModelSpec, NetworkTier, Plan, Precision, SystemTiers } from './types.js';

export interface NormalizedPlan {
  gpus: number;
  tp: number;
  pp: number;
  dp: number;
  cp: number;
  ep: number;
  etp: number;
  vpp: number;
  mbs: number;
  gbs: number;
  seq: number;
  recompute: 'none' | 'selective' | 'full';
  sequenceParallel: boolean;
  zero: 0 | 1 | 2 | 3;
  precision: Precision;
  offloadLayers: number;
}

export function normalizePlan(plan: Plan, model: ModelSpec): NormalizedPlan {
  return {
    gpus: plan.gpus,
    tp: plan.tp,
    pp: plan.pp,
    dp: plan.dp,
    cp: plan.cp ?? 1,
    ep: plan.ep ?? 1,
    etp: plan.etp ?? plan.tp,
    vpp: plan.vpp ?? 1,
    mbs: plan.mbs,
    gbs: plan.gbs,
    seq: plan.seq ?? model.seqLength,
    recompute: plan.recompute ?? 'none',
    sequenceParallel: plan.sequenceParallel ?? false,
    zero: plan.zero ?? 1,
    precision: plan.precision ?? 'bf16',
    offloadLayers: plan.offloadLayers ?? 0,
  };
}

/** Tokens of one micro-batch on one GPU (context parallelism splits the sequence). */
export function microBatchTokens(p: NormalizedPlan): number {
  return (p.mbs * p.seq) / p.cp;
}

/** The tier a parallel group uses: inside the scale-up domain if the group's span fits in it. */
export function groupTier(spanGpus: number, tiers: SystemTiers): NetworkTier {
  if (spanGpus > tiers.scaleUpDomainGpus) return tiers.scaleOut;
  return tiers.torus ? torusTier(spanGpus, tiers.torus, tiers.scaleUp.efficiency) : tiers.scaleUp;
}

/** As groupTier, and traffic leaving a full-bisection group shares the oversubscribed uplinks. */
export function scaleOutForSpan(spanGpus: number, tiers: SystemTiers): NetworkTier {
  if (spanGpus <= tiers.scaleUpDomainGpus) return groupTier(spanGpus, tiers);
  if (spanGpus <= tiers.fullBisectionGpus || tiers.oversubscription <= 1) return tiers.scaleOut;
  return { ...tiers.scaleOut, bandwidthGbps: tiers.scaleOut.bandwidthGbps / tiers.oversubscription };
}
