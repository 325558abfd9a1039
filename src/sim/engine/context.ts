// The simulator's shared state: one object every event handler reads and updates (engine loop in ../simulate.ts).
import type { Fabric, Site } from '../../fabric/types.js';
import type { ModelLookup } from '../../perf/index.js';
import { Rng } from '../../core/rng.js';
import { buildClusterState } from '../../sched/state.js';
import { RunningByEnd } from '../../sched/running-index.js';
import type { ClusterState, JobRequest, RunningJob, SchedulingPolicy, SiteState } from '../../sched/types.js';
import type { JobSpec } from '../../workload/types.js';
import { EventQueue } from '../event-queue.js';
import { GridDataError, HourlyIntegral, type GridSeries } from '../grid.js';
import type { TimeSeries } from '../metrics.js';
import { LLAMA3_FAILURES_PER_GPU_HOUR, scenarioOffsetS, type Scenario } from '../scenario.js';
import type { RestartModel } from '../restart.js';
import { SpeedModel, type Admission } from '../speed.js';
import { newRuns, type Run } from './run.js';
import { firstDuplicateId } from './unique-ids.js';

/** Event kinds; the engine dispatches on them (one handler each, ../simulate.ts). */
export const EV = {
  Arrival: 0,
  Finish: 1,
  Failure: 2,
  Repair: 3,
  ScenarioStart: 4,
  ScenarioEnd: 5,
  Sample: 6,
  Wake: 7,
  Schedule: 8,
  SiteFailure: 9,
  SiteRepair: 10,
  DrainMove: 11,
} as const;

export type { Phase, Run } from './run.js';

/** A job shape's feasibility verdict, allowed sites, and the admission of each model on them (on-arrival.ts). */
export interface Feasibility {
  reason: string | null;
  siteIds: string[];
  admissions: Map<string, Admission>;
}

/** A scale-up domain in the global GPU numbering (failures pick a GPU uniformly). */
export interface DomainRef {
  site: SiteState;
  siteIdx: number;
  podId: string;
  domain: number;
  cap: number;
  /** Global GPU index of the domain's first GPU. */
  start: number;
}

export interface SimInputs {
  fabric: Fabric;
  jobs: readonly JobSpec[];
  policy: SchedulingPolicy;
  scenario: Scenario;
  seed: number;
  grid: Record<string, GridSeries>;
  /** Model lookup by id, handed in by the edge (`loadModel`). */
  models: ModelLookup;
  horizonS?: number;
  busyFraction: number;
  idleFraction: number;
  schedulerIntervalS: number;
  clock?: () => number;
}

export interface SimContext {
  readonly fabric: Fabric;
  readonly policy: SchedulingPolicy;
  readonly scenario: Scenario;
  readonly failRng: Rng;
  readonly siteFailRng: Rng;
  readonly speedModel: SpeedModel;
  readonly state: ClusterState;
  readonly fabricSite: Map<string, Site>;
  readonly siteIndex: Map<string, number>;
  readonly pue: number[];
  readonly wue: number[];
  readonly carbon: HourlyIntegral[];
  readonly price: HourlyIntegral[];
  readonly gridSources: Record<string, { carbon: string; price: string }>;
  readonly domains: DomainRef[];
  readonly gpuCount: number;
  /** Domain key -> run indices, in arrival order (failures hit jobs by their layout in the domain). */
  readonly occupancy: Map<number, number[]>;
  readonly failedInDomain: Map<number, number>;
  /** Site id -> pod id -> index in `domains` of the pod's first domain. */
  readonly podBase: Map<string, Map<string, number>>;
  readonly runs: Run[];
  readonly ev: EventQueue;
  queue: JobRequest[];
  readonly running: RunningJob[];
  /** Run index -> its position in `running` (-1 when not running); `runningRun` is the inverse. */
  readonly runningPos: Int32Array;
  readonly runningRun: number[];
  /** `running`'s jobs by expected end, for the backfill reservation (kept by lifecycle.ts). */
  readonly byEnd: RunningByEnd;
  done: number;
  readonly total: number;
  readonly horizonS: number;
  readonly failRatePerS: number;
  readonly siteFailPerS: number;
  /** Checkpoint intervals assume at least the Llama 3 failure rate, even when failures are off. */
  readonly intervalFailuresPerGpuHour: number;
  /** What a restart costs (the scenario's, defaults in ../restart.ts). */
  readonly restart: RestartModel;
  readonly wanFactor: Map<string, number>;
  /** Feasibility verdicts by job shape (gpus, multi-site, jurisdictions): see on-arrival.ts. */
  readonly feasibilityCache: Map<string | number, Feasibility>;
  readonly tickS: number;
  schedulePending: number;
  readonly wakes: Set<number>;
  readonly siteDown: boolean[];
  readonly acc: Accounting;
  readonly series: TimeSeries;
  failures: number;
  readonly failuresByKind: { gpu: number; node: number; rack: number; site: number };
  events: number;
  rounds: number;
  now: number;
}

/** Fleet integrals up to `lastT`. */
export interface Accounting {
  lastT: number;
  siteEnergyJ: number[];
  siteCarbonG: number[];
  siteCostUsd: number[];
  siteWaterL: number[];
  siteBusyGpuS: number[];
  busyGpuSeconds: number;
  availGpuSeconds: number;
}

/** A domain's key in `occupancy`/`failedInDomain`: its index in `domains` (numbers: no string per lookup). */
export function domainKey(ctx: SimContext, siteId: string, podId: string, d: number): number {
  return ctx.podBase.get(siteId)!.get(podId)! + d;
}

/** Tenants from the scenario, else every tenant of the workload with an equal quota in one cohort. */
function tenantsOf(inp: SimInputs): { id: string; quotaGpus: number; cohort?: string }[] {
  if (inp.scenario.tenants) return inp.scenario.tenants;
  const seen = new Set<string>();
  for (const j of inp.jobs) seen.add(j.tenant);
  const ids = [...seen].sort();
  return ids.map((id) => ({ id, quotaGpus: Math.floor(inp.fabric.gpus / Math.max(1, ids.length)), cohort: 'default' }));
}

/** The grid series the edge handed in, per site; a missing zone is a clear error (the simulator reads no files). */
function gridOf(inp: SimInputs, state: ClusterState, offsetS: number) {
  const carbon: HourlyIntegral[] = [];
  const price: HourlyIntegral[] = [];
  const sources: Record<string, { carbon: string; price: string }> = {};
  for (const s of state.sites) {
    const g = inp.grid[s.gridZone];
    if (!g)
      throw new GridDataError([
        {
          path: `grid.${s.gridZone}`,
          message: `no grid series handed in for zone "${s.gridZone}" (site ${s.id})`,
          hint: 'load it at the edge with loadGridFor(fabric.sites) (src/sim/grid-files.ts) or pass constantGridSeries',
        },
      ]);
    carbon.push(new HourlyIntegral(g.carbonGPerKWh, offsetS));
    price.push(new HourlyIntegral(g.priceUsdPerMWh, offsetS));
    sources[s.gridZone] = { carbon: g.carbonSource, price: g.priceSource };
  }
  return { carbon, price, sources };
}

/** The context at time 0. Long because it is one object literal of the context's fields, nothing else. */
export function createContext(inp: SimInputs): SimContext {
  const { fabric, scenario } = inp;
  const rng = new Rng(inp.seed);
  const state = buildClusterState(fabric, {
    tenants: tenantsOf(inp),
    busyFraction: inp.busyFraction,
    idleFraction: inp.idleFraction,
  });
  const fabricSite = new Map(fabric.sites.map((s) => [s.id, s]));
  const grid = gridOf(inp, state, scenarioOffsetS(scenario));
  const domains: DomainRef[] = [];
  const podBase = new Map<string, Map<string, number>>();
  let gpuCount = 0;
  state.sites.forEach((site, siteIdx) => {
    const pods = new Map<string, number>();
    podBase.set(site.id, pods);
    for (const pod of site.pods) {
      pods.set(pod.id, domains.length);
      pod.domainCapacity.forEach((cap, d) => {
        domains.push({ site, siteIdx, podId: pod.id, domain: d, cap, start: gpuCount });
        gpuCount += cap;
      });
    }
  });
  const runs = newRuns(inp.jobs);
  if (firstDuplicateId((i) => runs[i].spec.id, runs.length) !== undefined)
    throw new Error('simulate: job ids must be unique');
  const lastSubmit = runs.reduce((m, r) => Math.max(m, r.spec.submitTimeS), 0);
  const zeros = (): number[] => state.sites.map(() => 0);
  return {
    fabric,
    policy: inp.policy,
    scenario,
    failRng: rng.fork('failures'),
    siteFailRng: rng.fork('site-failures'),
    speedModel: new SpeedModel(fabric, inp.models, inp.clock),
    state,
    fabricSite,
    siteIndex: new Map(state.sites.map((s, i) => [s.id, i])),
    pue: state.sites.map((s) => fabricSite.get(s.id)!.pue),
    wue: state.sites.map((s) => fabricSite.get(s.id)!.wueLPerKWh),
    carbon: grid.carbon,
    price: grid.price,
    gridSources: grid.sources,
    domains,
    gpuCount,
    occupancy: new Map(),
    failedInDomain: new Map(),
    podBase,
    runs,
    ev: new EventQueue(),
    queue: [],
    running: [],
    runningPos: new Int32Array(runs.length).fill(-1),
    runningRun: [],
    byEnd: new RunningByEnd(),
    done: 0,
    total: runs.length,
    horizonS: inp.horizonS ?? lastSubmit + 365 * 86_400,
    failRatePerS: (scenario.failures.perGpuHour * gpuCount) / 3600,
    siteFailPerS: (scenario.failures.sitePerYear * state.sites.length) / (365 * 86_400),
    intervalFailuresPerGpuHour: Math.max(scenario.failures.perGpuHour, LLAMA3_FAILURES_PER_GPU_HOUR),
    restart: scenario.restart,
    wanFactor: new Map(),
    feasibilityCache: new Map(),
    tickS: inp.schedulerIntervalS,
    schedulePending: -1,
    wakes: new Set(),
    siteDown: state.sites.map(() => false),
    acc: {
      lastT: 0,
      siteEnergyJ: zeros(),
      siteCarbonG: zeros(),
      siteCostUsd: zeros(),
      siteWaterL: zeros(),
      siteBusyGpuS: zeros(),
      busyGpuSeconds: 0,
      availGpuSeconds: 0,
    },
    series: {
      tS: [],
      busyGpus: [],
      powerMW: [],
      carbonTPerH: [],
      queued: [],
      running: [],
      sites: state.sites.map((s) => ({ id: s.id, busyGpus: [], powerMW: [], carbonGPerKWh: [] })),
    },
    failures: 0,
    failuresByKind: { gpu: 0, node: 0, rack: 0, site: 0 },
    events: 0,
    rounds: 0,
    now: 0,
  };
}
