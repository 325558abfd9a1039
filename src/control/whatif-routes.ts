// Routes the web dashboard needs beyond the core API: who the token is, the catalog of models and
// fabrics, live telemetry (power drawn, grid carbon intensity now, WAN use), the plan explorer on any
// preset or edited fabric, a WAN sweep that yields to the event loop between cells, and what-if runs
// of the digital twin (a site down for N hours, or two policies on one synthetic trace).
//
// Register once, before listen:  registerWhatIfRoutes(app, { fabric: o.fabric, store: o.store });
// Every route is under /v1/, so the server's bearer-token hook authenticates it; all are read-only
// computations, open to every role (viewer included).
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { dataPath } from '../data-dir.js';
import { listFabricPresets, loadFabric, parseFabricText } from '../fabric/index.js';
import type { Fabric } from '../fabric/types.js';
import { listModelIds, loadModel } from '../perf/models.js';
import type { ModelSpec } from '../perf/types.js';
import { PlannerInputError, planOnFabric } from '../planner/index.js';
import { mergedSingleSite } from '../planner/sweep.js';
import type { PlanRequest, RankedPlan, Strategy } from '../planner/types.js';
import { createPolicy, POLICY_NAMES, type PolicyName } from '../sched/index.js';
import { GridDataError, loadGridSeries } from '../sim/grid.js';
import { SharedDataMissingError } from '../sim/paths.js';
import { quantile } from '../sim/metrics.js';
import { parseScenario } from '../sim/scenario.js';
import {
  DEFAULT_BUSY_POWER_FRACTION,
  DEFAULT_IDLE_POWER_FRACTION,
  ScenarioRefError,
  simulate,
  type SimResult,
} from '../sim/simulate.js';
import { generateSynthetic, parseSyntheticSpec } from '../workload/index.js';
import type { InputIssue, Principal } from './domain.js';
import { ACTIVE_STATES, DomainError, InvalidInputError } from './domain.js';
import { parse } from './schemas.js';
import type { Store } from './store/types.js';
import type { RunView, SweepView, WhatIfResult } from './wire-types.js';

export interface WhatIfDeps {
  /** The fabric the control plane runs (the default for every route). */
  fabric: Fabric;
  store: Store;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

const MODEL_ID = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'a zoo model id');
const FABRIC_ID = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'a fabric preset id');
const STRATEGIES = ['single-site', 'hierarchical-dp', 'pipeline-across-sites', 'diloco', 'independent'] as const;

const FabricChoice = {
  /** A preset id (data/fabrics); absent: the server's fabric. */
  fabric: FABRIC_ID.optional(),
  /** A whole fabric as YAML or JSON text (the plan explorer's "edit"); wins over `fabric`. */
  fabricText: z.string().min(1).max(60_000).optional(),
};

export const ExplorePlansSchema = z
  .object({
    model: MODEL_ID,
    ...FabricChoice,
    gpus: z.number().int().positive().max(10_000_000).optional(),
    tokens: z.number().positive().max(1e18).optional(),
    sites: z.array(z.string().min(1).max(100)).max(100).optional(),
    top: z.number().int().min(1).max(20).optional(),
    wanCapacityGbps: z.number().positive().max(1e8).optional(),
    wanLatencyMs: z.number().nonnegative().max(1000).optional(),
    strategies: z.array(z.enum(STRATEGIES)).min(1).optional(),
  })
  .strict();

export const ExploreSweepSchema = z
  .object({
    model: MODEL_ID,
    ...FabricChoice,
    gpus: z.number().int().positive().max(10_000_000).optional(),
    sites: z.array(z.string().min(1).max(100)).min(2).max(100).optional(),
    wanGbpsList: z.array(z.number().positive().max(1e8)).min(1).max(10).optional(),
    wanLatencyMsList: z.array(z.number().nonnegative().max(1000)).min(1).max(8).optional(),
  })
  .strict();

const Workload = z
  .object({
    jobs: z.number().int().min(1).max(3000).optional(),
    ratePerHour: z.number().positive().max(10_000).optional(),
    maxGpus: z.number().int().positive().max(1_000_000).optional(),
    medianHours: z.number().positive().max(1000).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .optional(),
  })
  .strict();

export const WhatIfSchema = z
  .object({
    mode: z.enum(['outage', 'policies']),
    fabric: FABRIC_ID.optional(),
    /** outage: the policy of both runs (default priority). */
    policy: z.enum(POLICY_NAMES).optional(),
    /** policies: the two policies to compare (default priority, carbon-aware). */
    policies: z.array(z.enum(POLICY_NAMES)).min(2).max(4).optional(),
    site: z.string().min(1).max(100).optional(),
    downHours: z
      .number()
      .positive()
      .max(24 * 30)
      .optional(),
    /** Hours after the simulation start when the site goes down (default 24). */
    atHours: z
      .number()
      .nonnegative()
      .max(24 * 60)
      .optional(),
    /** 2022 date that simulation time 0 maps to in the grid series (default 2022-07-01). */
    start: z
      .string()
      .regex(/^2022-\d{2}-\d{2}$/, 'a 2022 date such as 2022-07-01')
      .optional(),
    horizonDays: z.number().positive().max(60).optional(),
    failures: z.boolean().optional(),
    workload: Workload.optional(),
  })
  .strict();

type ExplorePlansBody = z.infer<typeof ExplorePlansSchema>;
type WhatIfBody = z.infer<typeof WhatIfSchema>;

function bad(path: string, message: string, hint: string, status: 400 | 422 = 422): InvalidInputError {
  return new InvalidInputError([{ path, message, hint }], status);
}

/** Small LRU of finished computations (same body, same answer: everything here is deterministic). */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.size) this.m.delete(this.m.keys().next().value as string);
  }
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function principalOf(req: FastifyRequest): Principal {
  const p = (req as FastifyRequest & { principal?: Principal }).principal;
  if (!p) throw new Error('route reached without a principal: the /v1 auth hook did not run');
  return p;
}

function modelFor(id: string): ModelSpec {
  if (!listModelIds().includes(id))
    throw bad(
      'model',
      `unknown model ${JSON.stringify(id)}`,
      `use one of ${listModelIds().slice(0, 8).join(', ')}, ... (GET /v1/catalog)`,
    );
  return loadModel(id);
}

async function fabricFor(deps: WhatIfDeps, b: { fabric?: string; fabricText?: string }): Promise<Fabric> {
  if (b.fabricText !== undefined) {
    const r = parseFabricText(b.fabricText, 'fabricText');
    if (!r.ok)
      throw new InvalidInputError(
        r.issues.map((i) => ({ ...i, path: `fabricText: ${i.path}` })),
        422,
      );
    return r.fabric;
  }
  if (b.fabric === undefined || b.fabric === deps.fabric.name) return deps.fabric;
  if (!listFabricPresets().includes(b.fabric))
    throw bad(
      'fabric',
      `unknown fabric preset ${JSON.stringify(b.fabric)}`,
      `use one of ${listFabricPresets().join(', ')}`,
    );
  return loadFabric(b.fabric);
}

function plannerIssues(err: unknown): InvalidInputError {
  if (err instanceof InvalidInputError) return err;
  const issues = (err as { issues?: InputIssue[] }).issues;
  if (err instanceof PlannerInputError || Array.isArray(issues)) return new InvalidInputError(issues!, 422);
  return bad('(body)', (err as Error).message, 'check the model, GPU count and sites');
}

function simIssues(err: unknown): unknown {
  if (err instanceof GridDataError) return new InvalidInputError(err.issues, 422);
  if (err instanceof SharedDataMissingError)
    return bad(
      '(server)',
      err.message,
      'the twin needs the shared grid data beside the repository (SUPERFACTORY_SHARED_DIR)',
    );
  if (err instanceof ScenarioRefError)
    return bad('site', `"${err.value}" is not in the fabric`, `use one of ${err.known.join(', ')}`);
  return err;
}

/** Facility power per GPU (W, IT x PUE) of a site's largest pod. */
function sitePerGpuW(site: Fabric['sites'][number]): number {
  const pod = [...site.pods].sort((a, b) => b.gpus - a.gpus)[0];
  return pod ? pod.system.systemPowerPerGpuW * site.pue : 0;
}

/** The 2022 hourly series at this hour of the year (the only year the shared data covers). */
function hourOfYear(ms: number): number {
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.min(8759, Math.floor((ms - start) / 3_600_000));
}

function carbonNow(
  zone: string,
  hour: number,
): { carbonGPerKWh: number | null; priceUsdPerMWh: number | null; source: string | null } {
  try {
    const s = loadGridSeries(zone);
    return {
      carbonGPerKWh: s.carbonGPerKWh[hour % s.carbonGPerKWh.length],
      priceUsdPerMWh: s.priceUsdPerMWh[hour % s.priceUsdPerMWh.length],
      source: s.carbonSource,
    };
  } catch {
    return { carbonGPerKWh: null, priceUsdPerMWh: null, source: null };
  }
}

function runView(label: string, r: SimResult, fabric: Fabric): RunView {
  const s = r.summary;
  const gpus = Math.max(1, fabric.gpus);
  const jct = r.jobs
    .filter((j) => j.jctS !== null)
    .map((j) => j.jctS! / 3600)
    .sort((a, b) => a - b);
  const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    label,
    policy: s.policy,
    scenario: s.scenario,
    summary: {
      jobsTotal: s.jobsTotal,
      jobsFinished: s.jobsFinished,
      jobsUnfinished: s.jobsUnfinished,
      meanJctHours: s.meanJctHours,
      p50JctHours: s.p50JctHours,
      p99JctHours: s.p99JctHours,
      meanQueueHours: s.meanQueueHours,
      gpuUtilization: s.gpuUtilization,
      goodput: s.goodput,
      interruptions: s.interruptions,
      preemptions: s.preemptions,
      lostGpuHours: s.lostGpuHours,
      energyMWh: s.energyMWh,
      emissionsTCO2e: s.emissionsTCO2e,
      costUsd: s.costUsd,
      makespanHours: s.makespanHours,
    },
    series: {
      tHours: r.series.tS.map((t) => round(t / 3600, 3)),
      utilization: r.series.busyGpus.map((b) => round(b / gpus)),
      sites: r.series.sites.map((x) => {
        const cap = Math.max(1, fabric.sites.find((f) => f.id === x.id)?.gpus ?? 1);
        return { id: x.id, utilization: x.busyGpus.map((b) => round(b / cap)), carbonGPerKWh: x.carbonGPerKWh };
      }),
      carbonTPerH: r.series.carbonTPerH,
      powerMW: r.series.powerMW,
      queued: r.series.queued,
    },
    jctQuantilesHours: Array.from({ length: 201 }, (_, i) => round(quantile(jct, i / 200), 3)),
  };
}

/** One what-if on the server's fabric or a preset, computed in this thread. */
export async function runWhatIf(deps: WhatIfDeps, b: WhatIfBody): Promise<WhatIfResult> {
  return whatIfOn(await fabricFor(deps, b), b);
}

async function whatIfOn(fabric: Fabric, b: WhatIfBody): Promise<WhatIfResult> {
  const t0 = performance.now();
  const w = b.workload ?? {};
  // Defaults sized for a 100k-GPU fleet: 300 jobs arriving over about 15 hours, heavy-tailed sizes.
  const syn = parseSyntheticSpec({
    jobs: w.jobs ?? 300,
    ratePerHour: w.ratePerHour ?? 20,
    maxGpus: w.maxGpus ?? Math.max(8, Math.min(32_768, Math.floor(fabric.gpus / 3))),
    sizeAlpha: 0.6,
    medianHours: w.medianHours ?? 4,
    seed: w.seed ?? 1,
  });
  if (!syn.spec) throw new InvalidInputError(syn.issues, 422);
  const jobs = generateSynthetic(syn.spec);
  const lastSubmit = jobs.reduce((m, j) => Math.max(m, j.submitTimeS), 0);
  const horizonS = lastSubmit + (b.horizonDays ?? 7) * 86_400;
  const start = `${b.start ?? '2022-07-01'}T00:00:00Z`;
  if (
    b.start !== undefined &&
    (Number.isNaN(Date.parse(start)) || new Date(start).toISOString().slice(0, 10) !== b.start)
  ) {
    throw bad('start', `"${b.start}" is not a calendar date`, 'a 2022 date such as 2022-07-01', 400);
  }
  const scenarioOf = (events: unknown[], name: string) => {
    const r = parseScenario(
      { name, start, events, ...(b.failures === false ? { failures: { enabled: false } } : {}) },
      'what-if',
    );
    if (!r.scenario) throw new InvalidInputError(r.issues, 422);
    return r.scenario;
  };
  const runs: { label: string; policy: PolicyName; scenario: ReturnType<typeof scenarioOf> }[] = [];
  if (b.mode === 'outage') {
    const site = b.site ?? fabric.sites[0]?.id;
    if (!site || !fabric.sites.some((s) => s.id === site))
      throw bad(
        'site',
        `no site ${JSON.stringify(site)} in fabric ${fabric.name}`,
        `use one of ${fabric.sites.map((s) => s.id).join(', ')}`,
      );
    const at = b.atHours ?? 24;
    const hours = b.downHours ?? 6;
    const policy = b.policy ?? 'priority';
    runs.push({ label: 'baseline', policy, scenario: scenarioOf([], 'baseline') });
    runs.push({
      label: `${site} down ${hours} h`,
      policy,
      scenario: scenarioOf([{ site, down: { from: `${at}h`, to: `${at + hours}h` } }], `${site}-down-${hours}h`),
    });
  } else {
    const policies = b.policies ?? ['priority', 'carbon-aware'];
    for (const p of policies) runs.push({ label: p, policy: p, scenario: scenarioOf([], 'baseline') });
  }
  const out: RunView[] = [];
  for (const r of runs) {
    await yieldToLoop(); // let the scheduler loop and SSE streams breathe between runs
    let res: SimResult;
    try {
      res = simulate({
        fabric,
        jobs,
        policy: createPolicy(r.policy),
        scenario: r.scenario,
        seed: w.seed ?? 1,
        horizonS,
      });
    } catch (err) {
      throw simIssues(err);
    }
    out.push(runView(r.label, res, fabric));
  }
  return {
    mode: b.mode,
    fabric: fabric.name,
    jobs: jobs.length,
    runs: out,
    wallMs: Math.round(performance.now() - t0),
  };
}

// ---- what-if off the event loop ----
// A twin run plans every (model, GPU count) class it meets, seconds of CPU on a 100k-GPU fabric: run
// it in a worker thread so the API, the event stream and the scheduler loop stay responsive. The
// worker is this very module (the guard below); under tsx it registers tsx first. Where no worker can
// load this module (a test runner's in-memory transform), the run happens inline, as before.

const WORKER_KIND = 'superfactory-whatif';
const WORKER_BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.url);
})().catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));
`;
const WHATIF_TIMEOUT_MS = 300_000;

type WorkerReply =
  { ok: WhatIfResult } | { issues: InputIssue[]; status: 400 | 422 } | { error: string } | { fatal: string };

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const { fabric, body } = workerData as { fabric: Fabric; body: WhatIfBody };
  const reply = (m: WorkerReply) => parentPort!.postMessage(m);
  whatIfOn(fabric, body).then(
    (ok) => reply({ ok }),
    (err: unknown) => {
      const e = simIssues(err);
      if (e instanceof InvalidInputError) reply({ issues: e.issues, status: e.status === 400 ? 400 : 422 });
      else reply({ error: (e as Error)?.stack ?? String(e) });
    },
  );
}

let workersUnavailable = false;

function inWorker(fabric: Fabric, body: WhatIfBody): Promise<WhatIfResult | null> {
  if (workersUnavailable) return Promise.resolve(null);
  let tsx: string | null = null;
  try {
    tsx = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
  } catch {
    workersUnavailable = true;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const w = new Worker(WORKER_BOOT, {
      eval: true,
      workerData: { kind: WORKER_KIND, url: import.meta.url, tsx, fabric, body },
    });
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      f();
    };
    const timer = setTimeout(
      () =>
        done(() =>
          reject(
            new DomainError('whatif_timeout', 503, `the simulation ran longer than ${WHATIF_TIMEOUT_MS / 1000} s`),
          ),
        ),
      WHATIF_TIMEOUT_MS,
    );
    w.on('message', (m: WorkerReply) =>
      done(() => {
        if ('ok' in m) resolve({ ...m.ok, isolated: true });
        else if ('issues' in m) reject(new InvalidInputError(m.issues, m.status));
        else if ('fatal' in m) {
          workersUnavailable = true; // this runtime cannot load the module in a worker: run inline from now on
          resolve(null);
        } else reject(new Error(`what-if worker: ${m.error}`));
      }),
    );
    w.on('error', (err) => done(() => reject(err)));
    w.on('exit', (code) => done(() => reject(new Error(`what-if worker exited with code ${code}`))));
  });
}

/** Runs what-ifs one at a time (each uses a core for seconds), in a worker when one can load this module. */
let whatIfQueue: Promise<unknown> = Promise.resolve();
async function runWhatIfIsolated(deps: WhatIfDeps, b: WhatIfBody): Promise<WhatIfResult> {
  const fabric = await fabricFor(deps, b);
  const run = whatIfQueue.then(async () => (await inWorker(fabric, b)) ?? whatIfOn(fabric, b));
  whatIfQueue = run.catch(() => {});
  return run;
}

/** The planner's WAN sweep, cell by cell with a yield between cells (a full fairwater cell takes ~0.4 s). */
export async function sweepCooperative(
  model: ModelSpec,
  fabric: Fabric,
  body: { gpus?: number; sites?: string[]; wanGbpsList: number[]; wanLatencyMsList: number[] },
): Promise<SweepView> {
  const t0 = performance.now();
  if (fabric.sites.length < 2)
    throw bad(
      'fabric',
      `fabric ${fabric.name} has one site: a WAN sweep needs two or more`,
      'pick a multi-site fabric such as fairwater',
    );
  const siteIds = body.sites ?? fabric.sites.slice(0, 2).map((s) => s.id);
  for (const id of siteIds)
    if (!fabric.sites.some((s) => s.id === id))
      throw bad('sites', `no site ${id} in fabric ${fabric.name}`, `use ${fabric.sites.map((s) => s.id).join(', ')}`);
  const cross: Strategy[] = ['hierarchical-dp', 'pipeline-across-sites', 'diloco'];
  const best = (req: PlanRequest): { plan: RankedPlan | undefined; n: number } => {
    const r = planOnFabric(model, fabric, { ...req, top: 1, strategies: cross });
    return { plan: r.plans[0], n: r.plansEvaluated };
  };
  const base: PlanRequest = { sites: siteIds, ...(body.gpus ? { gpus: body.gpus } : {}) };
  let evaluated = 0;
  const probe = best({ ...base, wanCapacityGbps: body.wanGbpsList[0], wanLatencyMs: body.wanLatencyMsList[0] });
  evaluated += probe.n;
  if (!probe.plan)
    throw bad(
      'model',
      `no cross-site plan of ${model.name} fits on ${siteIds.join(' + ')}`,
      'give more GPUs or a smaller model',
    );
  const gpus = probe.plan.gpus;
  await yieldToLoop();
  const single = planOnFabric(model, mergedSingleSite(fabric, siteIds), { gpus, top: 1, strategies: ['single-site'] });
  evaluated += single.plansEvaluated;
  const reference = single.plans[0]?.effectiveTokensPerSecond ?? 0;
  const cells: SweepView['cells'] = [];
  for (const latency of body.wanLatencyMsList) {
    for (const gbps of body.wanGbpsList) {
      await yieldToLoop();
      const r = best({ ...base, gpus, wanCapacityGbps: gbps, wanLatencyMs: latency });
      evaluated += r.n;
      const eff = r.plan?.effectiveTokensPerSecond ?? 0;
      cells.push({
        wanGbps: gbps,
        wanLatencyMs: latency,
        effectiveTokensPerSecond: eff,
        strategy: r.plan?.strategy ?? 'none',
        fractionOfSingleSite: reference > 0 ? eff / reference : 0,
      });
    }
  }
  const sortedGbps = [...body.wanGbpsList].sort((a, b) => a - b);
  const thresholds = body.wanLatencyMsList.map((latency) => {
    const at = (target: number) =>
      sortedGbps.find(
        (g) => (cells.find((c) => c.wanGbps === g && c.wanLatencyMs === latency)?.fractionOfSingleSite ?? 0) >= target,
      ) ?? null;
    return { wanLatencyMs: latency, gbpsFor90: at(0.9), gbpsFor95: at(0.95) };
  });
  return {
    model: model.name,
    fabric: fabric.name,
    sites: siteIds,
    gpus,
    singleSiteTokensPerSecond: reference,
    wanGbpsList: body.wanGbpsList,
    wanLatencyMsList: body.wanLatencyMsList,
    cells,
    thresholds,
    plansEvaluated: evaluated,
    searchSeconds: (performance.now() - t0) / 1000,
  };
}

/** Live view for the map: per-site GPUs, power drawn vs cap, grid carbon now; per-link WAN use. */
export async function telemetry(deps: WhatIfDeps): Promise<Record<string, unknown>> {
  const nowMs = (deps.now ?? Date.now)();
  const { fabric, store } = deps;
  const active = await store.listJobs({ states: [...ACTIVE_STATES], limit: 100_000, order: 'oldest' });
  const used = new Map<string, number>();
  const wan = new Map<string, { gbps: number; jobs: number }>();
  const linkOf = (a: string, b: string) =>
    fabric.wanLinks.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  for (const j of active.jobs) {
    const sites = [...new Set((j.placement ?? []).map((p) => p.site))];
    for (const part of j.placement ?? []) used.set(part.site, (used.get(part.site) ?? 0) + part.gpus);
    if (sites.length < 2 || (j.state !== 'running' && j.state !== 'checkpointing')) continue;
    const gbps = Number((j.plan as { wanGbpsUsed?: unknown } | null)?.wanGbpsUsed) || 0;
    for (let i = 0; i < sites.length; i++) {
      for (let k = i + 1; k < sites.length; k++) {
        const l = linkOf(sites[i], sites[k]);
        if (!l) continue;
        const cur = wan.get(l.id) ?? { gbps: 0, jobs: 0 };
        cur.gbps += gbps;
        cur.jobs += 1;
        wan.set(l.id, cur);
      }
    }
  }
  const hour = hourOfYear(nowMs);
  return {
    at: new Date(nowMs).toISOString(),
    carbonNote: 'grid intensity: the 2022 hourly series (EIA-930) at the current hour of the year',
    sites: fabric.sites.map((s) => {
      const u = Math.min(s.gpus, used.get(s.id) ?? 0);
      const perGpuW = sitePerGpuW(s);
      const drawMW =
        (u * perGpuW * DEFAULT_BUSY_POWER_FRACTION + (s.gpus - u) * perGpuW * DEFAULT_IDLE_POWER_FRACTION) / 1e6;
      const c = carbonNow(s.gridZone, hour);
      return {
        id: s.id,
        gridZone: s.gridZone,
        gpus: s.gpus,
        usedGpus: u,
        freeGpus: s.gpus - u,
        powerCapMW: s.powerMW,
        powerDrawMW: Math.round(drawMW * 100) / 100,
        carbonGPerKWh: c.carbonGPerKWh,
        priceUsdPerMWh: c.priceUsdPerMWh,
        carbonSource: c.source,
      };
    }),
    wanLinks: fabric.wanLinks.map((l) => {
      const u = wan.get(l.id) ?? { gbps: 0, jobs: 0 };
      return {
        id: l.id,
        a: l.a,
        b: l.b,
        capacityGbps: l.capacityGbps,
        latencyMs: l.latencyMs,
        usedGbps: Math.round(u.gbps * 10) / 10,
        utilization: l.capacityGbps > 0 ? Math.min(1, u.gbps / l.capacityGbps) : 0,
        jobs: u.jobs,
      };
    }),
  };
}

const doc = (summary: string, extra: Record<string, unknown> = {}) => ({
  schema: { summary, tags: ['dashboard'], ...extra },
});
const jsonBody = (schema: z.ZodType) => ({ body: z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) });

export function registerWhatIfRoutes(app: FastifyInstance, deps: WhatIfDeps): void {
  const plans = new Lru<unknown>(32);
  const sweeps = new Lru<SweepView>(16);
  const whatifs = new Lru<unknown>(16);
  const inflight = new Map<string, Promise<unknown>>();
  /** One computation per distinct body at a time; later identical requests share it. */
  const once = async <V>(cache: Lru<V>, key: string, fn: () => Promise<V>): Promise<V> => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const running = inflight.get(key) as Promise<V> | undefined;
    if (running) return running;
    const p = fn().then((v) => {
      cache.set(key, v);
      return v;
    });
    inflight.set(key, p);
    try {
      return await p;
    } finally {
      inflight.delete(key);
    }
  };

  app.get('/v1/whoami', doc('The signed-in token: tenant and role'), async (req) => {
    const p = principalOf(req);
    return { tenant: p.tenantId, role: p.role, tokenId: p.tokenId };
  });

  app.get('/v1/catalog', doc('Model zoo ids, fabric presets and scheduling policies (for pickers)'), async (req) => {
    principalOf(req);
    const models = listModelIds().map((id) => {
      try {
        return { id, name: loadModel(id).name };
      } catch {
        return { id, name: id };
      }
    });
    return {
      models,
      fabrics: listFabricPresets(),
      serverFabric: deps.fabric.name,
      policies: POLICY_NAMES,
      strategies: STRATEGIES,
    };
  });

  app.get(
    '/v1/explore/fabrics/:id',
    doc('The YAML source of a fabric preset (for editing in the plan explorer)'),
    async (req, reply) => {
      principalOf(req);
      const id = parse(z.object({ id: FABRIC_ID }), req.params).id;
      if (!listFabricPresets().includes(id))
        throw bad('id', `unknown fabric preset ${JSON.stringify(id)}`, `use one of ${listFabricPresets().join(', ')}`);
      reply.type('text/yaml; charset=utf-8');
      return readFileSync(dataPath('fabrics', `${id}.yaml`), 'utf8');
    },
  );

  app.get('/v1/telemetry', doc('Live per-site power and grid carbon intensity, per-link WAN use'), async (req) => {
    principalOf(req);
    return telemetry(deps);
  });

  app.post(
    '/v1/explore/plans',
    doc(
      'Plan explorer: ranked plans with step-time breakdowns on any preset or edited fabric',
      jsonBody(ExplorePlansSchema),
    ),
    async (req) => {
      principalOf(req);
      const b: ExplorePlansBody = parse(ExplorePlansSchema, req.body ?? {});
      return once(plans, JSON.stringify(b), async () => {
        const model = modelFor(b.model);
        const fabric = await fabricFor(deps, b);
        const { model: _m, fabric: _f, fabricText: _t, ...request } = b;
        try {
          const r = planOnFabric(model, fabric, { ...request, top: b.top ?? 5 }, () => performance.now());
          return { ...r, fabricSites: fabric.sites.map((s) => ({ id: s.id, name: s.name, gpus: s.gpus })) };
        } catch (err) {
          throw plannerIssues(err);
        }
      });
    },
  );

  app.post(
    '/v1/explore/sweep',
    doc('WAN sweep: best cross-site throughput over a grid of WAN capacity and latency', jsonBody(ExploreSweepSchema)),
    async (req) => {
      principalOf(req);
      const b = parse(ExploreSweepSchema, req.body ?? {});
      return once(sweeps, JSON.stringify(b), async () => {
        const model = modelFor(b.model);
        const fabric = await fabricFor(deps, b);
        try {
          return await sweepCooperative(model, fabric, {
            ...(b.gpus ? { gpus: b.gpus } : {}),
            ...(b.sites ? { sites: b.sites } : {}),
            wanGbpsList: b.wanGbpsList ?? [400, 1600, 6400, 25_600, 100_000],
            wanLatencyMsList: b.wanLatencyMsList ?? [2, 7, 20, 50],
          });
        } catch (err) {
          throw plannerIssues(err);
        }
      });
    },
  );

  app.post(
    '/v1/whatif',
    doc(
      'Run the digital twin: a site down for N hours against a baseline, or two policies on one trace',
      jsonBody(WhatIfSchema),
    ),
    async (req) => {
      principalOf(req);
      const b = parse(WhatIfSchema, req.body ?? {});
      return once(whatifs, JSON.stringify(b), () => runWhatIfIsolated(deps, b));
    },
  );
}
