// Straggler injection in the twin (issue 10): a scenario window `{ site, straggler, from, to }` multiplies the step
// time of every part on that site by `straggler`. A gang steps in lockstep, so a job's step is set by its slowest
// part: its speed is divided by the largest slowdown among its sites. Running jobs are re-rated at the window's
// edges (a new segment keeping progress and the last checkpoint); the summary lists each window and the jobs it
// slowed. State lives in WeakMaps keyed by the run's context: pure per run, nothing paid by runs without stragglers.
import type { SimContext } from './context.js';
import { beginSegment, closeSegment, progressOf } from './lifecycle.js';
import { runIndexOf } from './run.js';

/** One straggler window as the summary reports it. */
export interface StragglerReport {
  site: string;
  /** Step-time multiplier of the site's parts. */
  slowdown: number;
  fromS: number;
  toS: number;
  /** Jobs slowed by the window (a part on the site while it was active), sorted. */
  jobs: string[];
  /** Of those, the ones with parts on other sites too (the whole gang waited for this site). */
  crossSiteJobs: string[];
}

interface Active {
  site: string;
  slowdown: number;
  report: StragglerReport;
}

const active = new WeakMap<SimContext, Map<number, Active>>();
const reports = new WeakMap<SimContext, StragglerReport[]>();

/** The step-time multiplier of a gang on `sites` now: its slowest part's (1 without an active window). */
export function stragglerSlowdown(ctx: SimContext, sites: readonly string[]): number {
  const m = active.get(ctx);
  if (!m || m.size === 0) return 1;
  let f = 1;
  for (const a of m.values()) if (sites.includes(a.site)) f = Math.max(f, a.slowdown);
  return f;
}

/** Note that job `id` on `sites` runs under the active windows of its sites (called when a segment begins). */
export function noteStraggled(ctx: SimContext, id: string, sites: readonly string[]): void {
  const m = active.get(ctx);
  if (!m || m.size === 0) return;
  for (const a of m.values()) {
    if (!sites.includes(a.site) || a.slowdown === 1) continue;
    if (!a.report.jobs.includes(id)) a.report.jobs.push(id);
    if (sites.length > 1 && !a.report.crossSiteJobs.includes(id)) a.report.crossSiteJobs.push(id);
  }
}

/** Start or end straggler window `idxEvent` (site checked by the caller) and re-rate the jobs on its site. */
export function stragglerWindow(
  ctx: SimContext,
  idxEvent: number,
  se: { site: string; straggler: number; from: number; to: number },
  start: boolean,
): void {
  let m = active.get(ctx);
  if (!m) active.set(ctx, (m = new Map()));
  if (start) {
    const report: StragglerReport = {
      site: se.site,
      slowdown: se.straggler,
      fromS: se.from,
      toS: se.to,
      jobs: [],
      crossSiteJobs: [],
    };
    m.set(idxEvent, { site: se.site, slowdown: se.straggler, report });
    let l = reports.get(ctx);
    if (!l) reports.set(ctx, (l = []));
    l.push(report);
  } else m.delete(idxEvent);
  const affected: number[] = [];
  for (const rj of ctx.running) if (rj.allocation.sites.includes(se.site)) affected.push(runIndexOf(rj.job));
  affected.sort((x, y) => x - y);
  const t = ctx.now;
  for (const i of affected) {
    const r = ctx.runs[i];
    const { work, saved } = progressOf(r, t);
    const startupLeftS = Math.max(0, r.seg.startS + r.seg.startupS - t); // a restart under way keeps its rest
    closeSegment(ctx, r, t);
    beginSegment(ctx, i, t, startupLeftS, work, saved);
  }
}

/** The straggler windows that started, with the jobs they slowed; undefined when the scenario has none. */
export function stragglerReports(ctx: SimContext): StragglerReport[] | undefined {
  const l = reports.get(ctx);
  return l?.map((r) => ({ ...r, jobs: r.jobs.slice().sort(), crossSiteJobs: r.crossSiteJobs.slice().sort() }));
}
