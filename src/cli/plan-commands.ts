// `superfactory plan` and `superfactory sweep`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputIssue } from '../core/issues.js';
import { checkPlanOptions, checkSweepOptions, type PlanOptions, type SweepOptions } from '../core/plan-request.js';
import { STRATEGY_INFO } from '../core/strategies.js';
import { loadFabric } from '../fabric/load.js';
import { renderTable } from '../fabric/summary.js';
import { loadModel } from '../perf/models.js';
import { planOnFabric, sweepWan, type PlanResult, type RankedPlan, type SweepResult } from '../planner/index.js';
import { heatmapSvg } from '../charts/svg.js';
import { CliInputError, prepareOutDir } from './errors.js';
import { progressBar } from './progress.js';

export interface PlanCliOptions {
  model: string;
  fabric: string;
  gpus?: string;
  sites?: string;
  allow?: string;
  tokens?: string;
  gbs?: string;
  tokensPerStep?: string;
  top?: string;
  json?: boolean;
  dilocoH?: string;
  dilocoBits?: string;
  dilocoStreaming?: boolean;
  dilocoEfficiency?: string;
  precision?: string;
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new CliInputError([
      {
        path: name,
        message: `--${name} must be a positive number (got "${value}")`,
        hint: `pass --${name} with a number > 0, e.g. ${EXAMPLES[name] ?? '1'}`,
      },
    ]);
  }
  return n;
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  const n = positiveNumber(name, value);
  if (n !== undefined && (!Number.isInteger(n) || n > Number.MAX_SAFE_INTEGER)) {
    throw new CliInputError([
      {
        path: name,
        message: `--${name} must be a whole number up to ${Number.MAX_SAFE_INTEGER} (got "${value}")`,
        hint: `pass --${name} N, e.g. ${EXAMPLES[name] ?? '1'}`,
      },
    ]);
  }
  return n;
}

/** Examples for the hints of numeric flags. */
const EXAMPLES: Record<string, string> = {
  gpus: '4096',
  tokens: '1e12',
  gbs: '1024',
  'tokens-per-step': '16e6',
  top: '5',
  'diloco-h': '100',
  'diloco-bits': '4',
  'diloco-efficiency': '0.95',
};

/** A comma-separated flag; given but empty (`--sites ,`, `--allow ""`) is bad input, not "no filter". */
function list(name: string, value: string | undefined, example: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new CliInputError([
      {
        path: name,
        message: `--${name} is empty (got "${value}")`,
        hint: `pass a comma-separated list, e.g. --${name} ${example}, or leave the flag out`,
      },
    ]);
  return items;
}

export function planJsonView(result: PlanResult): object {
  return {
    plans: result.plans.map((p) => ({
      strategy: p.strategy,
      placement: p.placement,
      tp: p.tp,
      pp: p.pp,
      vpp: p.vpp,
      dp: p.dp,
      cp: p.cp,
      ep: p.ep,
      etp: p.etp,
      precision: p.precision,
      mbs: p.mbs,
      gbs: p.gbs,
      recompute: p.recompute,
      sequenceParallel: p.sequenceParallel,
      zero: p.zero,
      mapping: p.mapping,
      gpus: p.gpus,
      stepTimeSeconds: p.stepTimeSeconds,
      tokensPerSecond: p.tokensPerSecond,
      effectiveTokensPerSecond: p.effectiveTokensPerSecond,
      tokenEfficiency: p.tokenEfficiency,
      modelTflopsPerGpu: p.modelTflopsPerGpu,
      hardwareTflopsPerGpu: p.hardwareTflopsPerGpu,
      mfu: p.mfu,
      hfu: p.hfu,
      memoryGiBPerGpu: p.memoryGiBPerGpu,
      fits: p.fits,
      wanGbpsUsed: p.wanGbpsUsed,
      wanGbpsNeeded: p.wanGbpsNeeded,
      diloco: p.diloco,
      timeToTrainDays: p.timeToTrainDays,
      energyMWh: p.energyMWh,
      powerMW: p.powerMW,
      bottleneck: p.bottleneck,
      breakdown: p.breakdown,
    })),
    tokens: result.tokens,
    plansEvaluated: result.plansEvaluated,
    searchSeconds: result.searchSeconds,
  };
}

/** The flag that sets each plan-request field (the shared schema names fields; the CLI names flags). */
const FLAG_OF: Record<string, string> = {
  tokensPerStep: 'tokens-per-step',
  dilocoInnerSteps: 'diloco-h',
  dilocoOuterBits: 'diloco-bits',
  dilocoStreaming: 'no-diloco-streaming',
  dilocoTokenEfficiency: 'diloco-efficiency',
  wanGbpsList: 'wan-gbps',
  wanLatencyMsList: 'wan-latency-ms',
};

/** Issues of the shared plan-request schema, named by flag: `dilocoOuterBits[0]` -> `diloco-bits`. */
function asFlagIssues(issues: InputIssue[]): InputIssue[] {
  return issues.map((i) => {
    const field = /^[A-Za-z]+/.exec(i.path)?.[0] ?? i.path;
    const flag = FLAG_OF[field] ?? field;
    return { ...i, path: flag };
  });
}

/** Flags turned into numbers, then checked against the limits every edge shares (src/core/plan-request.ts). */
function planOptions(o: PlanCliOptions): PlanOptions {
  const checked = checkPlanOptions({
    gpus: positiveInteger('gpus', o.gpus),
    sites: list('sites', o.sites, 'atl,wi'),
    allow: list('allow', o.allow, 'US-GA,US-WI'),
    tokens: positiveNumber('tokens', o.tokens),
    gbs: positiveInteger('gbs', o.gbs),
    tokensPerStep: positiveNumber('tokens-per-step', o.tokensPerStep),
    top: positiveInteger('top', o.top) ?? 5,
    dilocoInnerSteps: positiveInteger('diloco-h', o.dilocoH),
    dilocoOuterBits: positiveInteger('diloco-bits', o.dilocoBits),
    dilocoStreaming: o.dilocoStreaming,
    dilocoTokenEfficiency: positiveNumber('diloco-efficiency', o.dilocoEfficiency),
    precision: o.precision,
  });
  if (!checked.ok) throw new CliInputError(asFlagIssues(checked.issues));
  return checked.value;
}

export async function runPlan(o: PlanCliOptions): Promise<number> {
  const options = planOptions(o);
  const model = loadModel(o.model);
  const fabric = await loadFabric(o.fabric);
  const bar = progressBar('planning');
  const result = planOnFabric(model, fabric, { ...options, onProgress: (f) => bar.update(f) }, () => performance.now());
  bar.done();
  if (o.json) {
    process.stdout.write(`${JSON.stringify(planJsonView(result))}\n`);
    return 0;
  }
  process.stdout.write(`${formatPlans(result)}\n`);
  return 0;
}

const strategyShort = (s: RankedPlan['strategy']): string => STRATEGY_INFO[s].shortLabel;

export function formatPlans(result: PlanResult): string {
  const rows = result.plans.map((p, i) => [
    String(i + 1),
    strategyShort(p.strategy),
    p.placement.map((s) => `${s.site}:${s.gpus}`).join(' '),
    `${p.tp}/${p.pp}x${p.vpp}/${p.dp}/${p.cp}/${p.ep}`,
    `${p.mbs}/${p.gbs}`,
    `${p.recompute}/z${p.zero}${p.precision === 'fp8' ? ' fp8' : ''}`,
    `${(p.effectiveTokensPerSecond / 1e6).toFixed(2)}M`,
    `${(100 * p.mfu).toFixed(1)}%`,
    p.memoryGiBPerGpu.toFixed(0),
    p.wanGbpsUsed > 0
      ? p.wanGbpsUsed >= 1000
        ? `${(p.wanGbpsUsed / 1000).toFixed(1)}T`
        : p.wanGbpsUsed.toFixed(0)
      : '-',
    p.timeToTrainDays.toFixed(1),
    Math.round(p.energyMWh).toLocaleString('en-US'),
  ]);
  const table = renderTable(
    [
      '#',
      'strategy',
      'placement (site:GPUs)',
      'tp/pp x vpp/dp/cp/ep',
      'mbs/gbs',
      'recompute/ZeRO',
      'eff. tok/s',
      'MFU',
      'GiB',
      'WAN Gb/s',
      'days',
      'MWh',
    ],
    rows,
    new Set([0, 6, 7, 8, 9, 10, 11]),
  );
  const notes = result.plans.map((p, i) => `${i + 1}. ${p.bottleneck}`);
  return [
    `${result.model} on ${result.fabric}: ${result.plansEvaluated.toLocaleString('en-US')} plans evaluated in ${result.searchSeconds.toFixed(2)} s; time and energy for ${(result.tokens / 1e12).toFixed(2)}T tokens`,
    '',
    table,
    '',
    'bottlenecks:',
    ...notes,
  ].join('\n');
}

export interface SweepCliOptions {
  model: string;
  fabric: string;
  wanGbps: string;
  wanLatencyMs: string;
  sites?: string;
  gpus?: string;
  gbs?: string;
  tokensPerStep?: string;
  out?: string;
  json?: boolean;
  precision?: string;
}

function numberList(name: string, value: string): number[] {
  const items = value.split(',').map((s) => Number(s.trim()));
  if (items.length === 0 || items.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new CliInputError([
      {
        path: name,
        message: `--${name} must be a comma-separated list of positive numbers (got "${value}")`,
        hint: `e.g. --${name} 100,1000,10000`,
      },
    ]);
  }
  return items;
}

function sweepOptions(o: SweepCliOptions): SweepOptions {
  const checked = checkSweepOptions({
    wanGbpsList: numberList('wan-gbps', o.wanGbps),
    wanLatencyMsList: numberList('wan-latency-ms', o.wanLatencyMs),
    sites: list('sites', o.sites, 'atl,wi'),
    gpus: positiveInteger('gpus', o.gpus),
    gbs: positiveInteger('gbs', o.gbs),
    tokensPerStep: positiveNumber('tokens-per-step', o.tokensPerStep),
    precision: o.precision,
  });
  if (!checked.ok) throw new CliInputError(asFlagIssues(checked.issues));
  return checked.value;
}

/** sweep.csv, the heatmap sweep.svg and sweep.json in outDir. */
function writeSweepFiles(outDir: string, result: SweepResult, wanGbps: number[], wanLatencyMs: number[]): void {
  const csv = [
    'wanGbps,wanLatencyMs,effectiveTokensPerSecond,fractionOfSingleSite,strategy',
    ...result.cells.map(
      (c) =>
        `${c.wanGbps},${c.wanLatencyMs},${c.effectiveTokensPerSecond.toFixed(0)},${c.fractionOfSingleSite.toFixed(4)},${c.strategy}`,
    ),
  ].join('\n');
  writeFileSync(join(outDir, 'sweep.csv'), `${csv}\n`);
  writeFileSync(
    join(outDir, 'sweep.svg'),
    heatmapSvg({
      title: `${result.model}: cross-site throughput vs one site (${result.gpus.toLocaleString('en-US')} GPUs, ${result.sites.join(' + ')})`,
      xLabel: 'WAN capacity (Gb/s)',
      yLabel: 'one-way WAN latency (ms)',
      xValues: wanGbps,
      yValues: wanLatencyMs,
      value: (x, y) => result.cells.find((c) => c.wanGbps === x && c.wanLatencyMs === y)?.fractionOfSingleSite ?? 0,
      format: (v) => `${Math.round(v * 100)}%`,
      note: (x, y) =>
        strategyShort(
          (result.cells.find((c) => c.wanGbps === x && c.wanLatencyMs === y)?.strategy ??
            'single-site') as RankedPlan['strategy'],
        ),
      domain: [0.5, 1],
    }),
  );
  writeFileSync(join(outDir, 'sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
}

/** The printed sweep: the grid as a table of shares of one site, then the thresholds. */
function sweepText(result: SweepResult, wanGbps: number[], wanLatencyMs: number[], outDir: string): string {
  const table = renderTable(
    ['latency ms', ...wanGbps.map((g) => `${g} Gb/s`)],
    wanLatencyMs.map((lat) => [
      String(lat),
      ...wanGbps.map(
        (g) =>
          `${Math.round(100 * (result.cells.find((c) => c.wanGbps === g && c.wanLatencyMs === lat)?.fractionOfSingleSite ?? 0))}%`,
      ),
    ]),
    new Set(wanGbps.map((_, i) => i + 1)),
  );
  const describe = (t: SweepResult['thresholds'][number]) =>
    `  latency ${t.wanLatencyMs} ms: 90% needs ${t.gbpsFor90 === null ? 'unreachable' : `${t.gbpsFor90.toLocaleString('en-US')} Gb/s`}, 95% needs ${t.gbpsFor95 === null ? 'unreachable' : `${t.gbpsFor95.toLocaleString('en-US')} Gb/s`}`;
  return (
    [
      `${result.model} on ${result.fabric} (${result.sites.join(' + ')}, ${result.gpus.toLocaleString('en-US')} GPUs): best cross-site effective throughput as a share of the same GPUs in one site (${(result.singleSiteTokensPerSecond / 1e6).toFixed(2)}M tokens/s)`,
      '',
      table,
      '',
      'smallest WAN capacity that keeps (any strategy, local SGD included):',
      ...result.thresholds.map(describe),
      'smallest WAN capacity that keeps (synchronous training: hierarchical DP or pipeline across sites):',
      ...result.thresholdsSynchronous.map(describe),
      '',
      `wrote ${join(outDir, 'sweep.csv')}, ${join(outDir, 'sweep.svg')}, ${join(outDir, 'sweep.json')}`,
    ].join('\n') + '\n'
  );
}

export async function runSweep(o: SweepCliOptions): Promise<number> {
  const options = sweepOptions(o);
  const { wanGbpsList: wanGbps, wanLatencyMsList: wanLatencyMs } = options;
  const model = loadModel(o.model);
  const fabric = await loadFabric(o.fabric);
  if (fabric.sites.length < 2) {
    throw new CliInputError([
      {
        path: 'fabric',
        message: `${fabric.name} has fewer than two sites: nothing crosses a WAN`,
        hint: 'use a fabric with two or more sites (e.g. fairwater), or --sites a,b',
      },
    ]);
  }
  const outDir = o.out ?? 'out/sweep';
  prepareOutDir(outDir);
  const bar = progressBar('sweeping', { delayMs: 500 });
  const result = sweepWan(model, fabric, options, (f) => bar.update(f));
  bar.done();
  writeSweepFiles(outDir, result, wanGbps, wanLatencyMs);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  process.stdout.write(sweepText(result, wanGbps, wanLatencyMs, outDir));
  return 0;
}
