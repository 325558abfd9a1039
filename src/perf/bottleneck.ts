// The bottleneck of a step in words: the largest part of the step and the knob that shrinks it.
import type { Estimate } from './types.js';

type Breakdown = Estimate['breakdown'];

export function describeBottleneck(
  step: number,
  b: Breakdown,
  memoryGiB: number,
  hbmGiB: number,
  tpInsideDomain = true,
): string {
  if (memoryGiB > hbmGiB) {
    return `does not fit: needs ${memoryGiB.toFixed(1)} GiB per GPU of ${hbmGiB.toFixed(1)} GiB; raise tp/pp, recompute, or ZeRO stage`;
  }
  const parts: Array<[string, number, string]> = [
    ['compute', b.computeSeconds, 'larger GEMMs (bigger micro-batch, less TP) or faster GPUs'],
    [
      'tensor-parallel communication',
      b.tpCommSeconds,
      tpInsideDomain
        ? 'lower TP (more PP or CP), or overlap TP communication with GEMMs'
        : 'TP crosses the scale-up domain: keep TP inside it',
    ],
    ['context-parallel communication', b.cpCommSeconds, 'lower CP or keep it inside the scale-up domain'],
    ['expert-parallel all-to-all', b.epCommSeconds, 'keep EP inside the scale-up domain, or lower EP'],
    [
      'pipeline bubble',
      b.pipelineBubbleSeconds,
      'more micro-batches (larger global batch), interleaving (vpp) or lower PP',
    ],
    ['pipeline send/recv', b.ppCommSeconds, 'fewer stages or more scale-out bandwidth'],
    [
      'exposed data-parallel communication',
      b.dpCommExposedSeconds,
      'more scale-out bandwidth, ZeRO-1 with overlap, or a larger batch per step',
    ],
    ['exposed WAN communication', b.wanCommExposedSeconds, 'more WAN capacity, or local-SGD (DiLoCo) across sites'],
    ['optimizer step', b.optimizerSeconds, 'shard the optimizer (ZeRO-1/distributed optimizer)'],
  ];
  parts.sort((x, y) => y[1] - x[1]);
  const [name, seconds, fix] = parts[0];
  const share = (100 * seconds) / step;
  if (name === 'compute') {
    const second = parts[1];
    const secondShare = (100 * second[1]) / step;
    return `compute-bound (${share.toFixed(0)}% of the step is math); next: ${second[0]} ${secondShare.toFixed(0)}% (${second[2]})`;
  }
  return `${name} takes ${share.toFixed(0)}% of the step: ${fix}`;
}
