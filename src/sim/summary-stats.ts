// The job half of the run summary in one pass: running sums in job order (the order the summary always summed in)
// and the JCT and queueing delays in typed arrays, sorted once. A million-job run summarises its jobs without
// keeping a million JobResult objects (issue 12 scale); metrics.ts turns these sums into the summary's fields.
import type { JobResult } from './metrics.js';

/** The fields of a job result the summary reads. */
export type JobStatsInput = Pick<
  JobResult,
  | 'tenant'
  | 'gpus'
  | 'status'
  | 'durationS'
  | 'jctS'
  | 'queueS'
  | 'slowdown'
  | 'gpuSeconds'
  | 'ettr'
  | 'lostGpuSeconds'
  | 'restartGpuSeconds'
  | 'interruptions'
  | 'preemptions'
  | 'energyKWh'
  | 'emissionsKg'
  | 'costUsd'
>;

/** Per tenant, in job order: GPU-seconds held, finished jobs and the sum of their JCTs (h). */
export interface TenantSums {
  gpuS: number;
  finished: number;
  jctHSum: number;
}

export class JobStatsAccumulator {
  jobs = 0;
  finished = 0;
  rejected = 0;
  /** Useful GPU-seconds (duration x GPUs of finished jobs), lost and restart GPU-seconds, GPU-seconds held. */
  usefulGpuS = 0;
  lostGpuS = 0;
  restartGpuS = 0;
  heldGpuS = 0;
  /** Sums over finished jobs (slowdown; ETTR where defined, and how many). */
  slowdownSum = 0;
  ettrSum = 0;
  ettrCount = 0;
  interruptions = 0;
  preemptions = 0;
  energyKWh = 0;
  emissionsKg = 0;
  costUsd = 0;
  readonly tenants = new Map<string, TenantSums>();
  private jctH: Float64Array;
  private jctN = 0;
  private queueH: Float64Array;
  private queueN = 0;

  constructor(expectedJobs: number) {
    this.jctH = new Float64Array(Math.max(16, expectedJobs));
    this.queueH = new Float64Array(Math.max(16, expectedJobs));
  }

  add(j: JobStatsInput): void {
    this.jobs++;
    let t = this.tenants.get(j.tenant);
    if (!t) this.tenants.set(j.tenant, (t = { gpuS: 0, finished: 0, jctHSum: 0 }));
    t.gpuS += j.gpuSeconds;
    if (j.status === 'finished') {
      this.finished++;
      const h = j.jctS! / 3600;
      if (this.jctN === this.jctH.length) this.jctH = grow(this.jctH);
      this.jctH[this.jctN++] = h;
      t.finished++;
      t.jctHSum += h;
      this.usefulGpuS += j.durationS * j.gpus;
      this.slowdownSum += j.slowdown!;
      if (j.ettr !== null) {
        this.ettrSum += j.ettr;
        this.ettrCount++;
      }
    } else if (j.status === 'rejected') this.rejected++;
    if (j.queueS !== null) {
      if (this.queueN === this.queueH.length) this.queueH = grow(this.queueH);
      this.queueH[this.queueN++] = j.queueS / 3600;
    }
    this.lostGpuS += j.lostGpuSeconds;
    this.restartGpuS += j.restartGpuSeconds;
    this.heldGpuS += j.gpuSeconds;
    this.interruptions += j.interruptions;
    this.preemptions += j.preemptions;
    this.energyKWh += j.energyKWh;
    this.emissionsKg += j.emissionsKg;
    this.costUsd += j.costUsd;
  }

  /** Finished jobs' JCTs (h), ascending. */
  sortedJctH(): Float64Array {
    return this.jctH.subarray(0, this.jctN).sort();
  }

  /** Queueing delays (h) of every job that started, ascending. */
  sortedQueueH(): Float64Array {
    return this.queueH.subarray(0, this.queueN).sort();
  }
}

function grow(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length * 2);
  y.set(x);
  return y;
}

/** Mean in the array's order (0 when empty): the same sum, term by term, as reduce from 0. */
export function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
}
