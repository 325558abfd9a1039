// `superfactory simulate` and `superfactory compare`: the fleet digital twin from the command line.
// Commander-free: main.ts maps flags onto the option objects below. Bad input prints
// `error: path: message (fix: hint)` lines on stderr and returns exit code 2.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadFabric } from '../fabric/index.js';
import type { Fabric, InputIssue } from '../fabric/types.js';
import { loadModel } from '../perf/index.js';
import { createPolicy, isPolicyName, POLICY_NAMES, type PolicyName } from '../sched/index.js';
import { barChart, cdfChart } from '../sim/charts.js';
import { GridDataError } from '../sim/grid.js';
import { loadGridFor } from '../sim/grid-files.js';
import { SharedDataMissingError } from '../sim/paths.js';
import { defaultScenario, type Scenario } from '../sim/scenario.js';
import { loadScenarioFile } from '../sim/scenario-file.js';
import { ScenarioRefError, simulate, type SimResult } from '../sim/simulate.js';
import {
  generateSynthetic,
  importTraceFile,
  parseColumnMap,
  parseSyntheticSpec,
  TRACE_FORMATS,
  type ImportResult,
  type JobSpec,
  type TraceFormat,
} from '../workload/index.js';
import { CliInputError, EXIT_BAD_INPUT, prepareOutDir, printIssues } from './errors.js';
import { progressBar } from './progress.js';
import { formatCompareTable, summaryLines, writeOutputs } from './sim-outputs.js';

export { formatCompareTable, num } from './sim-outputs.js';

/**
 * Options of `superfactory simulate`. Strings are accepted for numbers (as commander passes them).
 *  --fabric F            preset id (fairwater, dgx-a100-80gb, hgx-h100-roce, dgx-h100-ib, gb200-nvl72) or a fabric file
 *  --trace FILE          a job trace, with --trace-format philly|alibaba2023|csv (default philly)
 *  --columns MAP         csv only: submit=COL,duration=COL,gpus=COL[,tenant=COL]
 *  --synthetic SPEC      instead of a trace: key=value,... (see src/workload/README.md) or a JSON object
 *  --policy P            fifo | priority | fair-share | carbon-aware (default fifo)
 *  --scenario FILE       scenario YAML/JSON (outages, WAN degradations, failure rates, quotas; data/scenarios/)
 *  --seed N              integer seed of the simulation's random streams (failures; default 1)
 *  --workload-seed N     integer seed of the workload: trace model assignment, synthetic jobs (default: --seed)
 *  --json                print one JSON object (the summary) on stdout
 *  --out DIR             write summary.json, jobs.csv, timeseries.csv and SVG charts
 *  --skip-bad-rows       drop malformed trace rows (listed) instead of stopping
 *  --limit N             use only the first N jobs of the trace (by submit time)
 *  --horizon-days D      stop D days after the last submission (default 365); the rest is unfinished
 *  --no-failures         turn sampled failures off (scripted scenario events still apply)
 *  --sched-interval S    run scheduling passes every S seconds instead of at every event (default 0)
 */
export interface SimulateCommandOptions {
  fabric: string;
  trace?: string;
  traceFormat?: string;
  columns?: string;
  synthetic?: string;
  policy?: string;
  scenario?: string;
  seed?: string | number;
  /** The workload's seed, apart from the failure seed (--seed): changing --seed alone keeps the job list. */
  workloadSeed?: string | number;
  json?: boolean;
  out?: string;
  skipBadRows?: boolean;
  limit?: string | number;
  horizonDays?: string | number;
  /** false for --no-failures. */
  failures?: boolean;
  schedInterval?: string | number;
}

/** Options of `superfactory compare`: the simulate inputs plus --policies P1,P2,... (default: all four). */
export interface CompareCommandOptions extends Omit<SimulateCommandOptions, 'policy'> {
  policies?: string;
}

export interface Prepared {
  fabric: Fabric;
  jobs: JobSpec[];
  scenario: Scenario;
  seed: number;
  horizonS?: number;
  failures?: boolean;
  schedulerIntervalS?: number;
  imported?: ImportResult;
}

class BadInput extends Error {
  constructor(readonly issues: InputIssue[]) {
    super(issues.map((i) => i.message).join('; '));
  }
}

function intOption(v: string | number | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n < min || (name !== '--horizon-days' && !Number.isInteger(n))) {
    throw new BadInput([
      {
        path: name,
        message: `"${v}" is not ${name === '--horizon-days' ? 'a number' : 'an integer'} >= ${min}`,
        hint: `pass ${name} with a value >= ${min}`,
      },
    ]);
  }
  return n;
}

export async function prepare(o: SimulateCommandOptions, stderr: (s: string) => void): Promise<Prepared> {
  const issues: InputIssue[] = [];
  if (!o.fabric)
    issues.push({
      path: '--fabric',
      message: 'missing',
      hint: 'pass --fabric fairwater (or another preset id or a fabric file)',
    });
  if (o.trace && o.synthetic)
    issues.push({
      path: '--trace/--synthetic',
      message: 'both given',
      hint: 'use either --trace FILE or --synthetic SPEC',
    });
  if (!o.trace && !o.synthetic)
    issues.push({
      path: '--trace',
      message: 'no workload given',
      hint: 'pass --trace FILE --trace-format philly|alibaba2023|csv, or --synthetic jobs=1000',
    });
  const format = (o.traceFormat ?? 'philly') as TraceFormat;
  if (o.trace && !(TRACE_FORMATS as readonly string[]).includes(format)) {
    issues.push({
      path: '--trace-format',
      message: `unknown format "${o.traceFormat}"`,
      hint: `use one of ${TRACE_FORMATS.join(', ')}`,
    });
  }
  if (o.columns && format !== 'csv')
    issues.push({
      path: '--columns',
      message: 'only used with --trace-format csv',
      hint: 'add --trace-format csv or drop --columns',
    });
  if (issues.length) throw new BadInput(issues);
  const seed = intOption(o.seed, '--seed', 0) ?? 1;
  // Two streams: --seed drives the simulation (failures), --workload-seed the jobs; by default the same number.
  const workloadSeed = intOption(o.workloadSeed, '--workload-seed', 0) ?? seed;
  const workloadSeedGiven = o.workloadSeed !== undefined || o.seed !== undefined;
  const limit = intOption(o.limit, '--limit', 1);
  const horizonDays = intOption(o.horizonDays, '--horizon-days', 0);
  const schedIntervalS = intOption(o.schedInterval, '--sched-interval', 0);

  let fabric: Fabric;
  try {
    fabric = await loadFabric(o.fabric);
  } catch (e) {
    const is = (e as { issues?: InputIssue[] }).issues;
    if (Array.isArray(is)) throw new BadInput(is.map((i) => ({ ...i, path: `--fabric ${o.fabric}: ${i.path}` })));
    throw e;
  }

  let scenario = defaultScenario();
  if (o.scenario) {
    const s = loadScenarioFile(o.scenario);
    if (!s.scenario) throw new BadInput(s.issues);
    scenario = s.scenario;
  }

  let jobs: JobSpec[];
  let imported: ImportResult | undefined;
  if (o.trace) {
    let columns;
    if (format === 'csv') {
      if (!o.columns)
        throw new BadInput([
          {
            path: '--columns',
            message: 'the csv format needs a column mapping',
            hint: 'pass --columns submit=COL,duration=COL,gpus=COL[,tenant=COL]',
          },
        ]);
      const c = parseColumnMap(o.columns);
      if (!c.map) throw new BadInput(c.issues);
      columns = c.map;
    }
    imported = importTraceFile(format, o.trace, {
      skipBadRows: o.skipBadRows ?? false,
      rule: { seed: workloadSeed },
      ...(limit ? { limit } : {}),
      ...(columns ? { columns } : {}),
    });
    if (!imported.ok) {
      const more =
        imported.issues.length > 20
          ? [
              {
                path: o.trace,
                message: `… and ${imported.issues.length - 20} more bad rows`,
                hint: 'pass --skip-bad-rows to drop them and continue',
              },
            ]
          : [];
      throw new BadInput([...imported.issues.slice(0, 20), ...more]);
    }
    if (imported.dropped.length) {
      const by = new Map<string, number>();
      for (const d of imported.dropped) {
        const k = d.reason.replace(/ of line \d+$/, '').replace(/: .*$/, '');
        by.set(k, (by.get(k) ?? 0) + 1);
      }
      stderr(
        `dropped ${imported.dropped.length} of ${imported.rowsRead} rows: ${[...by].map(([k, n]) => `${n} ${k}`).join(', ')}\n`,
      );
    }
    jobs = imported.jobs;
  } else {
    const s = parseSyntheticSpec(o.synthetic!);
    if (!s.spec) throw new BadInput(s.issues);
    jobs = generateSynthetic(
      workloadSeedGiven && !/seed=/.test(o.synthetic!) ? { ...s.spec, seed: workloadSeed } : s.spec,
      loadModel,
    );
    if (limit) jobs = jobs.slice(0, limit);
  }
  const lastSubmit = jobs.reduce((m, j) => Math.max(m, j.submitTimeS), 0);
  return {
    fabric,
    jobs,
    scenario,
    seed,
    ...(horizonDays !== undefined ? { horizonS: lastSubmit + horizonDays * 86_400 } : {}),
    ...(o.failures === false ? { failures: false } : {}),
    ...(schedIntervalS ? { schedulerIntervalS: schedIntervalS } : {}),
    ...(imported ? { imported } : {}),
  };
}

function runOne(p: Prepared, policy: PolicyName, label: string): SimResult {
  const bar = progressBar(label);
  const res = simulate({
    models: loadModel,
    fabric: p.fabric,
    jobs: p.jobs,
    policy: createPolicy(policy),
    scenario: p.scenario,
    seed: p.seed,
    grid: loadGridFor(p.fabric.sites), // the edge reads the grid files; the simulator is handed the series
    ...(p.horizonS !== undefined ? { horizonS: p.horizonS } : {}),
    ...(p.failures === false ? { failures: false } : {}),
    ...(p.schedulerIntervalS ? { schedulerIntervalS: p.schedulerIntervalS } : {}),
    onProgress: (f, t) => bar.update(f, `day ${(t / 86_400).toFixed(1)}`),
  });
  bar.done();
  return res;
}

/** Map thrown input errors to issues; anything else is a bug and rethrown. */
function issuesOf(e: unknown): InputIssue[] | undefined {
  if (e instanceof BadInput || e instanceof GridDataError || e instanceof CliInputError) return e.issues;
  if (e instanceof SharedDataMissingError)
    return [
      {
        path: 'grid data',
        message: e.message,
        hint: 'restore data/grid/ (shipped with the project), or put your own series under $SUPERFACTORY_DATA_DIR/grid/',
      },
    ];
  if (e instanceof ScenarioRefError)
    return [
      {
        path: `--scenario ${e.path}`,
        message: `"${e.value}" is not in the fabric`,
        hint: `use one of ${e.known.join(', ')}`,
      },
    ];
  return undefined;
}

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const defaultIO: CommandIO = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

function fail(issues: InputIssue[], io: CommandIO): number {
  if (io === defaultIO) printIssues(issues);
  else for (const i of issues) io.stderr(`error: ${i.path}: ${i.message} (fix: ${i.hint})\n`);
  return EXIT_BAD_INPUT;
}

/** `superfactory simulate`. Returns the exit code (0, or 2 on bad input). */
export async function runSimulate(o: SimulateCommandOptions, io: CommandIO = defaultIO): Promise<number> {
  try {
    const policy = o.policy ?? 'fifo';
    if (!isPolicyName(policy))
      return fail(
        [{ path: '--policy', message: `unknown policy "${policy}"`, hint: `use one of ${POLICY_NAMES.join(', ')}` }],
        io,
      );
    const p = await prepare(o, io.stderr);
    if (o.out) prepareOutDir(o.out); // before the run: a bad --out must not cost a finished simulation
    const res = runOne(p, policy, `simulate ${policy}`);
    const written = o.out ? writeOutputs(o.out, res, p.fabric) : [];
    if (o.json) {
      io.stdout(
        JSON.stringify({
          ...res.summary,
          ...(p.imported
            ? {
                import: {
                  rowsRead: p.imported.rowsRead,
                  jobs: p.imported.jobs.length,
                  dropped: p.imported.dropped.length,
                },
              }
            : {}),
        }) + '\n',
      );
    } else {
      io.stdout(summaryLines(res.summary));
      for (const f of written) io.stdout(`wrote ${f}\n`);
    }
    return 0;
  } catch (e) {
    const issues = issuesOf(e);
    if (issues) return fail(issues, io);
    throw e;
  }
}

/** `superfactory compare`. Same inputs, several policies; table (or one JSON object) and charts. */
export async function runCompare(o: CompareCommandOptions, io: CommandIO = defaultIO): Promise<number> {
  try {
    const names = (o.policies ?? POLICY_NAMES.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = names.filter((n) => !isPolicyName(n));
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
    if (repeated.length)
      return fail(
        [
          {
            path: '--policies',
            message: `policy ${repeated[0]} is listed more than once`,
            hint: 'name each policy once',
          },
        ],
        io,
      );
    if (bad.length || names.length === 0)
      return fail(
        [
          {
            path: '--policies',
            message: bad.length ? `unknown polic${bad.length > 1 ? 'ies' : 'y'} ${bad.join(', ')}` : 'empty',
            hint: `use a comma-separated list of ${POLICY_NAMES.join(', ')}`,
          },
        ],
        io,
      );
    const p = await prepare(o, io.stderr);
    if (o.out) prepareOutDir(o.out); // before the runs: a bad --out must not cost finished simulations
    const results = (names as PolicyName[]).map((n) => runOne(p, n, `compare ${n}`));
    const summaries = results.map((r) => r.summary);
    const written: string[] = [];
    if (o.out) {
      mkdirSync(o.out, { recursive: true });
      const metrics = ['mean JCT', 'p99 JCT', 'mean queue', 'utilization', 'goodput', 'energy', 'emissions', 'cost'];
      const svg = barChart(
        'Policy comparison',
        metrics,
        summaries.map((s) => ({
          name: s.policy,
          values: [
            s.meanJctHours,
            s.p99JctHours,
            s.meanQueueHours,
            s.gpuUtilization,
            s.goodput,
            s.energyMWh,
            s.emissionsTCO2e,
            s.costUsd,
          ],
        })),
      );
      const cdf = cdfChart(
        'JCT CDF by policy',
        'JCT hours',
        results.map((r) => ({
          name: r.summary.policy,
          values: r.jobs.filter((j) => j.jctS !== null).map((j) => j.jctS! / 3600),
        })),
      );
      const files: [string, string][] = [
        ['compare.json', JSON.stringify({ policies: summaries }, null, 2) + '\n'],
        ['compare.svg', svg],
        ['compare-jct-cdf.svg', cdf],
      ];
      for (const [n, t] of files) {
        writeFileSync(path.join(o.out, n), t);
        written.push(path.join(o.out, n));
      }
    }
    if (o.json) io.stdout(JSON.stringify({ policies: Object.fromEntries(summaries.map((s) => [s.policy, s])) }) + '\n');
    else {
      io.stdout(formatCompareTable(summaries));
      for (const f of written) io.stdout(`wrote ${f}\n`);
    }
    return 0;
  } catch (e) {
    const issues = issuesOf(e);
    if (issues) return fail(issues, io);
    throw e;
  }
}
