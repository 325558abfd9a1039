// An index of a pod's scale-up domains by free GPU count, for best-fit placement (issue 12 scale: a pod of 700
// NVL72 domains was scanned whole for every 1-GPU job). Kept beside the pod's `domainFree` array, keyed by that array,
// updated by the writers in state.ts (allocate, release, setFailedGpus, repairGpus: the only code that changes a
// domain's free count in place). A new array (cloneState, a caller's own state) gets its index on first use.
import type { PodState } from './types.js';

/** One bitset of domains per free count 0..maxFree, and how many domains each count has. */
class FreeIndex {
  /** 32-bit words per bitset. */
  private readonly words: number;
  private readonly bits: Int32Array;
  private readonly count: Int32Array;

  constructor(
    free: readonly number[],
    readonly maxFree: number,
  ) {
    this.words = Math.ceil(free.length / 32);
    this.bits = new Int32Array((maxFree + 1) * this.words);
    this.count = new Int32Array(maxFree + 1);
    for (let i = 0; i < free.length; i++) this.add(i, bucket(free[i]));
  }

  private add(domain: number, b: number): void {
    this.bits[b * this.words + (domain >>> 5)] |= 1 << (domain & 31);
    this.count[b]++;
  }

  /** Domain `domain`'s free count went from `from` to `to` (both already checked to lie in 0..maxFree or below 0). */
  move(domain: number, from: number, to: number): void {
    const a = bucket(from);
    const b = bucket(to);
    if (a === b) return;
    this.bits[a * this.words + (domain >>> 5)] &= ~(1 << (domain & 31));
    this.count[a]--;
    this.add(domain, b);
  }

  /** The first domain (lowest index) with the least free GPUs that still holds `gpus` (>= 1); -1: none. */
  bestFit(gpus: number): number {
    for (let f = gpus; f <= this.maxFree; f++) {
      if (this.count[f] === 0) continue;
      const base = f * this.words;
      for (let w = 0; w < this.words; w++) {
        const x = this.bits[base + w];
        if (x !== 0) return w * 32 + (31 - Math.clz32(x & -x));
      }
    }
    return -1;
  }
}

/** Counts at or below 0 share bucket 0: best fit never picks them (it asks for at least one GPU). */
function bucket(f: number): number {
  return f > 0 ? f : 0;
}

const indexes = new WeakMap<readonly number[], FreeIndex>();

/** Whether every free count is an integer no larger than `maxFree` (else the pod is scanned, unindexed). */
function indexable(free: readonly number[], maxFree: number): boolean {
  for (const f of free) if (!Number.isInteger(f) || f > maxFree) return false;
  return true;
}

/** The pod's index, built on first use (null: free counts the index cannot hold; the caller scans instead). */
function indexOf(pod: PodState): FreeIndex | null {
  const free = pod.domainFree;
  let ix = indexes.get(free);
  if (ix === undefined) {
    let maxFree = Math.max(1, pod.domainGpus);
    for (const c of pod.domainCapacity) if (c > maxFree) maxFree = c;
    if (!Number.isInteger(maxFree) || !indexable(free, maxFree)) return null;
    ix = new FreeIndex(free, maxFree);
    indexes.set(free, ix);
  }
  return ix;
}

/** Record that domain `domain` of `pod` went from `from` free GPUs to its current `domainFree` value. */
export function noteFreeChange(pod: PodState, domain: number, from: number): void {
  const free = pod.domainFree;
  const ix = indexes.get(free);
  if (ix === undefined) return;
  const to = free[domain];
  if (Number.isInteger(to) && to <= ix.maxFree) ix.move(domain, from, to);
  else indexes.delete(free); // out of the index's range (a caller's bug, reported by the writer): rebuilt or scanned
}

/** Best fit in one pod: the first domain with the least free GPUs that still holds `gpus` (-1: none). */
export function bestFitDomainOf(pod: PodState, gpus: number): number {
  const ix = gpus >= 1 && Number.isInteger(gpus) ? indexOf(pod) : null;
  return ix ? ix.bestFit(gpus) : bestFitScan(pod.domainFree, gpus);
}

/** The same rule by a walk over the domains (free counts the index does not hold, or a fractional request). */
export function bestFitScan(free: readonly number[], gpus: number): number {
  let best = -1;
  let bestFree = Infinity;
  for (let i = 0; i < free.length; i++) {
    const f = free[i];
    if (f >= gpus && f < bestFree) {
      best = i;
      bestFree = f;
      if (f === gpus) break;
    }
  }
  return best;
}
