// `superfactory simulate` and `superfactory compare`: the fleet digital twin from the command line.
// Commander-free: main.ts maps flags onto the option objects of sim-prepare.ts. Bad input prints
// `error: path: message (fix: hint)` lines on stderr and returns exit code 2.
import type { InputIssue } from '../fabric/types.js';
import { loadModel } from '../perf/index.js';
import { createPolicy, isPolicyName, POLICY_NAMES, type PolicyName } from '../sched/index.js';
import { loadGridFor } from '../sim/grid-files.js';
import { simulate, type SimResult } from '../sim/simulate.js';
import { EXIT_BAD_INPUT, prepareOutDir, printIssues } from './errors.js';
import { progressBar } from './progress.js';
import { classLines, classTableOf, compareClassLines } from './sim-classes.js';
import { writeCompareOutputs } from './sim-compare-files.js';
import { formatCompareTable, summaryLines, writeOutputs } from './sim-outputs.js';
import {
  issuesOf,
  prepare,
  type CompareCommandOptions,
  type Prepared,
  type SimulateCommandOptions,
} from './sim-prepare.js';

export { formatCompareTable, num } from './sim-outputs.js';
export { prepare, type CompareCommandOptions, type Prepared, type SimulateCommandOptions } from './sim-prepare.js';

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
    const classes = p.mixClasses ? classTableOf(res.jobs) : undefined;
    if (o.json) {
      io.stdout(
        JSON.stringify({
          ...res.summary,
          ...(classes ? { classes } : {}),
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
      if (classes) io.stdout('\n' + classLines(classes));
      for (const f of written) io.stdout(`wrote ${f}\n`);
    }
    return 0;
  } catch (e) {
    const issues = issuesOf(e);
    if (issues) return fail(issues, io);
    throw e;
  }
}

/** The --policies list: known names, each once; null when it is fine. */
function policiesIssue(names: readonly string[]): InputIssue | null {
  const bad = names.filter((n) => !isPolicyName(n));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length)
    return {
      path: '--policies',
      message: `policy ${repeated[0]} is listed more than once`,
      hint: 'name each policy once',
    };
  if (bad.length || names.length === 0)
    return {
      path: '--policies',
      message: bad.length ? `unknown polic${bad.length > 1 ? 'ies' : 'y'} ${bad.join(', ')}` : 'empty',
      hint: `use a comma-separated list of ${POLICY_NAMES.join(', ')}`,
    };
  return null;
}

/** `superfactory compare`. Same inputs, several policies; table (or one JSON object) and charts. */
export async function runCompare(o: CompareCommandOptions, io: CommandIO = defaultIO): Promise<number> {
  try {
    const names = (o.policies ?? POLICY_NAMES.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = policiesIssue(names);
    if (bad) return fail([bad], io);
    const p = await prepare(o, io.stderr);
    if (o.out) prepareOutDir(o.out); // before the runs: a bad --out must not cost finished simulations
    const results = (names as PolicyName[]).map((n) => runOne(p, n, `compare ${n}`));
    const summaries = results.map((r) => r.summary);
    const written = o.out ? writeCompareOutputs(o.out, results) : [];
    const classes = p.mixClasses
      ? results.map((r) => ({ policy: r.summary.policy, table: classTableOf(r.jobs) }))
      : undefined;
    if (o.json) {
      const byPolicy = summaries.map((s, i) => [s.policy, classes ? { ...s, classes: classes[i].table } : s]);
      io.stdout(JSON.stringify({ policies: Object.fromEntries(byPolicy) }) + '\n');
    } else {
      io.stdout(formatCompareTable(summaries));
      if (classes) io.stdout('\n' + compareClassLines(classes));
      for (const f of written) io.stdout(`wrote ${f}\n`);
    }
    return 0;
  } catch (e) {
    const issues = issuesOf(e);
    if (issues) return fail(issues, io);
    throw e;
  }
}
