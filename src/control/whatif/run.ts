// One what-if: two or more runs of the digital twin on the same workload (on fairwater the superfactory mix), seed
// and fabric (a site down for N hours against a baseline, or policies side by side), compacted for charts.
// No clock here: the caller measures the wall time.
import type { RunView, WhatIfResult } from '../../contract/responses.js';
import { WHATIF_DEFAULT_MIX, type WhatIfBody } from '../../contract/dashboard.js';
import type { Fabric } from '../../fabric/types.js';
import { loadModel } from '../../perf/index.js';
import { createPolicy, type PolicyName } from '../../sched/index.js';
import { loadGridFor } from '../../sim/grid-files.js';
import { quantile } from '../../sim/metrics.js';
import { parseScenario } from '../../sim/scenario.js';
import { simulate, type SimResult } from '../../sim/simulate.js';
import {
  generateSuperfactory,
  generateSynthetic,
  loadWorkloadMix,
  mixQuotaTenants,
  parseSyntheticSpec,
  type JobSpec,
} from '../../workload/index.js';
import { InvalidInputError } from '../domain.js';
import { bad, simIssues } from './inputs.js';

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

export function runView(label: string, r: SimResult, fabric: Fabric): RunView {
  const s = r.summary;
  const gpus = Math.max(1, fabric.gpus);
  const jct = r.jobs
    .filter((j) => j.jctS !== null)
    .map((j) => j.jctS! / 3600)
    .sort((a, b) => a - b);
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

type Scenario = NonNullable<ReturnType<typeof parseScenario>['scenario']>;

/** The runs a what-if asks for, after checking its site and start date; `tenants` are the workload's quotas. */
function plannedRuns(
  fabric: Fabric,
  b: WhatIfBody,
  tenants?: unknown[],
): { label: string; policy: PolicyName; scenario: Scenario }[] {
  const start = `${b.start ?? '2022-07-01'}T00:00:00Z`;
  if (
    b.start !== undefined &&
    (Number.isNaN(Date.parse(start)) || new Date(start).toISOString().slice(0, 10) !== b.start)
  )
    throw bad('start', `"${b.start}" is not a calendar date`, 'a 2022 date such as 2022-07-01', 400);
  const scenarioOf = (events: unknown[], name: string): Scenario => {
    const r = parseScenario(
      {
        name,
        start,
        events,
        ...(tenants ? { tenants } : {}),
        ...(b.failures === false ? { failures: { enabled: false } } : {}),
      },
      'what-if',
    );
    if (!r.scenario) throw new InvalidInputError(r.issues, 422);
    return r.scenario;
  };
  if (b.mode === 'policies') {
    const policies = b.policies ?? ['priority', 'carbon-aware'];
    return policies.map((p) => ({ label: p, policy: p, scenario: scenarioOf([], 'baseline') }));
  }
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
  return [
    { label: 'baseline', policy, scenario: scenarioOf([], 'baseline') },
    {
      label: `${site} down ${hours} h`,
      policy,
      scenario: scenarioOf([{ site, down: { from: `${at}h`, to: `${at + hours}h` } }], `${site}-down-${hours}h`),
    },
  ];
}

/**
 * fairwater's default is the superfactory mix (data/workloads/superfactory.yaml: frontier runs plus open classes)
 * with its tenant quotas (superfactory-quotas.scenario.yaml); medianHours, a knob of the heavy-tailed synthetic
 * generator only, asks for that generator, as other fabrics get.
 */
function whatIfJobs(
  fabric: Fabric,
  w: NonNullable<WhatIfBody['workload']>,
): { jobs: JobSpec[]; tenants?: unknown[]; mix?: string } {
  const mix = WHATIF_DEFAULT_MIX[fabric.name];
  if (mix !== undefined && w.medianHours === undefined) {
    const m = loadWorkloadMix(mix);
    const g = m.mix
      ? generateSuperfactory(m.mix, loadModel, {
          fleetGpus: fabric.gpus,
          jobs: w.jobs ?? 300,
          seed: w.seed ?? 1,
          ...(w.ratePerHour !== undefined ? { ratePerHour: w.ratePerHour } : {}),
          ...(w.maxGpus !== undefined ? { maxGpus: w.maxGpus } : {}),
        })
      : { issues: m.issues };
    if (!g.workload)
      throw new InvalidInputError(
        g.issues.map((i) => ({ ...i, path: `workload: ${i.path}` })),
        422,
      );
    const tenants = mixQuotaTenants(mix);
    return { jobs: g.workload.jobs, mix, ...(tenants ? { tenants } : {}) };
  }
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
  return { jobs: generateSynthetic(syn.spec, loadModel) };
}

/**
 * Runs the what-if. `between` is awaited before each twin run (the inline path yields to the event
 * loop there, so the scheduler and event streams breathe). `wallMs` is filled in by the caller.
 */
export async function whatIfOn(
  fabric: Fabric,
  b: WhatIfBody,
  between: () => Promise<void> = async () => {},
): Promise<Omit<WhatIfResult, 'wallMs'>> {
  const w = b.workload ?? {};
  const { jobs, tenants, mix } = whatIfJobs(fabric, w);
  const lastSubmit = jobs.reduce((m, j) => Math.max(m, j.submitTimeS), 0);
  const horizonS = lastSubmit + (b.horizonDays ?? 7) * 86_400;
  const runs = plannedRuns(fabric, b, tenants);
  let grid: ReturnType<typeof loadGridFor>;
  try {
    grid = loadGridFor(fabric.sites); // the edge reads the grid series once; the simulator reads no files
  } catch (err) {
    throw simIssues(err);
  }
  const out: RunView[] = [];
  for (const r of runs) {
    await between();
    let res: SimResult;
    try {
      res = simulate({
        models: loadModel,
        fabric,
        jobs,
        grid,
        policy: createPolicy(r.policy),
        scenario: r.scenario,
        seed: w.seed ?? 1,
        horizonS,
      });
    } catch (err) {
      throw simIssues(err);
    }
    out.push(runView(r.label, res, fabric));
    // an outage that starts once the baseline has finished every job changes nothing: refused, not charted
    const at = b.atHours ?? 24;
    if (b.mode === 'outage' && out.length === 1 && res.summary.jobsUnfinished === 0 && at >= res.summary.makespanHours)
      throw bad(
        'atHours',
        `the outage at ${at} h starts after the workload ends (the baseline finishes its last job at ${res.summary.makespanHours.toFixed(1)} h): it would change nothing`,
        `give atHours below ${Math.floor(res.summary.makespanHours)}, or more jobs (workload.jobs) or a higher arrival rate`,
      );
  }
  return { mode: b.mode, fabric: fabric.name, jobs: jobs.length, ...(mix ? { workloadMix: mix } : {}), runs: out };
}
