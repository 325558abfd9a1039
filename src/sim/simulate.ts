// The fleet digital twin: a deterministic discrete-event simulation of a workload on a fabric,
// driven through a src/sched policy, with failures, checkpoints, energy, carbon, water and cost.
import type { Fabric } from '../fabric/types.js';
import { buildClusterState, release, repairGpus, setFailedGpus, jurisdictionAllowed } from '../sched/state.js';
import { scheduleRound } from '../sched/round.js';
import type { Allocation, ClusterState, JobRequest, RunningJob, SchedulingPolicy, SiteState } from '../sched/types.js';
import type { JobSpec } from '../workload/types.js';
import { EventQueue } from './event-queue.js';
import { HourlyIntegral, loadGridSeries, type GridSeries } from './grid.js';
import { Rng } from '../core/rng.js';
import { defaultScenario, LLAMA3_FAILURES_PER_GPU_HOUR, scenarioOffsetS, type Scenario } from './scenario.js';
import { SpeedModel } from './speed.js';
import type { JobPlan } from './job-plans.js';
import { checkpointCostS, jobMtbfS, youngDalyIntervalS } from './checkpoint.js';
import { buildSummary, type JobResult, type SimSummary, type TimeSeries } from './metrics.js';

/** ASSUMPTION: a busy GPU's system draws 80% of its rated per-GPU system power on average. */
export const DEFAULT_BUSY_POWER_FRACTION = 0.8;
/** ASSUMPTION: an idle GPU's system draws 30% of its rated per-GPU system power (host, NICs, fans stay on). */
export const DEFAULT_IDLE_POWER_FRACTION = 0.3;
/** Forecast horizon handed to the carbon-aware policy (hours). */
const FORECAST_HOURS = 48;

export interface SimulateOptions {
  fabric: Fabric;
  jobs: readonly JobSpec[];
  policy: SchedulingPolicy;
  scenario?: Scenario;
  seed?: number;
  /** Grid series by zone; default: loaded from the shared data (2022). */
  grid?: Record<string, GridSeries>;
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
  jobs: JobResult[];
  series: TimeSeries;
  /** Planner use: distinct plan keys (= planner calls) and their total time (s, 0 without a clock). */
  planner: { keys: number; calls: number; planningS: number };
}

const enum Ev {
  Arrival,
  Finish,
  Failure,
  Repair,
  ScenarioStart,
  ScenarioEnd,
  Sample,
  Wake,
  Schedule,
  SiteFailure,
  SiteRepair,
  DrainMove,
}

type Phase = 'pending' | 'queued' | 'running' | 'done' | 'rejected';

interface Run {
  spec: JobSpec;
  req: JobRequest;
  phase: Phase;
  totalWork: number; // ideal seconds
  version: number;
  alloc: Allocation | null;
  running: RunningJob | null;
  // current segment
  segStartS: number;
  segStartupS: number;
  segBaseWork: number;
  segSavedWork: number;
  speed: number;
  tauS: number;
  ckptS: number;
  // results
  firstStartS: number;
  endS: number;
  gpuSeconds: number;
  lostWorkS: number; // ideal seconds of work redone
  interruptions: number;
  preemptions: number;
  energyJ: number;
  carbonG: number;
  costUsd: number;
  waterL: number;
  rejectReason?: string;
  sites: Set<string>;
  /** The planner's plan for the current (or last) placement, and its speed factor there. */
  plan: JobPlan | null;
}

interface DomainRef {
  site: SiteState;
  siteIdx: number;
  podId: string;
  domain: number;
  cap: number;
  start: number; // global GPU index of the domain's first GPU
}

export function simulate(opts: SimulateOptions): SimResult {
  const { fabric, policy } = opts;
  const scenario = opts.scenario ?? defaultScenario();
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const failRng = rng.fork('failures');
  const siteFailRng = rng.fork('site-failures');
  const busyFrac = opts.busyPowerFraction ?? DEFAULT_BUSY_POWER_FRACTION;
  const idleFrac = opts.idlePowerFraction ?? DEFAULT_IDLE_POWER_FRACTION;
  const sampleS = opts.sampleIntervalS ?? 3600;
  const failuresOn = opts.failures ?? scenario.failures.enabled;
  const perGpuHour = scenario.failures.perGpuHour;
  const speedModel = new SpeedModel(fabric, opts.clock);

  // tenants: from the scenario, else every tenant of the workload with an equal quota in one cohort
  const tenantIds = [...new Set(opts.jobs.map((j) => j.tenant))].sort();
  const tenants =
    scenario.tenants ??
    tenantIds.map((id) => ({
      id,
      quotaGpus: Math.floor(fabric.gpus / Math.max(1, tenantIds.length)),
      cohort: 'default',
    }));
  const state: ClusterState = buildClusterState(fabric, { tenants, busyFraction: busyFrac, idleFraction: idleFrac });
  const fabricSite = new Map(fabric.sites.map((s) => [s.id, s]));

  // grid series
  const offsetS = scenarioOffsetS(scenario);
  const carbon: HourlyIntegral[] = [];
  const price: HourlyIntegral[] = [];
  const gridSources: Record<string, { carbon: string; price: string }> = {};
  for (const s of state.sites) {
    const g = opts.grid?.[s.gridZone] ?? loadGridSeries(s.gridZone);
    carbon.push(new HourlyIntegral(g.carbonGPerKWh, offsetS));
    price.push(new HourlyIntegral(g.priceUsdPerMWh, offsetS));
    gridSources[s.gridZone] = { carbon: g.carbonSource, price: g.priceSource };
  }
  const siteIndex = new Map(state.sites.map((s, i) => [s.id, i]));
  const pue = state.sites.map((s) => fabricSite.get(s.id)!.pue);
  const wue = state.sites.map((s) => fabricSite.get(s.id)!.wueLPerKWh);

  // global GPU index -> domain, for sampling failures
  const domains: DomainRef[] = [];
  let gpuCount = 0;
  state.sites.forEach((site, siteIdx) => {
    for (const pod of site.pods) {
      pod.domainCapacity.forEach((cap, d) => {
        domains.push({ site, siteIdx, podId: pod.id, domain: d, cap, start: gpuCount });
        gpuCount += cap;
      });
    }
  });
  const domainKey = (siteId: string, podId: string, d: number): string => `${siteId}/${podId}#${d}`;
  const occupancy = new Map<string, number[]>(); // domain -> run indices, in arrival order
  const failedInDomain = new Map<string, number>();

  const runs: Run[] = opts.jobs.map((spec) => ({
    spec,
    req: { ...spec },
    phase: 'pending',
    totalWork: spec.durationS ?? 0,
    version: 0,
    alloc: null,
    running: null,
    segStartS: 0,
    segStartupS: 0,
    segBaseWork: 0,
    segSavedWork: 0,
    speed: 1,
    tauS: Infinity,
    ckptS: 0,
    firstStartS: -1,
    endS: -1,
    gpuSeconds: 0,
    lostWorkS: 0,
    interruptions: 0,
    preemptions: 0,
    energyJ: 0,
    carbonG: 0,
    costUsd: 0,
    waterL: 0,
    sites: new Set(),
    plan: null,
  }));
  const runById = new Map(runs.map((r, i) => [r.spec.id, i]));
  if (runById.size !== runs.length) throw new Error('simulate: job ids must be unique');

  const ev = new EventQueue();
  let queue: JobRequest[] = [];
  const running: RunningJob[] = [];
  const runningPos = new Map<number, number>();
  let done = 0;
  let lastSubmit = 0;
  for (let i = 0; i < runs.length; i++) {
    const t = runs[i].spec.submitTimeS;
    lastSubmit = Math.max(lastSubmit, t);
    ev.push(t, Ev.Arrival, i);
  }
  const horizon = opts.horizonS ?? lastSubmit + 365 * 86_400;
  scenario.events.forEach((e, i) => {
    const w = e as {
      from?: number;
      to?: number;
      down?: { from: number; to: number };
      drain?: { from: number; to: number };
    };
    const win = w.down ?? w.drain ?? { from: w.from!, to: w.to! };
    ev.push(win.from, Ev.ScenarioStart, i);
    ev.push(win.to, Ev.ScenarioEnd, i);
  });
  const failRatePerS = (perGpuHour * gpuCount) / 3600;
  if (failuresOn && failRatePerS > 0 && runs.length > 0) ev.push(failRng.exp(1 / failRatePerS), Ev.Failure);
  const siteFailPerS = (scenario.failures.sitePerYear * state.sites.length) / (365 * 86_400);
  if (failuresOn && siteFailPerS > 0 && runs.length > 0) ev.push(siteFailRng.exp(1 / siteFailPerS), Ev.SiteFailure);
  if (runs.length > 0) ev.push(0, Ev.Sample);

  // --- accounting -----------------------------------------------------------------------------
  let lastAccT = 0;
  const siteEnergyJ = state.sites.map(() => 0);
  const siteCarbonG = state.sites.map(() => 0);
  const siteCostUsd = state.sites.map(() => 0);
  const siteWaterL = state.sites.map(() => 0);
  const siteBusyGpuS = state.sites.map(() => 0);
  const siteDown = state.sites.map(() => false);
  let busyGpuSeconds = 0;
  let availGpuSeconds = 0;
  const busyGpus = (s: SiteState): number => s.totalGpus - s.freeGpus - s.pods.reduce((a, p) => a + p.failedGpus, 0);
  const accumulate = (t: number): void => {
    if (t <= lastAccT) return;
    const dt = t - lastAccT;
    state.sites.forEach((s, i) => {
      const p = siteDown[i] ? 0 : s.powerDrawW;
      siteEnergyJ[i] += p * dt;
      siteCarbonG[i] += (p * carbon[i].integrate(lastAccT, t)) / 3.6e6;
      siteCostUsd[i] += (p * price[i].integrate(lastAccT, t)) / 3.6e9;
      siteWaterL[i] += ((p * dt) / 3.6e6 / pue[i]) * wue[i];
      const b = siteDown[i] ? 0 : busyGpus(s);
      siteBusyGpuS[i] += b * dt;
      busyGpuSeconds += b * dt;
      availGpuSeconds += (siteDown[i] ? 0 : s.totalGpus) * dt;
    });
    lastAccT = t;
  };

  /** Charge a run's segment [t0, t1] to the job (busy power of its GPUs). */
  const chargeJob = (r: Run, t0: number, t1: number): void => {
    if (!r.alloc || t1 <= t0) return;
    r.gpuSeconds += r.alloc.gpus * (t1 - t0);
    for (const part of r.alloc.parts) {
      const i = siteIndex.get(part.siteId)!;
      const pod = state.sites[i].pods.find((p) => p.id === part.podId)!;
      const w = part.gpus * pod.busyPowerPerGpuW;
      r.energyJ += w * (t1 - t0);
      r.carbonG += (w * carbon[i].integrate(t0, t1)) / 3.6e6;
      r.costUsd += (w * price[i].integrate(t0, t1)) / 3.6e9;
      r.waterL += ((w * (t1 - t0)) / 3.6e6 / pue[i]) * wue[i];
    }
  };

  // --- progress model -------------------------------------------------------------------------
  /** Work (ideal seconds) done and saved at time t in the current segment. */
  const progress = (r: Run, t: number): { work: number; saved: number } => {
    const y = Math.max(0, t - r.segStartS - r.segStartupS);
    if (!Number.isFinite(r.tauS)) return { work: r.segBaseWork + r.speed * y, saved: r.segSavedWork };
    const period = r.tauS + r.ckptS;
    const k = Math.floor(y / period);
    const rem = y - k * period;
    const work = r.segBaseWork + r.speed * (k * r.tauS + Math.min(rem, r.tauS));
    const saved = k > 0 ? r.segBaseWork + r.speed * k * r.tauS : r.segSavedWork;
    return { work: Math.min(work, r.totalWork), saved: Math.min(saved, r.totalWork) };
  };
  /** Wall seconds to finish `work` ideal seconds from a segment start (after startup). */
  const wallFor = (r: Run, work: number): number => {
    const compute = work / r.speed;
    if (!Number.isFinite(r.tauS)) return compute;
    const ckpts = Math.max(0, Math.ceil(compute / r.tauS - 1e-9) - 1);
    return compute + ckpts * r.ckptS;
  };
  const rateForInterval = Math.max(perGpuHour, LLAMA3_FAILURES_PER_GPU_HOUR);
  const ckptCost = (r: Run, alloc: Allocation): number => {
    const bytes = speedModel.checkpointBytes(r.spec.modelId) ?? 16e9; // unknown model: 1B params x 16 B
    return checkpointCostS(bytes, alloc.gpus, fabricSite.get(alloc.sites[0])!);
  };
  const wanFactor = new Map<string, number>();
  const wanFactorFor = (alloc: Allocation): number => {
    if (alloc.sites.length < 2) return 1;
    let f = 1;
    for (const l of fabric.wanLinks) {
      if (alloc.sites.includes(l.a) && alloc.sites.includes(l.b)) f = Math.min(f, wanFactor.get(l.id) ?? 1);
    }
    return f;
  };

  const beginSegment = (i: number, t: number, startupS: number, baseWork: number, savedWork: number): void => {
    const r = runs[i];
    r.version++;
    r.segStartS = t;
    r.segStartupS = startupS;
    r.segBaseWork = baseWork;
    r.segSavedWork = savedWork;
    const pl = speedModel.placement(r.spec.modelId, r.alloc!, wanFactorFor(r.alloc!));
    r.speed = pl.speed;
    if (pl.plan) r.plan = pl.plan;
    const end = t + startupS + wallFor(r, r.totalWork - baseWork);
    ev.push(end, Ev.Finish, i, r.version);
    r.running!.expectedEndS = end;
  };

  const startRun = (i: number, alloc: Allocation, t: number): void => {
    const r = runs[i];
    r.phase = 'running';
    r.alloc = alloc;
    for (const s of alloc.sites) r.sites.add(s);
    if (r.firstStartS < 0) r.firstStartS = t;
    r.ckptS = r.spec.checkpointable ? ckptCost(r, alloc) : 0;
    // the interval assumes at least the Llama 3 failure rate, even when failures are off
    r.tauS = r.spec.checkpointable ? youngDalyIntervalS(r.ckptS, jobMtbfS(rateForInterval, alloc.gpus)) : Infinity;
    const rj: RunningJob = { job: r.req, allocation: alloc, startTimeS: t, expectedEndS: Infinity };
    r.running = rj;
    runningPos.set(i, running.length);
    running.push(rj);
    for (const p of alloc.parts) {
      const k = domainKey(p.siteId, p.podId, p.domain);
      let l = occupancy.get(k);
      if (!l) occupancy.set(k, (l = []));
      l.push(i);
    }
    // restart from a checkpoint: read it back first (ASSUMPTION: restore costs one checkpoint write)
    const base = r.segSavedWork;
    beginSegment(i, t, base > 0 ? r.ckptS : 0, base, base);
  };

  const detach = (i: number, t: number, releaseGpus: boolean): void => {
    const r = runs[i];
    const alloc = r.alloc!;
    accumulate(t);
    chargeJob(r, r.segStartS, t);
    if (releaseGpus) release(state, alloc, r.spec.tenant);
    for (const p of alloc.parts) {
      const k = domainKey(p.siteId, p.podId, p.domain);
      const l = occupancy.get(k)!;
      l.splice(l.indexOf(i), 1);
    }
    const pos = runningPos.get(i)!;
    const last = running.pop()!;
    if (pos < running.length) {
      running[pos] = last;
      runningPos.set(runById.get(last.job.id)!, pos);
    }
    runningPos.delete(i);
    r.alloc = null;
    r.running = null;
    r.version++;
  };

  const interrupt = (i: number, t: number, kind: 'failure' | 'preempt' | 'drain', releaseGpus: boolean): void => {
    const r = runs[i];
    const { work, saved } = progress(r, t);
    const keep = kind === 'drain' ? work : r.spec.checkpointable ? saved : 0;
    r.lostWorkS += Math.max(0, work - keep);
    if (kind === 'preempt') r.preemptions++;
    else r.interruptions++;
    detach(i, t, releaseGpus);
    r.segSavedWork = keep;
    r.phase = 'queued';
    r.req.durationS = Math.max(1, r.totalWork - keep);
    queue.push(r.req);
  };

  const finish = (i: number, t: number): void => {
    const r = runs[i];
    detach(i, t, true);
    r.phase = 'done';
    r.endS = t;
    done++;
  };

  let schedulePending = -1;
  const tick = opts.schedulerIntervalS ?? 0;
  const markDirty = (t: number): void => {
    const at = tick > 0 ? Math.ceil(t / tick) * tick : t;
    if (schedulePending !== at) {
      ev.push(at, Ev.Schedule);
      schedulePending = at;
    }
  };
  const wakes = new Set<number>();

  // capacity by jurisdiction set, to reject jobs that can never fit
  const maxCapacityFor = (job: JobRequest): { total: number; site: number; siteIds: string[] } => {
    let total = 0;
    let site = 0;
    const siteIds: string[] = [];
    for (const s of state.sites) {
      if (!jurisdictionAllowed(job, s.jurisdiction)) continue;
      total += s.totalGpus;
      site = Math.max(site, s.totalGpus);
      siteIds.push(s.id);
    }
    return { total, site, siteIds };
  };

  const updateGridState = (t: number): void => {
    state.sites.forEach((s, i) => {
      s.carbonGPerKWh = carbon[i].at(t);
      s.priceUsdPerMWh = price[i].at(t);
      if (policy.name === 'carbon-aware') s.carbonForecastGPerKWh = carbon[i].window(t, FORECAST_HOURS);
    });
  };

  const series: TimeSeries = {
    tS: [],
    busyGpus: [],
    powerMW: [],
    carbonTPerH: [],
    queued: [],
    running: [],
    sites: state.sites.map((s) => ({ id: s.id, busyGpus: [], powerMW: [], carbonGPerKWh: [] })),
  };
  const sample = (t: number): void => {
    series.tS.push(t);
    let busy = 0;
    let mw = 0;
    let cph = 0;
    state.sites.forEach((s, i) => {
      const b = siteDown[i] ? 0 : busyGpus(s);
      const p = siteDown[i] ? 0 : s.powerDrawW / 1e6;
      const ci = carbon[i].at(t);
      busy += b;
      mw += p;
      cph += (p * ci) / 1000; // MW x g/kWh = kg/h ... /1000 -> t/h
      series.sites[i].busyGpus.push(b);
      series.sites[i].powerMW.push(round(p, 3));
      series.sites[i].carbonGPerKWh.push(round(ci, 1));
    });
    series.busyGpus.push(busy);
    series.powerMW.push(round(mw, 3));
    series.carbonTPerH.push(round(cph, 4));
    series.queued.push(queue.length);
    series.running.push(running.length);
  };

  const auditState = (): void => {
    let free = 0;
    for (const s of state.sites) {
      let sf = 0;
      for (const p of s.pods) {
        let pf = 0;
        p.domainFree.forEach((f, d) => {
          const k = domainKey(s.id, p.id, d);
          let used = 0;
          for (const i of occupancy.get(k) ?? [])
            for (const part of runs[i].alloc!.parts)
              if (part.siteId === s.id && part.podId === p.id && part.domain === d) used += part.gpus;
          const failed = failedInDomain.get(k) ?? 0;
          if (f < 0 || used + f + failed !== p.domainCapacity[d])
            throw new Error(
              `audit: domain ${k}: used ${used} + free ${f} + failed ${failed} != ${p.domainCapacity[d]}`,
            );
          pf += f;
        });
        if (pf !== p.freeGpus) throw new Error(`audit: pod ${p.id} free counter ${p.freeGpus} != ${pf}`);
        sf += pf;
      }
      if (sf !== s.freeGpus) throw new Error(`audit: site ${s.id} free counter`);
      free += sf;
    }
    if (free !== state.freeGpus) throw new Error('audit: fleet free counter');
  };

  // --- failures -------------------------------------------------------------------------------
  const findDomain = (g: number): DomainRef => {
    let lo = 0;
    let hi = domains.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (domains[mid].start <= g) lo = mid;
      else hi = mid - 1;
    }
    return domains[lo];
  };
  let failures = 0;
  const failuresByKind = { gpu: 0, node: 0, rack: 0, site: 0 };
  const failGpus = (t: number, d: DomainRef, a: number, b: number, repairS: number): void => {
    const k = domainKey(d.site.id, d.podId, d.domain);
    const occ = occupancy.get(k) ?? [];
    // layout: jobs (in arrival order), then failed GPUs, then free
    let cum = 0;
    const hit: number[] = [];
    for (const i of occ) {
      let g = 0;
      for (const p of runs[i].alloc!.parts)
        if (p.siteId === d.site.id && p.podId === d.podId && p.domain === d.domain) g += p.gpus;
      if (cum < b && cum + g > a) hit.push(i);
      cum += g;
    }
    const failedBefore = failedInDomain.get(k) ?? 0;
    const overlapFailed = Math.max(0, Math.min(b, cum + failedBefore) - Math.max(a, cum));
    const newFailed = b - a - overlapFailed;
    for (const i of hit) interrupt(i, t, 'failure', true);
    if (newFailed > 0) {
      accumulate(t);
      const pod = d.site.pods.find((p) => p.id === d.podId)!;
      const taken = setFailedGpus(state, d.site.id, d.podId, d.domain, newFailed);
      // failed GPUs stop drawing busy/idle power? ASSUMPTION: they keep idle power (still racked)
      void pod;
      if (taken > 0) {
        failedInDomain.set(k, failedBefore + taken);
        ev.push(t + repairS, Ev.Repair, domains.indexOf(d), taken);
      }
    }
    if (hit.length || newFailed) markDirty(t);
  };

  const siteInterruptAll = (siteId: string, t: number): void => {
    const victims: number[] = [];
    for (const rj of running) {
      if (rj.allocation.sites.includes(siteId)) victims.push(runById.get(rj.job.id)!);
    }
    victims.sort((x, y) => x - y);
    for (const i of victims) interrupt(i, t, 'failure', true);
  };

  // --- main loop ------------------------------------------------------------------------------
  let events = 0;
  let rounds = 0;
  let progressMark = 0;
  let now = 0;
  const total = runs.length;
  while (ev.size > 0) {
    const e = ev.pop()!;
    if (e.t > horizon) {
      now = horizon;
      break;
    }
    now = e.t;
    events++;
    switch (e.kind) {
      case Ev.Arrival: {
        const r = runs[e.a];
        const cap = maxCapacityFor(r.req);
        const multi = r.req.allowMultiSite ?? r.req.kind === 'pretraining';
        if (cap.total === 0) r.rejectReason = 'no site in an allowed jurisdiction';
        else if (r.req.gpus > (multi ? cap.total : cap.site))
          r.rejectReason = `needs ${r.req.gpus} GPUs, more than any allowed ${multi ? 'set of sites' : 'site'} has`;
        else {
          // the planner's plan on the allowed sites; no plan fits (even with recompute and ZeRO): rejected
          const adm = speedModel.admit(r.spec.modelId, r.req.gpus, cap.siteIds, multi);
          if (adm.reason) r.rejectReason = adm.reason;
          else {
            r.plan = adm.plan;
            // a token budget becomes work at the plan's predicted tokens/s
            if (!(r.totalWork > 0) && r.spec.tokens && adm.plan) {
              r.totalWork = r.spec.tokens / adm.plan.tokensPerS;
              r.req.durationS = r.totalWork;
            }
            if (!(r.totalWork > 0))
              r.rejectReason = r.spec.tokens ? 'token budget but no zoo model to plan it with' : 'no duration';
          }
        }
        if (r.rejectReason) {
          r.phase = 'rejected';
          done++;
          break;
        }
        r.phase = 'queued';
        queue.push(r.req);
        markDirty(now);
        break;
      }
      case Ev.Finish: {
        const r = runs[e.a];
        if (r.phase !== 'running' || r.version !== e.b) break;
        accumulate(now);
        finish(e.a, now);
        markDirty(now);
        break;
      }
      case Ev.Schedule: {
        schedulePending = -1;
        if (queue.length === 0) break;
        accumulate(now);
        updateGridState(now);
        rounds++;
        const res = scheduleRound(policy, state, queue, running, now, { mutate: true, emitHolds: false });
        queue = res.queue;
        if (res.started || res.preempted) {
          for (const d of res.decisions) {
            if (d.type === 'preempt') interrupt(runById.get(d.jobId)!, now, 'preempt', false);
          }
          for (const d of res.decisions) {
            if (d.type === 'start') startRun(runById.get(d.jobId)!, d.allocation, now);
          }
        }
        if (res.nextWakeS !== undefined && !wakes.has(res.nextWakeS)) {
          wakes.add(res.nextWakeS);
          ev.push(res.nextWakeS, Ev.Wake);
        }
        break;
      }
      case Ev.Wake:
        wakes.delete(now);
        markDirty(now);
        break;
      case Ev.Failure: {
        if (done >= total) break;
        const g = failRng.int(gpuCount);
        const kindIdx = failRng.weighted([
          scenario.failures.mix.gpu,
          scenario.failures.mix.node,
          scenario.failures.mix.rack,
        ]);
        ev.push(now + failRng.exp(1 / failRatePerS), Ev.Failure);
        const d = findDomain(g);
        if (siteDown[d.siteIdx]) break;
        failures++;
        const off = g - d.start;
        const pod = fabricSite.get(d.site.id)!.pods.find((p) => p.id === d.podId)!;
        const npn = pod.system.gpusPerNode;
        const rh = scenario.failures.repairHours;
        if (kindIdx === 0) {
          failuresByKind.gpu++;
          failGpus(now, d, off, off + 1, rh.gpu * 3600);
        } else if (kindIdx === 1) {
          failuresByKind.node++;
          const a = Math.floor(off / npn) * npn;
          failGpus(now, d, a, Math.min(d.cap, a + npn), rh.node * 3600);
        } else {
          failuresByKind.rack++;
          failGpus(now, d, 0, d.cap, rh.rack * 3600);
        }
        break;
      }
      case Ev.Repair: {
        const d = domains[e.a];
        const k = domainKey(d.site.id, d.podId, d.domain);
        accumulate(now);
        repairGpus(state, d.site.id, d.podId, d.domain, e.b);
        failedInDomain.set(k, (failedInDomain.get(k) ?? 0) - e.b);
        markDirty(now);
        break;
      }
      case Ev.SiteFailure: {
        if (done >= total) break;
        const idx = siteFailRng.int(state.sites.length);
        ev.push(now + siteFailRng.exp(1 / siteFailPerS), Ev.SiteFailure);
        if (siteDown[idx]) break;
        failures++;
        failuresByKind.site++;
        accumulate(now);
        const s = state.sites[idx];
        s.status = 'down';
        siteDown[idx] = true;
        siteInterruptAll(s.id, now);
        ev.push(now + scenario.failures.siteRepairHours * 3600, Ev.SiteRepair, idx);
        markDirty(now);
        break;
      }
      case Ev.SiteRepair: {
        accumulate(now);
        state.sites[e.a].status = 'up';
        siteDown[e.a] = false;
        markDirty(now);
        break;
      }
      case Ev.ScenarioStart:
      case Ev.ScenarioEnd: {
        const start = e.kind === Ev.ScenarioStart;
        const se = scenario.events[e.a] as Record<string, unknown>;
        accumulate(now);
        if ('down' in se || 'drain' in se || 'powerCapMW' in se) {
          const idx = siteIndex.get(se.site as string);
          if (idx === undefined)
            throw new ScenarioRefError(`events[${e.a}].site`, se.site as string, [...siteIndex.keys()]);
          const s = state.sites[idx];
          if ('down' in se) {
            s.status = start ? 'down' : 'up';
            siteDown[idx] = start;
            if (start) siteInterruptAll(s.id, now);
          } else if ('drain' in se) {
            s.status = start ? 'draining' : 'up';
            if (start) {
              // checkpointable jobs move at their next checkpoint; others run to the end
              for (const rj of running) {
                if (!rj.allocation.sites.includes(s.id)) continue;
                const i = runById.get(rj.job.id)!;
                const r = runs[i];
                if (!r.spec.checkpointable || !Number.isFinite(r.tauS)) continue;
                const y = Math.max(0, now - r.segStartS - r.segStartupS);
                const period = r.tauS + r.ckptS;
                const next = r.segStartS + r.segStartupS + (Math.floor(y / period) + 1) * period;
                ev.push(next, Ev.DrainMove, i, r.version);
              }
            }
          } else {
            s.powerCapW = start
              ? (se.powerCapMW as number) * 1e6
              : fabricSite.get(s.id)!.powerMW > 0
                ? fabricSite.get(s.id)!.powerMW * 1e6
                : Infinity;
          }
        } else if ('wan' in se) {
          const id = se.wan as string;
          const link = fabric.wanLinks.find((l) => l.id === id || `${l.a}-${l.b}` === id || `${l.b}-${l.a}` === id);
          if (!link)
            throw new ScenarioRefError(
              `events[${e.a}].wan`,
              id,
              fabric.wanLinks.map((l) => l.id),
            );
          wanFactor.set(link.id, start ? (se.capacity as number) : 1);
          const affected: number[] = [];
          for (const rj of running)
            if (rj.allocation.sites.includes(link.a) && rj.allocation.sites.includes(link.b))
              affected.push(runById.get(rj.job.id)!);
          affected.sort((x, y) => x - y);
          for (const i of affected) {
            const r = runs[i];
            if (start && (se.capacity as number) === 0) {
              interrupt(i, now, 'failure', true);
            } else {
              // re-rate: a new segment at the new speed, keeping progress and the last checkpoint
              const { work, saved } = progress(r, now);
              chargeJob(r, r.segStartS, now);
              beginSegment(i, now, 0, work, saved);
            }
          }
        }
        markDirty(now);
        break;
      }
      case Ev.DrainMove: {
        const r = runs[e.a];
        if (r.phase !== 'running' || r.version !== e.b) break;
        const idx = r.alloc!.sites.map((s) => siteIndex.get(s)!);
        if (!idx.some((i) => state.sites[i].status === 'draining')) break;
        interrupt(e.a, now, 'drain', true);
        markDirty(now);
        break;
      }
      case Ev.Sample: {
        accumulate(now);
        sample(now);
        if (done < total) ev.push(now + sampleS, Ev.Sample);
        break;
      }
    }
    if (opts.audit) auditState();
    if (opts.onProgress && total > 0 && done * 100 >= (progressMark + 1) * total) {
      progressMark = Math.floor((done * 100) / total);
      opts.onProgress(done / total, now);
    }
    if (done >= total && e.kind !== Ev.Sample) {
      // drain nothing else: stop when every job has ended
      accumulate(now);
      sample(now);
      break;
    }
  }
  accumulate(now);
  // jobs still running at the end are charged up to `now`
  const results: JobResult[] = runs.map((r) => {
    if (r.phase === 'running') chargeJob(r, r.segStartS, now);
    const finished = r.phase === 'done';
    const jct = finished ? r.endS - r.spec.submitTimeS : null;
    const usefulGpuS = finished ? r.totalWork * r.spec.gpus : 0;
    return {
      id: r.spec.id,
      tenant: r.spec.tenant,
      kind: r.spec.kind,
      modelId: r.spec.modelId,
      gpus: r.spec.gpus,
      priority: r.spec.priority,
      submitS: r.spec.submitTimeS,
      firstStartS: r.firstStartS >= 0 ? r.firstStartS : null,
      endS: finished ? r.endS : null,
      status: finished ? 'finished' : r.phase === 'rejected' ? 'rejected' : 'unfinished',
      reason:
        r.rejectReason ?? (finished ? '' : r.phase === 'running' ? 'running at the horizon' : 'queued at the horizon'),
      durationS: r.totalWork,
      jctS: jct,
      queueS: r.firstStartS >= 0 ? r.firstStartS - r.spec.submitTimeS : null,
      slowdown: jct !== null && r.totalWork > 0 ? jct / r.totalWork : null,
      gpuSeconds: r.gpuSeconds,
      goodput: r.gpuSeconds > 0 ? usefulGpuS / r.gpuSeconds : finished ? 1 : 0,
      ettr: finished && r.endS > r.firstStartS ? r.totalWork / (r.endS - r.firstStartS) : null,
      lostGpuSeconds: r.lostWorkS * r.spec.gpus,
      interruptions: r.interruptions,
      preemptions: r.preemptions,
      sites: [...r.sites].sort(),
      energyKWh: r.energyJ / 3.6e6,
      emissionsKg: r.carbonG / 1000,
      costUsd: r.costUsd,
      waterL: r.waterL,
      planStrategy: r.plan?.strategy ?? '',
      planGpus: r.plan?.gpus ?? null,
      planTp: r.plan?.tp ?? null,
      planPp: r.plan?.pp ?? null,
      planDp: r.plan?.dp ?? null,
      planCp: r.plan?.cp ?? null,
      planEp: r.plan?.ep ?? null,
      planRecompute: r.plan?.recompute ?? '',
      planZero: r.plan?.zero ?? null,
      planTokensPerS: r.plan ? r.plan.tokensPerS : null,
      speedFactor: r.plan && r.firstStartS >= 0 ? r.speed : null,
      predictedTokensPerS: r.plan && r.firstStartS >= 0 ? r.plan.tokensPerS * r.speed : null,
    };
  });
  const summary = buildSummary({
    fabric,
    policy: policy.name,
    seed,
    scenario: scenario.name,
    jobs: results,
    endS: now,
    events,
    rounds,
    busyGpuSeconds,
    availGpuSeconds,
    sites: state.sites.map((s, i) => ({
      id: s.id,
      gridZone: s.gridZone,
      gpus: s.totalGpus,
      energyMWh: siteEnergyJ[i] / 3.6e9,
      emissionsTCO2e: siteCarbonG[i] / 1e6,
      costUsd: siteCostUsd[i],
      waterM3: siteWaterL[i] / 1000,
      gpuUtilization: now > 0 ? siteBusyGpuS[i] / (s.totalGpus * now) : 0,
    })),
    tenants: state.tenants.map((t) => ({ id: t.id, quotaGpus: t.quotaGpus })),
    failures,
    failuresByKind,
    gridSources,
    speedFallbacks: speedModel.fallbacks,
    planKeys: speedModel.plans.keys,
  });
  return {
    summary,
    jobs: results,
    series,
    planner: { keys: speedModel.plans.keys, calls: speedModel.plans.calls, planningS: speedModel.plans.planningS },
  };
}

export class ScenarioRefError extends Error {
  constructor(
    readonly path: string,
    readonly value: string,
    readonly known: string[],
  ) {
    super(`${path}: "${value}" is not in the fabric (known: ${known.join(', ')})`);
  }
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
