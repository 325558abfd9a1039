// Data-parallel gradient and parameter collectives inside a site (flat or two-level over NVLink then the NICs),
// how much of them the backward and forward passes hide, and the optimizer step.
import { bestCollectiveSeconds } from './collectives.js';
import { HBM_STREAM_EFFICIENCY } from './efficiency.js';
import type { ParameterCounts } from './flops.js';
import { expertDataParallelRanks, localDenseParameters, localExpertParameters } from './memory.js';
import type { PipelineTiming } from './pipeline.js';
import { scaleOutForSpan, type NormalizedPlan } from './plan.js';
import type { SystemTiers } from './types.js';

/** Megatron-LM reduces gradients in FP32 when training in BF16 (arguments.py: accumulate_allreduce_grads_in_fp32). */
export const DEFAULT_GRAD_REDUCE_BYTES = 4;
/** Megatron-LM DDP bucket: 40M parameters (distributed_data_parallel_config.bucket_size default). */
const DP_BUCKET_PARAMS = 40e6;
/** Adam step traffic per parameter it owns: read fp32 param, grad, m, v; write param, m, v; write bf16 copy. */
const ADAM_STEP_BYTES_PER_PARAM = 30;

/**
 * Seconds of the DP collectives of one step, nothing overlapped: gradient all-reduce (ZeRO-0) or reduce-scatter plus
 * parameter all-gather (ZeRO-1/2), and FSDP's gathers for every micro-batch (ZeRO-3). Expert gradients reduce over
 * the expert-data-parallel group. With `wanDpSites` > 1 only the in-site part is counted here (wan.ts does the rest).
 */
export function dataParallelSeconds(
  counts: ParameterCounts,
  p: NormalizedPlan,
  tiers: SystemTiers,
  gradReduceBytes: number,
  wanDpSites: number,
  microBatches: number,
): number {
  const t = p.tp;
  const localDense = localDenseParameters(counts.total, counts.expertParamsTotal, t, p.pp);
  const localExpert = localExpertParameters(counts.expertParamsTotal, p.etp, p.pp, p.ep);
  const localParams = localDense + localExpert;
  const dpRanks = p.dp * p.cp;
  const expertDpRanks = expertDataParallelRanks(t, dpRanks, p.ep, p.etp);
  const dpSpan = t * p.cp * p.dp;
  const dpTier = scaleOutForSpan(dpSpan, tiers);
  const gradBytes = localDense * gradReduceBytes;
  const expertGradBytes = localExpert * gradReduceBytes;
  const inSiteRanks = Math.max(1, Math.round(dpRanks / wanDpSites));
  // DP peers that share one scale-up domain: a two-level collective (NVLink first, then the NICs) may win.
  const localDp =
    dpSpan > tiers.scaleUpDomainGpus
      ? Math.max(1, Math.min(inSiteRanks, Math.floor(tiers.scaleUpDomainGpus / (t * p.cp))))
      : 1;
  const localExpertDp = Math.max(1, Math.min(localDp, Math.floor(expertDpRanks / wanDpSites)));
  const expertRanks = Math.max(1, expertDpRanks / wanDpSites);
  const up = tiers.scaleUp;
  if (p.zero === 0) {
    return (
      bestCollectiveSeconds('all-reduce', gradBytes, inSiteRanks, localDp, up, dpTier) +
      bestCollectiveSeconds('all-reduce', expertGradBytes, expertRanks, localExpertDp, up, dpTier)
    );
  }
  const gather = bestCollectiveSeconds('reduce-scatter', localParams * 2, inSiteRanks, localDp, up, dpTier);
  let seconds =
    bestCollectiveSeconds('reduce-scatter', gradBytes, inSiteRanks, localDp, up, dpTier) +
    bestCollectiveSeconds('reduce-scatter', expertGradBytes, expertRanks, localExpertDp, up, dpTier) +
    gather;
  // FSDP gathers parameters for forward and again for backward of every micro-batch.
  if (p.zero === 3) seconds += 2 * microBatches * gather;
  return seconds;
}

/**
 * What the passes do not hide: overlap runs during backward (reduce) and forward (gather) of a micro-batch, of every
 * micro-batch under FSDP; the last bucket always stays exposed.
 */
export function dataParallelExposedSeconds(
  dpSeconds: number,
  pipe: PipelineTiming,
  localParams: number,
  p: NormalizedPlan,
  microBatches: number,
  overlap: boolean,
): number {
  if (!overlap || dpSeconds <= 0) return dpSeconds;
  const minExposed = dpSeconds * Math.min(1, DP_BUCKET_PARAMS / Math.max(localParams, 1));
  return Math.max(
    minExposed,
    dpSeconds - (pipe.backwardWindowSeconds + pipe.forwardWindowSeconds) * (p.zero === 3 ? microBatches : 1),
  );
}

/** Adam over the parameters this GPU owns (ZeRO-1 and up: 1/dp of them), bound by HBM streaming. */
export function optimizerStepSeconds(localParams: number, p: NormalizedPlan, tiers: SystemTiers): number {
  const optimizerParams = p.zero >= 1 ? localParams / (p.dp * p.cp) : localParams;
  return (optimizerParams * ADAM_STEP_BYTES_PER_PARAM) / (tiers.gpu.hbmTBps * 1e12 * HBM_STREAM_EFFICIENCY);
}
