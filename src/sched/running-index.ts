// Running jobs kept sorted by expected end, maintained by a caller that starts and ends jobs one at a time (the
// simulator). With it, the EASY backfill reservation (backfill.ts) walks only the jobs that end before the head can
// start instead of filtering and sorting every running job in every pass (issue 12: the sort was most of a
// 10,000-job fairwater run).
import type { RunningJob } from './types.js';

/**
 * The running jobs with a finite expected end, ascending. The caller tells it about every start, end and change of
 * `expectedEndS`, so that it always holds exactly the finite-end jobs of its `running`. Changes are buffered and
 * merged in only when `sorted` is read (O(changes log changes + size)): a lightly loaded cluster never needs it, a
 * congested one reads it about once per scheduling pass.
 */
export class RunningByEnd {
  private list: RunningJob[] = [];
  private readonly pending = new Set<RunningJob>();
  private readonly dead = new Set<RunningJob>();
  private readonly inList = new Set<RunningJob>();

  /** Sorted view (do not mutate; valid until the next change). */
  get sorted(): readonly RunningJob[] {
    if (this.pending.size > 0 || this.dead.size > 0) this.merge();
    return this.list;
  }

  get size(): number {
    return this.inList.size - this.dead.size + this.pending.size;
  }

  /** Add a job at its current `expectedEndS` (an infinite end is not kept). */
  add(rj: RunningJob): void {
    if (Number.isFinite(rj.expectedEndS)) this.pending.add(rj);
  }

  /** Remove a job (a no-op when it is not there). */
  remove(rj: RunningJob): void {
    if (this.pending.delete(rj)) return;
    if (this.inList.has(rj)) this.dead.add(rj);
  }

  /** Set a job's expected end and move it (it may be new: an infinite old end). */
  setEnd(rj: RunningJob, endS: number): void {
    this.remove(rj);
    rj.expectedEndS = endS;
    this.add(rj);
  }

  private merge(): void {
    const adds = [...this.pending].sort((a, b) => a.expectedEndS - b.expectedEndS);
    const out: RunningJob[] = [];
    let j = 0;
    for (const r of this.list) {
      if (this.dead.has(r)) {
        this.inList.delete(r);
        continue;
      }
      while (j < adds.length && adds[j].expectedEndS < r.expectedEndS) out.push(adds[j++]);
      out.push(r);
    }
    while (j < adds.length) out.push(adds[j++]);
    for (const r of adds) this.inList.add(r);
    this.list = out;
    this.pending.clear();
    this.dead.clear();
  }
}
