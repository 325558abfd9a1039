// The fleet digital twin: a deterministic discrete-event simulation of a workload on a fabric, driven through a
// src/sched policy, with failures, checkpoints, energy, carbon, water and cost. This file is the engine loop: it
// seeds the event queue and dispatches each event to its handler (engine/on-*.ts) over one shared context
// (engine/context.ts). Pure: no clock, no files (the edge hands in the grid series), randomness from the seed.
import { DEFAULT_BUSY_POWER_FRACTION, DEFAULT_IDLE_POWER_FRACTION } from '../core/power.js';
import type { Fabric } from '../fabric/types.js';
import type { ModelLookup } from '../perf/index.js';
import type { SchedulingPolicy } from '../sched/types.js';
import type { JobSpec } from '../workload/types.js';
import { accumulate, auditState, sample } from './engine/accounting.js';
import { createContext, EV, type Run, type SimContext } from './engine/context.js';
import { finish, markDirty } from './engine/lifecycle.js';
import { onArrival } from './engine/on-arrival.js';
import { onFailure, onRepair, onSiteFailure, onSiteRepair } from './engine/on-failure.js';
import { onDrainMove, onScenarioWindow } from './engine/on-scenario.js';
import { onSchedule, onWake } from './engine/on-schedule.js';
import { collectResults, jobResult } from './engine/results.js';
import type { SimEvent } from './event-queue.js';
import type { GridSeries } from './grid.js';
import type { JobResult, SimSummary, TimeSeries } from './metrics.js';
import { defaultScenario, scenarioEventWindow, type Scenario } from './scenario.js';

export { DEFAULT_BUSY_POWER_FRACTION, DEFAULT_IDLE_POWER_FRACTION };
export { ScenarioRefError } from './engine/on-scenario.js';

export interface SimulateOptions {
  fabric: Fabric;
  jobs: readonly JobSpec[];
  policy: SchedulingPolicy;
  scenario?: Scenario;
  seed?: number;
  /**
   * Grid series by zone, one for every site's `gridZone`: handed in by the edge (the simulator reads no files).
   * Real 2022 series: `loadGridFor(fabric.sites)` (grid-files.ts); constants: `constantGridSeries`.
   */
  grid: Record<string, GridSeries>;
  /** Model lookup by id (`loadModel` from src/perf at the edge): the simulator reads no model files. */
  models: ModelLookup;
  /** Stop at this simulated time (s); jobs not done are reported unfinished. Default: last submit + 365 days. */
  horizonS?: number;
  /** Sampling period of the time series (s), default 3600. */
  sampleIntervalS?: number;
  busyPowerFraction?: number;
  idlePowerFraction?: number;
  /** Override scenario.failures.enabled. */
  failures?: boolean;
  /** Check conservation invariants after every event (tests; slow). */
  audit?: boolean;
  /**
   * Scheduler cycle (s): 0 (default) runs a pass at every event time that changed something; a
   * positive value batches passes onto multiples of it, like a periodic scheduler loop (Slurm's
   * sched_interval). Large congested queues simulate much faster with e.g. 60.
   */
  schedulerIntervalS?: number;
  /** Called with the fraction of jobs done, at most 100 times. */
  onProgress?: (fractionDone: number, simTimeS: number) => void;
  /**
   * Milliseconds clock used only to time the planner calls (`SimResult.planner.planningS`); default
   * none (0). Never feeds the simulation, so results stay deterministic.
   */
  clock?: () => number;
}

export interface SimResult {
  summary: SimSummary;
  /** Per-job results, in job order; built on first read (a summary-only caller never materialises them). */
  jobs: JobResult[];
  series: TimeSeries;
  /** Planner use: distinct plan keys (= planner calls) and their total time (s, 0 without a clock). */
  planner: { keys: number; calls: number; planningS: number };
}

type Handler = (ctx: SimContext, e: SimEvent) => void;

function onFinish(ctx: SimContext, e: SimEvent): void {
  const r = ctx.runs[e.a];
  if (r.phase !== 'running' || r.version !== e.b) return; // stale: interrupted or re-rated since
  accumulate(ctx, ctx.now);
  finish(ctx, e.a, ctx.now);
  markDirty(ctx, ctx.now);
}

/** One handler per event kind, indexed by EV. */
function handlers(sampleS: number): Handler[] {
  const h: Handler[] = [];
  h[EV.Arrival] = onArrival;
  h[EV.Finish] = onFinish;
  h[EV.Failure] = onFailure;
  h[EV.Repair] = onRepair;
  h[EV.ScenarioStart] = onScenarioWindow;
  h[EV.ScenarioEnd] = onScenarioWindow;
  h[EV.Sample] = (ctx) => {
    accumulate(ctx, ctx.now);
    sample(ctx, ctx.now);
    if (ctx.done < ctx.total) ctx.ev.push(ctx.now + sampleS, EV.Sample);
  };
  h[EV.Wake] = onWake;
  h[EV.Schedule] = onSchedule;
  h[EV.SiteFailure] = onSiteFailure;
  h[EV.SiteRepair] = onSiteRepair;
  h[EV.DrainMove] = onDrainMove;
  return h;
}

/**
 * Arrivals in the order the event queue would pop them had they been pushed first, in job order: by submit time,
 * ties by job index. They stay out of the heap (a million pending arrivals made every push and pop ~20 levels deep)
 * and the loop merges them in: at equal times an arrival comes first, as its insertion number was the smaller.
 */
function arrivalOrder(ctx: SimContext): { order: Int32Array; atS: Float64Array } {
  const n = ctx.runs.length;
  const atS = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const t = ctx.runs[i].spec.submitTimeS;
    if (!(t >= 0)) throw new Error(`event time must be a number >= 0 (got ${t})`);
    atS[i] = t;
    if (i > 0 && t < atS[i - 1]) sorted = false;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) order.sort((x, y) => atS[x] - atS[y] || x - y);
  return { order, atS };
}

/** The initial events, in this order (ties break by insertion): scenario windows, failures, samples. */
function seedEvents(ctx: SimContext, failuresOn: boolean): void {
  ctx.scenario.events.forEach((e, i) => {
    const win = scenarioEventWindow(e);
    ctx.ev.push(win.from, EV.ScenarioStart, i);
    ctx.ev.push(win.to, EV.ScenarioEnd, i);
  });
  if (ctx.total === 0) return;
  if (failuresOn && ctx.failRatePerS > 0) ctx.ev.push(ctx.failRng.exp(1 / ctx.failRatePerS), EV.Failure);
  if (failuresOn && ctx.siteFailPerS > 0) ctx.ev.push(ctx.siteFailRng.exp(1 / ctx.siteFailPerS), EV.SiteFailure);
  ctx.ev.push(0, EV.Sample);
}

export function simulate(opts: SimulateOptions): SimResult {
  const scenario = opts.scenario ?? defaultScenario();
  const seed = opts.seed ?? 1;
  const ctx = createContext({
    fabric: opts.fabric,
    jobs: opts.jobs,
    policy: opts.policy,
    scenario,
    seed,
    grid: opts.grid,
    models: opts.models,
    ...(opts.horizonS !== undefined ? { horizonS: opts.horizonS } : {}),
    busyFraction: opts.busyPowerFraction ?? DEFAULT_BUSY_POWER_FRACTION,
    idleFraction: opts.idlePowerFraction ?? DEFAULT_IDLE_POWER_FRACTION,
    schedulerIntervalS: opts.schedulerIntervalS ?? 0,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  seedEvents(ctx, opts.failures ?? scenario.failures.enabled);
  const handle = handlers(opts.sampleIntervalS ?? 3600);
  let progressMark = 0;
  const arrivals = arrivalOrder(ctx);
  let nextArrival = 0;
  const e: SimEvent = { t: 0, seq: 0, kind: 0, a: 0, b: 0 }; // reused: handlers never keep it
  for (;;) {
    if (nextArrival < arrivals.order.length && arrivals.atS[arrivals.order[nextArrival]] <= ctx.ev.peekTime()) {
      const i = arrivals.order[nextArrival++];
      e.t = arrivals.atS[i];
      e.seq = -1;
      e.kind = EV.Arrival;
      e.a = i;
      e.b = 0;
    } else if (ctx.ev.size > 0) ctx.ev.popInto(e);
    else break;
    if (e.t > ctx.horizonS) {
      ctx.now = ctx.horizonS;
      break;
    }
    ctx.now = e.t;
    ctx.events++;
    handle[e.kind](ctx, e);
    if (opts.audit) auditState(ctx);
    if (opts.onProgress && ctx.total > 0 && ctx.done * 100 >= (progressMark + 1) * ctx.total) {
      progressMark = Math.floor((ctx.done * 100) / ctx.total);
      opts.onProgress(ctx.done / ctx.total, ctx.now);
    }
    if (ctx.done >= ctx.total && e.kind !== EV.Sample) {
      // drain nothing else: stop when every job has ended
      accumulate(ctx, ctx.now);
      sample(ctx, ctx.now);
      break;
    }
  }
  accumulate(ctx, ctx.now);
  const summary = collectResults(ctx, seed);
  const plans = ctx.speedModel.plans;
  // per-job results built on first read: a caller that wants only the summary never holds a million of them
  let runs: readonly Run[] | null = ctx.runs;
  let jobs: JobResult[] | null = null;
  return {
    summary,
    get jobs(): JobResult[] {
      if (!jobs) {
        jobs = runs!.map(jobResult);
        runs = null;
      }
      return jobs;
    },
    series: ctx.series,
    planner: { keys: plans.keys, calls: plans.calls, planningS: plans.planningS },
  };
}
