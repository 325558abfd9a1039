// The inputs of `superfactory simulate` and `compare` (sim-commands.ts): flags checked and turned into a fabric,
// a job list (trace or synthetic), a scenario and seeds. Bad input throws BadInput with `{path, message, hint}` issues.
import { loadFabric } from '../fabric/index.js';
import type { Fabric, InputIssue } from '../fabric/types.js';
import { loadModel } from '../perf/index.js';
import { GridDataError } from '../sim/grid.js';
import { SharedDataMissingError } from '../sim/paths.js';
import { defaultScenario, type Scenario } from '../sim/scenario.js';
import { loadScenarioFile } from '../sim/scenario-file.js';
import { ScenarioRefError } from '../sim/simulate.js';
import {
  generateSuperfactory,
  generateSynthetic,
  importTraceFile,
  loadWorkloadMix,
  parseWorkloadArg,
  parseColumnMap,
  parseSyntheticSpec,
  TRACE_FORMATS,
  type ImportResult,
  type JobSpec,
  type TraceFormat,
} from '../workload/index.js';
import { CliInputError } from './errors.js';

/**
 * Options of `superfactory simulate`. Strings are accepted for numbers (as commander passes them).
 *  --fabric F            preset id (fairwater, dgx-a100-80gb, hgx-h100-roce, dgx-h100-ib, gb200-nvl72) or a fabric file
 *  --trace FILE          a job trace, with --trace-format philly|alibaba2023|csv (default philly)
 *  --columns MAP         csv only: submit=COL,duration=COL,gpus=COL[,tenant=COL]
 *  --synthetic SPEC      instead of a trace: key=value,... (see src/workload/README.md) or a JSON object
 *  --workload MIX        instead of a trace: a mix of data/workloads (superfactory) or a file, NAME:key=value,...
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
  workload?: string;
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
  /** The jobs come from a workload mix (--workload): ids are CLASS-N, and the output has per-class queueing. */
  mixClasses?: true;
}

export class BadInput extends Error {
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

/** The flag combinations that can be checked before anything is read. */
function flagIssues(o: SimulateCommandOptions, format: TraceFormat): InputIssue[] {
  const issues: InputIssue[] = [];
  if (!o.fabric)
    issues.push({
      path: '--fabric',
      message: 'missing',
      hint: 'pass --fabric fairwater (or another preset id or a fabric file)',
    });
  const sources = (['trace', 'synthetic', 'workload'] as const).filter((k) => o[k]);
  if (sources.length > 1)
    issues.push({
      path: sources.map((k) => `--${k}`).join('/'),
      message: 'more than one workload given',
      hint: 'use one of --trace FILE, --synthetic SPEC or --workload MIX',
    });
  if (sources.length === 0)
    issues.push({
      path: '--trace',
      message: 'no workload given',
      hint: 'pass --trace FILE --trace-format philly|alibaba2023|csv, --synthetic jobs=1000, or --workload superfactory',
    });
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
  return issues;
}

async function fabricOf(name: string): Promise<Fabric> {
  try {
    return await loadFabric(name);
  } catch (e) {
    const is = (e as { issues?: InputIssue[] }).issues;
    if (Array.isArray(is)) throw new BadInput(is.map((i) => ({ ...i, path: `--fabric ${name}: ${i.path}` })));
    throw e;
  }
}

function scenarioOf(file: string | undefined): Scenario {
  if (!file) return defaultScenario();
  const s = loadScenarioFile(file);
  if (!s.scenario) throw new BadInput(s.issues);
  return s.scenario;
}

/** Import a trace file; stops on bad rows (the first 20 listed) unless --skip-bad-rows, then says what it dropped. */
function traceImport(
  o: SimulateCommandOptions,
  format: TraceFormat,
  workloadSeed: number,
  limit: number | undefined,
  stderr: (s: string) => void,
): ImportResult {
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
  const imported = importTraceFile(format, o.trace!, {
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
              path: o.trace!,
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
  return imported;
}

/** Synthetic jobs; a given --seed/--workload-seed applies unless the spec names its own seed. */
function syntheticJobs(spec: string, workloadSeed: number, seedGiven: boolean, limit: number | undefined): JobSpec[] {
  const s = parseSyntheticSpec(spec);
  if (!s.spec) throw new BadInput(s.issues);
  const jobs = generateSynthetic(
    seedGiven && !/seed=/.test(spec) ? { ...s.spec, seed: workloadSeed } : s.spec,
    loadModel,
  );
  return limit ? jobs.slice(0, limit) : jobs;
}

/** A workload mix (--workload NAME[:key=value,...]) sized to the fabric's GPUs; its notes go to stderr. */
function mixJobs(
  arg: string,
  fleetGpus: number,
  seed: number | undefined,
  limit: number | undefined,
  stderr: (s: string) => void,
): JobSpec[] {
  const a = parseWorkloadArg(arg);
  if (a.issues.length) throw new BadInput(a.issues);
  const m = loadWorkloadMix(a.name);
  if (!m.mix) throw new BadInput(m.issues);
  const g = generateSuperfactory(m.mix, loadModel, {
    fleetGpus,
    ...(seed !== undefined ? { seed } : {}),
    ...a.overrides,
  });
  if (!g.workload) throw new BadInput(g.issues.map((i) => ({ ...i, path: `--workload ${a.name}: ${i.path}` })));
  for (const n of g.workload.notes) stderr(`workload ${a.name}: ${n}\n`);
  return limit ? g.workload.jobs.slice(0, limit) : g.workload.jobs;
}

export async function prepare(o: SimulateCommandOptions, stderr: (s: string) => void): Promise<Prepared> {
  const format = (o.traceFormat ?? 'philly') as TraceFormat;
  const issues = flagIssues(o, format);
  if (issues.length) throw new BadInput(issues);
  const seed = intOption(o.seed, '--seed', 0) ?? 1;
  // Two streams: --seed drives the simulation (failures), --workload-seed the jobs; by default the same number.
  const workloadSeed = intOption(o.workloadSeed, '--workload-seed', 0) ?? seed;
  const workloadSeedGiven = o.workloadSeed !== undefined || o.seed !== undefined;
  const limit = intOption(o.limit, '--limit', 1);
  const horizonDays = intOption(o.horizonDays, '--horizon-days', 0);
  const schedIntervalS = intOption(o.schedInterval, '--sched-interval', 0);
  const fabric = await fabricOf(o.fabric);
  const scenario = scenarioOf(o.scenario);
  const imported = o.trace ? traceImport(o, format, workloadSeed, limit, stderr) : undefined;
  const jobs = imported
    ? imported.jobs
    : o.workload
      ? mixJobs(o.workload, fabric.gpus, workloadSeedGiven ? workloadSeed : undefined, limit, stderr)
      : syntheticJobs(o.synthetic!, workloadSeed, workloadSeedGiven, limit);
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
    ...(o.workload && !imported ? { mixClasses: true as const } : {}),
  };
}

/** Map thrown input errors to issues; anything else is a bug and rethrown. */
export function issuesOf(e: unknown): InputIssue[] | undefined {
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
