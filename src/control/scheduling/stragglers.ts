// Straggler parts: a gang part whose trainer reports its compute time per step persistently above the
// fastest part's (ratio > STRAGGLER_RATIO for STRAGGLER_REPORTS reports in a row) is flagged once per
// attempt. Compute time, not step time: a synchronous gang's step waits for its slowest part, so every
// part reports the same step time. Pure: fed the reports, returns what to flag.

/** A part this much slower than the fastest one is a straggler (assumption: 1.5x is well beyond noise here). */
export const STRAGGLER_RATIO = 1.5;
/** Consecutive slow reports before flagging (one report per second at most: about 5 s). */
export const STRAGGLER_REPORTS = 5;

export interface Straggler {
  site: string;
  seconds: number;
  fastestSite: string;
  fastestSeconds: number;
  ratio: number;
}

interface JobWatch {
  attempt: number;
  latest: Map<string, number>;
  slowRuns: Map<string, number>;
  flagged: Set<string>;
}

export class StragglerWatch {
  private readonly jobs = new Map<string, JobWatch>();

  /** One report of a part's compute seconds per step; a straggler the first time it qualifies, else null. */
  observe(jobId: string, attempt: number, site: string, seconds: number): Straggler | null {
    let w = this.jobs.get(jobId);
    if (!w || w.attempt !== attempt) {
      w = { attempt, latest: new Map(), slowRuns: new Map(), flagged: new Set() };
      this.jobs.set(jobId, w);
      if (this.jobs.size > 10_000) this.jobs.clear(); // bounded: at worst a straggler is flagged late
    }
    w.latest.set(site, seconds);
    if (w.latest.size < 2) return null;
    let fastestSite = site;
    let fastestSeconds = seconds;
    for (const [s, x] of w.latest) if (x < fastestSeconds) [fastestSite, fastestSeconds] = [s, x];
    const ratio = fastestSeconds > 0 ? seconds / fastestSeconds : 1;
    const runs = ratio > STRAGGLER_RATIO ? (w.slowRuns.get(site) ?? 0) + 1 : 0;
    w.slowRuns.set(site, runs);
    if (runs < STRAGGLER_REPORTS || w.flagged.has(site)) return null;
    w.flagged.add(site);
    return { site, seconds, fastestSite, fastestSeconds, ratio };
  }
}
