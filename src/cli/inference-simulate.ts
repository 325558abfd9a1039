// `superfactory inference simulate`: replay a request trace through an inference placement in the twin
// (src/sim/inference). The edge: reads the fabric, model, trace, placement and grid files, builds the serving model's
// timings per site, runs the pure twin, prints a summary (or one JSON object) and returns the exit status.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { InputIssue } from '../core/issues.js';
import { InferencePlanSchema, inferenceIssues } from '../contract/inference.js';
import { inferencePlanFor } from '../control/api/routes/inference.js';
import { loadFabric } from '../fabric/index.js';
import type { Fabric } from '../fabric/types.js';
import { loadModel } from '../perf/index.js';
import { replicaTimings } from '../perf/serving/index.js';
import { parameterCounts } from '../perf/flops.js';
import { tiersForPod } from '../perf/tiers.js';
import type { ModelSpec } from '../perf/types.js';
import type { InferencePlacement } from '../planner/inference/types.js';
import { loadGridFor } from '../sim/grid-files.js';
import { sharingFromPlacement, twinFromPlacement, type TimingsFor } from '../sim/inference/from-placement.js';
import {
  applyDiurnal,
  simulateInference,
  type InferenceTwinInputs,
  type InferenceTwinResult,
} from '../sim/inference/index.js';
import { LLAMA3_FAILURES_PER_GPU_HOUR } from '../sim/scenario.js';
import { CHECKPOINT_BYTES_PER_PARAM } from '../sim/speed.js';
import { parseRequestTrace, scaleTrace, type RequestTrace } from '../workload/azure-llm.js';
import { CliInputError, inputIssuesOf, printIssues, EXIT_BAD_INPUT } from './errors.js';
import { progressBar } from './progress.js';

const OPTIONS = {
  fabric: { type: 'string' },
  model: { type: 'string' },
  trace: { type: 'string' },
  'trace-format': { type: 'string' },
  'rate-scale': { type: 'string' },
  repeat: { type: 'string' },
  placement: { type: 'string' },
  demand: { type: 'string' },
  'ttft-p99-ms': { type: 'string' },
  'tpot-p99-ms': { type: 'string' },
  'fail-site': { type: 'string' },
  'fail-at-s': { type: 'string' },
  seed: { type: 'string' },
  diurnal: { type: 'string' },
  'lend-site': { type: 'string' },
  'training-jobs': { type: 'string' },
  'training-gpus': { type: 'string' },
  'training-model': { type: 'string' },
  'max-checkpoint-wait-s': { type: 'string' },
  'control-interval-s': { type: 'string' },
  'checkpoint-interval-s': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export const INFERENCE_SIMULATE_USAGE = `usage: superfactory inference simulate --fabric F --model M --trace FILE --trace-format azure-llm
       (--placement FILE | --demand FILE|PRESET --ttft-p99-ms MS --tpot-p99-ms MS) [--rate-scale X] [--repeat N]
       [--fail-site S --fail-at-s T] [--diurnal RATIO[,PEAK_HOUR_UTC]] [--lend-site S [--training-jobs N]
       [--training-gpus G] [--training-model M] [--max-checkpoint-wait-s S] [--control-interval-s S]
       [--checkpoint-interval-s S]] [--seed N] [--json]`;

/** ASSUMPTIONS of the lending policy's knobs (docs/sources.md, "Inference twin"). */
const LEND_DEFAULTS = { jobs: 4, controlIntervalS: 300, targetUtilization: 0.7, waitS: 900, replicaStartS: 120 };
/** ASSUMPTION: the diurnal peak at 17:00 UTC (midday US Eastern, morning US Pacific) when no hour is given. */
const DEFAULT_PEAK_HOUR_UTC = 17;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new CliInputError([
      { path: 'argv', message: (e as Error).message, hint: INFERENCE_SIMULATE_USAGE.replace(/\s+/g, ' ') },
    ]);
  }
}

function num(flags: Flags, name: keyof typeof OPTIONS, dflt: number, check: (x: number) => boolean, what: string) {
  const raw = flags[name];
  if (raw === undefined) return dflt;
  const x = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !check(x))
    throw new CliInputError([
      { path: `--${name}`, message: `${String(raw)} is not ${what}`, hint: `pass --${name} N` },
    ]);
  return x;
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new CliInputError([{ path: `--${flag}`, message: `cannot read ${file} (${code})`, hint: 'check the path' }]);
  }
}

function requireFlags(flags: Flags): void {
  const need = ['fabric', 'model', 'trace', 'trace-format'] as const;
  const missing: string[] = need.filter((f) => !flags[f]);
  if (!flags.placement && !flags.demand) missing.push('placement');
  if (missing.length)
    throw new CliInputError(
      missing.map((f) => ({
        path: `--${f}`,
        message: 'is required',
        hint:
          f === 'placement'
            ? 'pass --placement FILE (from `superfactory inference plan --json`) or --demand D to plan one here'
            : INFERENCE_SIMULATE_USAGE.replace(/\s+/g, ' '),
      })),
    );
  if (Boolean(flags['fail-site']) !== (flags['fail-at-s'] !== undefined))
    throw new CliInputError([
      { path: '--fail-site', message: '--fail-site and --fail-at-s go together', hint: 'pass both, or neither' },
    ]);
}

/** The trace, scaled, tiled and (with --diurnal) warped over a day. */
function loadTrace(flags: Flags): RequestTrace {
  const parsed = parseRequestTrace(
    flags['trace-format']!,
    readText(flags.trace!, 'trace'),
    path.basename(flags.trace!),
  );
  if (!parsed.trace) throw new CliInputError(parsed.issues);
  const rate = num(flags, 'rate-scale', 1, (x) => Number.isFinite(x) && x > 0, 'a positive number');
  const diurnal = flags.diurnal ? parseDiurnal(flags.diurnal) : null;
  const periodS = (parsed.trace.spanS * (1 + 1 / Math.max(1, parsed.trace.arrivalS.length - 1))) / rate;
  const dayRepeat = diurnal ? Math.ceil(86400 / Math.max(1, periodS)) : 1;
  const repeat = num(flags, 'repeat', dayRepeat, (x) => Number.isInteger(x) && x >= 1, 'a whole number >= 1');
  const scaled = scaleTrace(parsed.trace, rate, repeat);
  if (!scaled.trace) throw new CliInputError(scaled.issues);
  return diurnal ? applyDiurnal(scaled.trace, diurnal) : scaled.trace;
}

function parseDiurnal(s: string) {
  const [r, h] = s.split(',').map(Number);
  const hour = h ?? DEFAULT_PEAK_HOUR_UTC;
  if (!(r >= 1) || !(hour >= 0 && hour < 24))
    throw new CliInputError([
      {
        path: '--diurnal',
        message: `"${s}" is not RATIO[,PEAK_HOUR_UTC] with RATIO >= 1 and an hour 0-24`,
        hint: 'pass e.g. --diurnal 2.5,17 (peak 2.5 x the trough at 17:00 UTC)',
      },
    ]);
  return { peakToTrough: r, peakHourUtc: hour };
}

function loadPlacement(file: string): InferencePlacement {
  let p: InferencePlacement;
  try {
    p = JSON.parse(readText(file, 'placement')) as InferencePlacement;
  } catch (e) {
    if (inputIssuesOf(e)) throw e;
    throw new CliInputError([
      {
        path: '--placement',
        message: `${file} is not JSON`,
        hint: 'pass the output of `superfactory inference plan --json`',
      },
    ]);
  }
  const placement = (p as unknown as { placement?: InferencePlacement }).placement ?? p; // a wrapped plan output too
  const issues: InputIssue[] = [];
  for (const f of ['replicas', 'routing', 'latencies'] as const)
    if (!Array.isArray(placement[f]))
      issues.push({
        path: `placement.${f}`,
        message: 'missing (not a list)',
        hint: 'pass the output of `superfactory inference plan --json`',
      });
  if (!placement.slo)
    issues.push({ path: 'placement.slo', message: 'missing', hint: 'pass --ttft-p99-ms and --tpot-p99-ms' });
  if (issues.length) throw new CliInputError(issues);
  return placement;
}

function timingsFor(model: ModelSpec): TimingsFor {
  return (site, systemId, plan) => {
    const pod = site.pods.find((p) => p.system.id === systemId) ?? site.pods[0];
    return replicaTimings(model, tiersForPod(pod), plan);
  };
}

/** Where trace time 0 falls in the 2022 grid series (same month, day and hour; the series wrap). */
export function gridOffsetFor(startEpochS: number): number {
  const d = new Date(startEpochS * 1000);
  return (Date.UTC(2022, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()) - Date.UTC(2022, 0, 1)) / 1000;
}

/** The placement from --placement, or planned here with `inference plan`'s edge (same demand presets and SLO flags). */
async function placementOf(flags: Flags, fabric: Fabric): Promise<InferencePlacement> {
  if (flags.placement) return loadPlacement(flags.placement);
  const number = (x: string | undefined): number | string | undefined =>
    x !== undefined && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : x;
  const body = {
    model: flags.model,
    demand: flags.demand,
    ttftP99Ms: number(flags['ttft-p99-ms']),
    tpotP99Ms: number(flags['tpot-p99-ms']),
  };
  const parsed = InferencePlanSchema.safeParse(body, { reportInput: true });
  if (!parsed.success)
    throw new CliInputError(
      inferenceIssues(parsed.error).map((i) => {
        const field = i.path.split(/[.[]/)[0];
        return {
          ...i,
          path: field === 'ttftP99Ms' ? '--ttft-p99-ms' : field === 'tpotP99Ms' ? '--tpot-p99-ms' : i.path,
        };
      }),
    );
  return inferencePlanFor(parsed.data, fabric).placement;
}

async function buildInputs(
  flags: Flags,
): Promise<{ inputs: InferenceTwinInputs; fabric: Fabric; placement: InferencePlacement }> {
  requireFlags(flags);
  const fabric = await loadFabric(flags.fabric!);
  const model = loadModel(flags.model!);
  const trace = loadTrace(flags);
  const placement = await placementOf(flags, fabric);
  const tf = timingsFor(model);
  const layout = twinFromPlacement(placement, fabric, tf);
  const slo = {
    ttftP99Ms: num(flags, 'ttft-p99-ms', placement.slo?.ttftP99Ms ?? NaN, (x) => x > 0, 'a positive number of ms'),
    tpotP99Ms: num(flags, 'tpot-p99-ms', placement.slo?.tpotP99Ms ?? NaN, (x) => x > 0, 'a positive number of ms'),
  };
  const failures = flags['fail-site']
    ? [{ siteId: flags['fail-site'], atS: num(flags, 'fail-at-s', 0, (x) => x >= 0, 'a time >= 0 s') }]
    : [];
  const inputs: InferenceTwinInputs = {
    trace,
    ...layout,
    slo,
    grid: loadGridFor(layout.sites),
    gridOffsetS: gridOffsetFor(trace.startEpochS),
    seed: num(flags, 'seed', 1, (x) => Number.isInteger(x) && x >= 0, 'a whole number >= 0'),
    failures,
  };
  if (flags['lend-site']) inputs.sharing = sharing(flags, fabric, placement, tf, layout.replicas[0]?.gpus ?? 8);
  return { inputs, fabric, placement };
}

function sharing(flags: Flags, fabric: Fabric, placement: InferencePlacement, tf: TimingsFor, replicaGpus: number) {
  const trainingModel = loadModel(flags['training-model'] ?? 'llama3-70b');
  return sharingFromPlacement(placement, fabric, tf, {
    siteId: flags['lend-site']!,
    jobs: num(flags, 'training-jobs', LEND_DEFAULTS.jobs, (x) => Number.isInteger(x) && x >= 1, 'a whole number >= 1'),
    gpusPerJob: num(
      flags,
      'training-gpus',
      replicaGpus * 4,
      (x) => Number.isInteger(x) && x >= 1,
      'a whole number >= 1',
    ),
    checkpointBytes: parameterCounts(trainingModel).total * CHECKPOINT_BYTES_PER_PARAM,
    failuresPerGpuHour: LLAMA3_FAILURES_PER_GPU_HOUR,
    ...(flags['checkpoint-interval-s'] !== undefined
      ? { checkpointIntervalS: num(flags, 'checkpoint-interval-s', 0, (x) => x > 0, 'a number of seconds > 0') }
      : {}),
    controlIntervalS: num(flags, 'control-interval-s', LEND_DEFAULTS.controlIntervalS, (x) => x > 0, 'a number > 0'),
    targetUtilization: LEND_DEFAULTS.targetUtilization,
    maxCheckpointWaitS: num(flags, 'max-checkpoint-wait-s', LEND_DEFAULTS.waitS, (x) => x >= 0, 'a number >= 0'),
    replicaStartS: LEND_DEFAULTS.replicaStartS,
  });
}

/** The JSON report: the summary's fields at the top (requestsTotal, sloAttainment, ttftP50Ms, ...), then detail. */
export function inferenceReport(r: InferenceTwinResult, extra: Record<string, unknown>) {
  return {
    ...r.summary,
    ...extra,
    perSite: r.perSite,
    perRegion: r.perRegion,
    failed: r.failed,
    ...(r.lending ? { lending: r.lending } : {}),
  };
}

function summaryText(r: InferenceTwinResult, baseline: InferenceTwinResult | null): string {
  const s = r.summary;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `requests ${s.requestsTotal} (finished ${s.requestsFinished}, failed ${s.requestsFailed}, retried ${s.requestsRetried}) over ${(s.durationS / 3600).toFixed(2)} h`,
    `SLO attainment ${pct(s.sloAttainment)}; TTFT p50 ${s.ttftP50Ms.toFixed(0)} ms, p99 ${s.ttftP99Ms.toFixed(0)} ms; TPOT p50 ${s.tpotP50Ms.toFixed(1)} ms, p99 ${s.tpotP99Ms.toFixed(1)} ms`,
    `${s.gpuHours.toFixed(1)} GPU-hours, ${s.energyMWh.toFixed(3)} MWh, ${s.emissionsTCO2e.toFixed(3)} tCO2e`,
    ...r.perSite
      .filter((p) => p.replicas > 0)
      .map(
        (p) =>
          `  site ${p.siteId}: ${p.replicas} replicas, ${p.requests} requests, TTFT p99 ${p.ttftP99Ms.toFixed(0)} ms`,
      ),
    ...r.perRegion.map(
      (g) =>
        `  region ${g.regionId}: ${g.requests} requests, TTFT p50 ${g.ttftP50Ms.toFixed(0)} ms, SLO ${pct(g.sloAttainment)}`,
    ),
    ...r.failed.map((f) => `  failed: ${f.count} ${f.reason}`),
  ];
  if (r.lending && baseline) {
    const l = r.lending;
    lines.push(
      `lending: ${l.suspensions} suspensions, peak ${l.replicasLentPeak} replicas, ${l.gpuHoursLent.toFixed(1)} GPU-hours lent; training goodput ${pct(l.trainingGoodput)} (lost ${l.trainingGoodputLostGpuHours.toFixed(1)} GPU-hours, of it ${l.workLostGpuHours.toFixed(2)} recomputed work)`,
      `SLO attainment kept: ${pct(s.sloAttainment)} with lending vs ${pct(baseline.summary.sloAttainment)} without`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Run the command; returns the exit status (0 ok, 2 bad input). */
export async function runInferenceSimulate(argv: string[]): Promise<number> {
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      process.stdout.write(INFERENCE_SIMULATE_USAGE + '\n');
      return 0;
    }
    const { inputs, placement } = await buildInputs(flags);
    const bar = progressBar('inference simulate');
    const runs = inputs.sharing ? 2 : 1;
    let done = 0;
    const run = (inp: InferenceTwinInputs) => {
      const r = simulateInference({ ...inp, onProgress: (f) => bar.update((done + f) / runs) });
      done++;
      return r;
    };
    const result = run(inputs);
    const baseline = inputs.sharing ? run({ ...inputs, sharing: undefined }) : null;
    bar.done();
    const extra = {
      slo: inputs.slo,
      placement: { modelId: placement.modelId, replicas: inputs.replicas.length, gpus: placement.totals?.gpus },
      ...(baseline ? { sloAttainmentWithoutLending: baseline.summary.sloAttainment } : {}),
    };
    process.stdout.write(
      flags.json ? JSON.stringify(inferenceReport(result, extra)) + '\n' : summaryText(result, baseline),
    );
    return 0;
  } catch (e) {
    const issues = inputIssuesOf(e);
    if (!issues) throw e;
    printIssues(issues);
    return EXIT_BAD_INPUT;
  }
}
