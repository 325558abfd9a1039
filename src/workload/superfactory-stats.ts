// Per-class figures of a replayed mix (queueing p50/p95, jobs never started, GPU-hours held), from the twin's
// per-job results.
// Structural input, so this folder does not import the simulator (the layer above it).
import { classOfJobId } from './superfactory.js';

export interface ReplayedJob {
  id: string;
  gpus: number;
  /** Queueing before the first start (s); null when the job never started. */
  queueS: number | null;
  /** GPU-seconds the job held (lost and restart time included). */
  gpuSeconds: number;
}

export interface ClassStats {
  jobs: number;
  /** Jobs that never started before the run ended. */
  neverStarted: number;
  /** Queueing quantiles over the started jobs (hours). */
  queueP50Hours: number;
  queueP95Hours: number;
  queueMeanHours: number;
  /** GPU-hours the class's jobs held, started or not (a job never started holds none). */
  gpuHoursHeld: number;
}

/** Nearest-rank quantile of sorted values (0 for none). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Queueing by class (the id's prefix: `eval-12` is class eval), classes in first-seen order. */
export function classStats(jobs: readonly ReplayedJob[]): Map<string, ClassStats> {
  const queues = new Map<string, { q: number[]; n: number; gpuS: number }>();
  for (const j of jobs) {
    const c = classOfJobId(j.id);
    let e = queues.get(c);
    if (!e) queues.set(c, (e = { q: [], n: 0, gpuS: 0 }));
    e.n++;
    e.gpuS += j.gpuSeconds;
    if (j.queueS !== null) e.q.push(j.queueS / 3600);
  }
  const out = new Map<string, ClassStats>();
  for (const [c, e] of queues) {
    const s = e.q.sort((a, b) => a - b);
    out.set(c, {
      jobs: e.n,
      neverStarted: e.n - s.length,
      queueP50Hours: quantile(s, 0.5),
      queueP95Hours: quantile(s, 0.95),
      queueMeanHours: s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0,
      gpuHoursHeld: e.gpuS / 3600,
    });
  }
  return out;
}
