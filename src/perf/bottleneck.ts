// The bottleneck of a step in words: the largest part of the step and the knob that shrinks it.
import type { Estimate } from './types.js';

type Breakdown = Estimate['breakdown'];

const NAMES = [
  'compute',
  'tensor-parallel communication',
  'context-parallel communication',
  'expert-parallel all-to-all',
  'pipeline bubble',
  'pipeline send/recv',
  'exposed data-parallel communication',
  'exposed WAN communication',
  'optimizer step',
] as const;

function fixes(tpInsideDomain: boolean): string[] {
  return [
    'larger GEMMs (bigger micro-batch, less TP) or faster GPUs',
    tpInsideDomain
      ? 'lower TP (more PP or CP), or overlap TP communication with GEMMs'
      : 'TP crosses the scale-up domain: keep TP inside it',
    'lower CP or keep it inside the scale-up domain',
    'keep EP inside the scale-up domain, or lower EP',
    'more micro-batches (larger global batch), interleaving (vpp) or lower PP',
    'fewer stages or more scale-out bandwidth',
    'more scale-out bandwidth, ZeRO-1 with overlap, or a larger batch per step',
    'more WAN capacity, or local-SGD (DiLoCo) across sites',
    'shard the optimizer (ZeRO-1/distributed optimizer)',
  ];
}
const FIXES_INSIDE = fixes(true);
const FIXES_ACROSS = fixes(false);

function partSeconds(b: Breakdown): number[] {
  return [
    b.computeSeconds,
    b.tpCommSeconds,
    b.cpCommSeconds,
    b.epCommSeconds,
    b.pipelineBubbleSeconds,
    b.ppCommSeconds,
    b.dpCommExposedSeconds,
    b.wanCommExposedSeconds,
    b.optimizerSeconds,
  ];
}

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
  const seconds = partSeconds(b);
  // The largest part and the next, ties to the earlier part: what a stable sort by seconds, largest first, puts
  // first and second (this runs for every estimate, so no sort). NaN breaks that order: sort as before then.
  let first = -1;
  for (let i = 0; i < seconds.length; i++) {
    if (Number.isNaN(seconds[i])) return bySort(step, seconds, tpInsideDomain);
    if (first < 0 || seconds[i] > seconds[first]) first = i;
  }
  let second = -1;
  for (let i = 0; i < seconds.length; i++) if (i !== first && (second < 0 || seconds[i] > seconds[second])) second = i;
  return phrase(step, first, second, seconds, tpInsideDomain ? FIXES_INSIDE : FIXES_ACROSS);
}

/** The order of a stable sort by seconds, largest first (the reference the fast path is tested against). */
export function bottleneckBySort(step: number, b: Breakdown, tpInsideDomain = true): string {
  return bySort(step, partSeconds(b), tpInsideDomain);
}

function bySort(step: number, seconds: number[], tpInsideDomain: boolean): string {
  const order = seconds.map((_, i) => i).sort((x, y) => seconds[y] - seconds[x]);
  return phrase(step, order[0], order[1], seconds, tpInsideDomain ? FIXES_INSIDE : FIXES_ACROSS);
}

/** "0" to "100", written once: number-to-text conversion was a tenth of an estimate's time. */
const PERCENT_TEXT = Array.from({ length: 101 }, (_, i) => String(i));

/** Whole percent, as toFixed(0) writes a non-negative share (half up), without its cost on every estimate. */
function wholePercent(x: number): string {
  const r = Math.round(x);
  return r >= 0 && r <= 100 ? PERCENT_TEXT[r] : String(r);
}

/** Phrases already written, by (parts, whole percents, fix set): the same few recur over a planner search. Bounded. */
const PHRASES = new Map<number, string>();
const MAX_PHRASES = 4096;

function phrase(step: number, first: number, second: number, seconds: number[], fix: string[]): string {
  const share = Math.round((100 * seconds[first]) / step);
  const secondShare = first === 0 ? Math.round((100 * seconds[second]) / step) : 0;
  const cacheable = share >= 0 && share <= 100 && secondShare >= 0 && secondShare <= 100;
  const key =
    (((first * 16 + (first === 0 ? second : 0)) * 128 + share) * 128 + secondShare) * 2 +
    (fix === FIXES_INSIDE ? 1 : 0);
  if (cacheable) {
    const known = PHRASES.get(key);
    if (known !== undefined) return known;
  }
  const text =
    first === 0
      ? `compute-bound (${wholePercent(share)}% of the step is math); next: ${NAMES[second]} ${wholePercent(secondShare)}% (${fix[second]})`
      : `${NAMES[first]} takes ${wholePercent(share)}% of the step: ${fix[first]}`;
  if (cacheable && PHRASES.size < MAX_PHRASES) PHRASES.set(key, text);
  return text;
}
