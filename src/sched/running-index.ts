// Running jobs kept sorted by expected end, maintained by a caller that starts and ends jobs one at a time (the
// simulator). With it, the EASY backfill reservation (backfill.ts) walks only the jobs that end before the head can
// start instead of filtering and sorting every running job in every pass (issue 12: the sort was most of a
// 10,000-job fairwater run).
import type { RunningJob } from './types.js';

/** Index of the first entry whose end is >= endS (strict: > endS). */
function bound(list: readonly RunningJob[], endS: number, strict: boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = list[mid].expectedEndS;
    if (e < endS || (strict && e === endS)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The running jobs with a finite expected end, ascending (ties in insertion order). The caller tells it about every
 * start, end and change of `expectedEndS`, so that it always holds exactly the finite-end jobs of its `running`.
 */
export class RunningByEnd {
  private readonly list: RunningJob[] = [];

  /** Sorted view (do not mutate). */
  get sorted(): readonly RunningJob[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Add a job at its current `expectedEndS` (an infinite end is not kept). */
  add(rj: RunningJob): void {
    if (!Number.isFinite(rj.expectedEndS)) return;
    this.list.splice(bound(this.list, rj.expectedEndS, true), 0, rj);
  }

  /** Remove a job; `endS` is the end it was added with (default its current one). False when it was not there. */
  remove(rj: RunningJob, endS: number = rj.expectedEndS): boolean {
    if (!Number.isFinite(endS)) return false;
    for (let i = bound(this.list, endS, false); i < this.list.length && this.list[i].expectedEndS <= endS; i++) {
      if (this.list[i] === rj) {
        this.list.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** Set a job's expected end and move it (it may be new: an infinite old end). */
  setEnd(rj: RunningJob, endS: number): void {
    this.remove(rj);
    rj.expectedEndS = endS;
    this.add(rj);
  }
}
