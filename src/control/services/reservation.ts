// The one GPU reservation the job scheduler and the service manager share (issue 15). Both hand out a site's free
// GPUs: the scheduler's pass reads the replica rows, decides and commits its starts; the manager reads the active
// jobs, checks a replica's fit and writes its row. Each runs under `exclusive`, one at a time, so each sees what the
// other committed (before, a job and a replica decided in the same ~500 ms could both take the same GPUs).
// One per store in this process: both loops run in the leader's process and are handed the same store.
// It also holds the GPUs of jobs being lent to a service (loans.ts) from their suspension until the replica's row
// holds them, so that no other queued job takes them in between.
import type { GpuHold } from './gpu-holds.js';

export class GpuReservation {
  private tail: Promise<void> = Promise.resolve();
  /** The GPUs a loan will take, by the lending job's id (the scheduler applies one once that job is not active). */
  readonly loans = new Map<string, GpuHold>();

  /** Runs `fn` when no other holder runs (first come, first served); the next waits for it to settle. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

const byStore = new WeakMap<object, GpuReservation>();

/** The reservation of the GPUs a store's jobs and replicas hold (created on first use). */
export function reservationOf(store: object): GpuReservation {
  let r = byStore.get(store);
  if (!r) byStore.set(store, (r = new GpuReservation()));
  return r;
}
