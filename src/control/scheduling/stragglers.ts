// Straggler parts, two rules, each part flagged once per attempt (whichever rule fires first):
// - fastest-part: its compute time per step persistently above the fastest part's (ratio > STRAGGLER_RATIO for
//   STRAGGLER_REPORTS reports in a row). Compute time, not step time: a synchronous gang's step waits for its
//   slowest part, so every part reports the same step time.
// - plan: its compute time persistently above what the plan predicts, calibrated once per attempt: the plan's
//   step time x the lowest measured/predicted ratio of the run's first BASELINE_REPORTS reports (any part).
//   ASSUMPTION: a run starts healthy; the calibration absorbs a deployment whose slots are not the fabric's GPUs
//   (CPU processes standing in for GPUs: examples/deploy), and is ~1 where the perf model matches the hardware.
//   This catches what the first rule cannot: a one-site job, or every part slowing down together.
// Pure: fed the reports, returns what to flag.

/** A part this much slower than the reference is a straggler (assumption: 1.5x is well beyond noise here). */
export const STRAGGLER_RATIO = 1.5;
/** Consecutive slow reports before flagging (one report per second at most: about 5 s). */
export const STRAGGLER_REPORTS = 5;
/** Reports (all parts together) that calibrate the plan's prediction at the start of an attempt. */
export const BASELINE_REPORTS = 5;

export type Straggler =
  | {
      reference: 'fastest-part';
      site: string;
      seconds: number;
      fastestSite: string;
      fastestSeconds: number;
      ratio: number;
    }
  | {
      reference: 'plan';
      site: string;
      seconds: number;
      /** The plan's step time (s) and the calibrated expectation (plan x the run's starting ratio). */
      planSeconds: number;
      expectedSeconds: number;
      calibration: number;
      ratio: number;
    };

interface JobWatch {
  attempt: number;
  latest: Map<string, number>;
  slowRuns: Map<string, number>;
  planRuns: Map<string, number>;
  early: number[];
  calibration: number | null;
  flagged: Set<string>;
}

export class StragglerWatch {
  private readonly jobs = new Map<string, JobWatch>();

  /**
   * One report of a part's compute seconds per step (and the plan's step time, when the job has a plan); a
   * straggler the first time it qualifies, else null.
   */
  observe(
    jobId: string,
    attempt: number,
    site: string,
    seconds: number,
    planSeconds?: number | null,
  ): Straggler | null {
    let w = this.jobs.get(jobId);
    if (!w || w.attempt !== attempt) {
      w = {
        attempt,
        latest: new Map(),
        slowRuns: new Map(),
        planRuns: new Map(),
        early: [],
        calibration: null,
        flagged: new Set(),
      };
      this.jobs.set(jobId, w);
      if (this.jobs.size > 10_000) this.jobs.clear(); // bounded: at worst a straggler is flagged late
    }
    w.latest.set(site, seconds);
    const byFastest = this.againstFastest(w, site, seconds);
    const byPlan = planSeconds && planSeconds > 0 ? this.againstPlan(w, site, seconds, planSeconds) : null;
    const s = byFastest ?? byPlan;
    if (!s || w.flagged.has(site)) return null;
    w.flagged.add(site);
    return s;
  }

  private againstFastest(w: JobWatch, site: string, seconds: number): Straggler | null {
    if (w.latest.size < 2) return null;
    let fastestSite = site;
    let fastestSeconds = seconds;
    for (const [s, x] of w.latest) if (x < fastestSeconds) [fastestSite, fastestSeconds] = [s, x];
    const ratio = fastestSeconds > 0 ? seconds / fastestSeconds : 1;
    const runs = ratio > STRAGGLER_RATIO ? (w.slowRuns.get(site) ?? 0) + 1 : 0;
    w.slowRuns.set(site, runs);
    if (runs < STRAGGLER_REPORTS) return null;
    return { reference: 'fastest-part', site, seconds, fastestSite, fastestSeconds, ratio };
  }

  private againstPlan(w: JobWatch, site: string, seconds: number, planSeconds: number): Straggler | null {
    if (w.calibration === null) {
      w.early.push(seconds / planSeconds);
      if (w.early.length >= BASELINE_REPORTS) w.calibration = Math.min(...w.early);
      return null;
    }
    const expectedSeconds = planSeconds * w.calibration;
    const ratio = seconds / expectedSeconds;
    const runs = ratio > STRAGGLER_RATIO ? (w.planRuns.get(site) ?? 0) + 1 : 0;
    w.planRuns.set(site, runs);
    if (runs < STRAGGLER_REPORTS) return null;
    return { reference: 'plan', site, seconds, planSeconds, expectedSeconds, calibration: w.calibration, ratio };
  }
}
