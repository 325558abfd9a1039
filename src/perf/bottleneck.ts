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

/** The nine parts' seconds of the current call: one buffer reused, no array per estimate (single-threaded, pure). */
const PART_SECONDS = new Float64Array(9);

export function describeBottleneck(
  step: number,
  b: Breakdown,
  memoryGiB: number,
  hbmGiB: number,
  tpInsideDomain = true,
): string {
  if (memoryGiB > hbmGiB) {
    return `does not fit: needs ${fixed1(memoryGiB)} GiB per GPU of ${fixed1(hbmGiB)} GiB; raise tp/pp, recompute, or ZeRO stage`;
  }
  const s = PART_SECONDS;
  s[0] = b.computeSeconds;
  s[1] = b.tpCommSeconds;
  s[2] = b.cpCommSeconds;
  s[3] = b.epCommSeconds;
  s[4] = b.pipelineBubbleSeconds;
  s[5] = b.ppCommSeconds;
  s[6] = b.dpCommExposedSeconds;
  s[7] = b.wanCommExposedSeconds;
  s[8] = b.optimizerSeconds;
  // The largest part and the next, ties to the earlier part, in one pass: what a stable sort by seconds, largest
  // first, puts first and second (this runs for every estimate, so no sort). NaN breaks that order: sort then.
  if (Number.isNaN(s[0])) return bySort(step, Array.from(s), tpInsideDomain);
  let first = 0;
  let second = -1;
  for (let i = 1; i < 9; i++) {
    const x = s[i];
    if (Number.isNaN(x)) return bySort(step, Array.from(s), tpInsideDomain);
    if (x > s[first]) {
      second = first;
      first = i;
    } else if (second < 0 || x > s[second]) second = i;
  }
  return phrase(first, second, shares(step, first, s[first]), shares(step, first, s[second], true), tpInsideDomain);
}

/** The order of a stable sort by seconds, largest first (the reference the fast path is tested against). */
export function bottleneckBySort(step: number, b: Breakdown, tpInsideDomain = true): string {
  return bySort(step, partSeconds(b), tpInsideDomain);
}

function bySort(step: number, seconds: number[], tpInsideDomain: boolean): string {
  const order = seconds.map((_, i) => i).sort((x, y) => seconds[y] - seconds[x]);
  const [first, second] = order;
  return phrase(
    first,
    second,
    shares(step, first, seconds[first]),
    shares(step, first, seconds[second], true),
    tpInsideDomain,
  );
}

/** "0" to "100", written once: number-to-text conversion was a tenth of an estimate's time. */
const PERCENT_TEXT = Array.from({ length: 101 }, (_, i) => String(i));

/** Whole percent, as toFixed(0) writes a non-negative share (half up), without its cost on every estimate. */
function wholePercent(x: number): string {
  const r = Math.round(x);
  return r >= 0 && r <= 100 ? PERCENT_TEXT[r] : String(r);
}

/** The digits 0 to 9 as text. */
const DIGIT_TEXT = PERCENT_TEXT.slice(0, 10);

/**
 * x.toFixed(1), without its cost (a runtime call of about 0.2 us; a plan that does not fit needs two) for 0 <= x < 1e8;
 * other values take toFixed itself. As toFixed does: the integer nearest the exact 10x, ties to the larger. 10x is the
 * exact sum s + err of two exact products (8x, 2x) and their rounding error (TwoSum); s - floor(s) is exact below 2^52.
 */
export function fixed1(x: number): string {
  if (!(x >= 0 && x < 1e8)) return x.toFixed(1);
  const eight = x * 8;
  const two = x * 2;
  const s = eight + two;
  const twoPart = s - eight;
  const err = eight - (s - twoPart) + (two - twoPart);
  let tenths = Math.floor(s);
  const frac = s - tenths;
  // frac - 0.5 is exact from 0.25 up; below that |err| (at most half an ulp of s) cannot reach the half.
  if (frac >= 0.25 && frac - 0.5 + err >= 0) tenths++;
  const whole = Math.floor(tenths / 10);
  return `${whole}.${DIGIT_TEXT[tenths - whole * 10]}`;
}

/**
 * Phrases already written, by (parts, whole percents, fix set): the same few recur over a planner search. A
 * direct-mapped table (a key and its text per slot; a colliding key writes its own text over the slot): bounded, and
 * a hit costs one multiply and two reads instead of a Map lookup.
 */
const PHRASE_SLOTS = 4096;
const PHRASE_KEYS = new Int32Array(PHRASE_SLOTS).fill(-1);
const PHRASE_TEXTS: string[] = new Array<string>(PHRASE_SLOTS).fill('');

/** Whole percent of the step; the next part's share is only said (and kept) when compute comes first. */
function shares(step: number, first: number, seconds: number, next = false): number {
  return next && first !== 0 ? 0 : Math.round((100 * seconds) / step);
}

function phrase(first: number, second: number, share: number, secondShare: number, tpInsideDomain: boolean): string {
  const fix = tpInsideDomain ? FIXES_INSIDE : FIXES_ACROSS;
  const cacheable = share >= 0 && share <= 100 && secondShare >= 0 && secondShare <= 100;
  // Distinct for every cacheable (first, second, share, secondShare, fix): each field fits its bits.
  const key =
    (((first * 16 + (first === 0 ? second : 0)) * 128 + share) * 128 + secondShare) * 2 +
    (fix === FIXES_INSIDE ? 1 : 0);
  const slot = Math.imul(key, 0x9e3779b1) >>> 20;
  if (cacheable && PHRASE_KEYS[slot] === key) return PHRASE_TEXTS[slot];
  const text =
    first === 0
      ? `compute-bound (${wholePercent(share)}% of the step is math); next: ${NAMES[second]} ${wholePercent(secondShare)}% (${fix[second]})`
      : `${NAMES[first]} takes ${wholePercent(share)}% of the step: ${fix[first]}`;
  if (cacheable) {
    PHRASE_KEYS[slot] = key;
    PHRASE_TEXTS[slot] = text;
  }
  return text;
}
