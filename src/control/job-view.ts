// The leader's copy of the unfinished jobs (queued and active), kept up to date from the store's
// change feed: one full read when the view starts (or after `invalidate()`, e.g. on becoming leader),
// then on each refresh only the jobs written since the last one (`Store.jobsChangedSince`), whoever
// wrote them (this replica, the API of another replica, an admin tool). Lists stay in the store's
// order (job seq), as the scheduler's decisions depend on it.
import type { Job, JobState } from './domain.js';
import { ACTIVE_STATES } from './domain.js';
import type { Store } from './store/types.js';

/** Jobs by id, listed in seq order; the sorted list is rebuilt only when membership changes out of order. */
export class SeqOrderedJobs {
  private readonly byId = new Map<string, Job>();
  private sorted: Job[] | null = [];
  private readonly pos = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Job | undefined {
    return this.byId.get(id);
  }

  upsert(job: Job): void {
    const had = this.byId.has(job.id);
    this.byId.set(job.id, job);
    if (!this.sorted) return;
    if (had) {
      this.sorted[this.pos.get(job.id)!] = job;
    } else if (this.sorted.length === 0 || job.seq > this.sorted[this.sorted.length - 1].seq) {
      this.pos.set(job.id, this.sorted.length);
      this.sorted.push(job); // a new arrival: the common case
    } else this.sorted = null;
  }

  delete(id: string): void {
    if (this.byId.delete(id)) this.sorted = null;
  }

  clear(): void {
    this.byId.clear();
    this.sorted = [];
    this.pos.clear();
  }

  /** In seq order. The array is shared until the next change: do not mutate it. */
  list(): readonly Job[] {
    if (!this.sorted) {
      this.sorted = [...this.byId.values()].sort((a, b) => a.seq - b.seq);
      this.pos.clear();
      this.sorted.forEach((j, i) => this.pos.set(j.id, i));
    }
    return this.sorted;
  }
}

export interface RefreshStats {
  full: boolean;
  /** Rows read. */
  read: number;
  ms: number;
}

export class JobView {
  readonly queued = new SeqOrderedJobs();
  readonly active = new SeqOrderedJobs();
  private cursor = 0;
  private needFull = true;
  /** Full reads so far (tests, metrics). */
  fullReads = 0;

  constructor(private readonly store: Store) {}

  /** The next refresh reads everything again (leadership changed, or the view is suspect). */
  invalidate(): void {
    this.needFull = true;
  }

  async refresh(): Promise<RefreshStats> {
    const t0 = performance.now();
    if (this.needFull) {
      // the cursor first: a job written during the reads below comes back in the next refresh too
      const cursor = await this.store.jobChangeCursor();
      const queued = await this.readAll(['queued']);
      const active = await this.readAll([...ACTIVE_STATES]);
      this.queued.clear();
      this.active.clear();
      for (const j of queued) this.apply(j);
      for (const j of active) this.apply(j);
      this.cursor = cursor;
      this.needFull = false;
      this.fullReads++;
      return { full: true, read: queued.length + active.length, ms: performance.now() - t0 };
    }
    const r = await this.store.jobsChangedSince(this.cursor);
    for (const j of r.jobs) this.apply(j);
    this.cursor = r.cursor;
    return { full: false, read: r.jobs.length, ms: performance.now() - t0 };
  }

  /** Every job in these states, oldest first, page by page (the store caps one page). */
  private async readAll(states: JobState[]): Promise<Job[]> {
    const out: Job[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.store.listJobs({ states, limit: 100_000, order: 'oldest', cursor });
      for (const j of page.jobs) out.push(j);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Files a job as it stands now (a copy older than the one held is ignored). */
  apply(job: Job): void {
    const held = this.queued.get(job.id) ?? this.active.get(job.id);
    if (held && held.version > job.version) return;
    if (job.state === 'queued') {
      this.active.delete(job.id);
      this.queued.upsert(job);
    } else if (ACTIVE_STATES.includes(job.state)) {
      this.queued.delete(job.id);
      this.active.upsert(job);
    } else {
      this.queued.delete(job.id);
      this.active.delete(job.id);
    }
  }
}
