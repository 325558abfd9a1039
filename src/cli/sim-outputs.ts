// What `superfactory simulate` and `compare` print and write: the summary lines, the compare table,
// timeseries.csv, jobs.csv, summary.json and the SVG charts of an --out folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Fabric } from '../fabric/types.js';
import { cdfChart, lineChart } from '../sim/charts.js';
import { jobsToCsv, type SimSummary } from '../sim/metrics.js';
import { type SimResult } from '../sim/simulate.js';

/** A number with thousands separators and at most `digits` decimals: 82182 -> "82,182", 3998.92 -> "3,998.9". */
export function num(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function summaryLines(s: SimSummary): string {
  const rows: [string, string][] = [
    ['fabric / policy / seed', `${s.fabric} / ${s.policy} / ${s.seed}`],
    [
      'jobs finished / unfinished',
      `${num(s.jobsFinished)} / ${num(s.jobsUnfinished)} (${num(s.jobsRejected)} rejected)`,
    ],
    ['JCT mean / p50 / p99 (h)', `${num(s.meanJctHours, 2)} / ${num(s.p50JctHours, 2)} / ${num(s.p99JctHours, 2)}`],
    ['queueing mean / p99 (h)', `${num(s.meanQueueHours, 2)} / ${num(s.p99QueueHours, 2)}`],
    ['mean slowdown', num(s.meanSlowdown, 3)],
    ['GPU utilization', `${num(s.gpuUtilization * 100, 2)} %`],
    ['goodput / mean ETTR', `${num(s.goodput, 4)} / ${num(s.meanEttr, 4)}`],
    ['failures / interruptions / preemptions', `${num(s.failures)} / ${num(s.interruptions)} / ${num(s.preemptions)}`],
    ['lost GPU-hours', num(s.lostGpuHours, 1)],
    ['energy (MWh, jobs only)', `${num(s.energyMWh, 1)} (${num(s.jobEnergyMWh, 1)})`],
    ['emissions (tCO2e, jobs only)', `${num(s.emissionsTCO2e, 1)} (${num(s.jobEmissionsTCO2e, 1)})`],
    ['water (m3)', num(s.waterM3, 1)],
    ['electricity cost (USD)', num(s.costUsd)],
    ['makespan (h) / events', `${num(s.makespanHours, 1)} / ${num(s.events)}`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export function timeseriesCsv(r: SimResult): string {
  const s = r.series;
  const head = [
    'tS',
    'busyGpus',
    'powerMW',
    'carbonTPerH',
    'queued',
    'running',
    ...s.sites.flatMap((x) => [`${x.id}.busyGpus`, `${x.id}.powerMW`, `${x.id}.carbonGPerKWh`]),
  ];
  const lines = [head.join(',')];
  for (let i = 0; i < s.tS.length; i++) {
    lines.push(
      [
        s.tS[i],
        s.busyGpus[i],
        s.powerMW[i],
        s.carbonTPerH[i],
        s.queued[i],
        s.running[i],
        ...s.sites.flatMap((x) => [x.busyGpus[i], x.powerMW[i], x.carbonGPerKWh[i]]),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function writeOutputs(dir: string, r: SimResult, fabric: Fabric): string[] {
  mkdirSync(dir, { recursive: true });
  const days = r.series.tS.map((t) => t / 86_400);
  const files: [string, string][] = [
    ['summary.json', JSON.stringify(r.summary, null, 2) + '\n'],
    ['jobs.csv', jobsToCsv(r.jobs)],
    ['timeseries.csv', timeseriesCsv(r)],
    [
      'utilization.svg',
      lineChart(`GPU utilization (${r.summary.policy})`, 'day', 'busy GPUs (% of fleet)', days, [
        { name: 'fleet', values: r.series.busyGpus.map((b) => (100 * b) / Math.max(1, fabric.gpus)) },
        ...r.series.sites.map((s) => ({
          name: s.id,
          values: s.busyGpus.map((b) => (100 * b) / Math.max(1, fabric.sites.find((x) => x.id === s.id)!.gpus)),
        })),
      ]),
    ],
    [
      'power.svg',
      lineChart(`Facility power (${r.summary.policy})`, 'day', 'MW', days, [
        { name: 'fleet', values: r.series.powerMW },
        ...r.series.sites.map((s) => ({ name: s.id, values: s.powerMW })),
      ]),
    ],
    [
      'carbon.svg',
      lineChart(`Emissions rate and grid intensity (${r.summary.policy})`, 'day', 'tCO2e/h  |  gCO2/kWh / 1000', days, [
        { name: 'fleet tCO2e/h', values: r.series.carbonTPerH },
        ...r.series.sites.map((s) => ({ name: `${s.id} CI/1000`, values: s.carbonGPerKWh.map((c) => c / 1000) })),
      ]),
    ],
    [
      'jct-cdf.svg',
      cdfChart(`JCT CDF (${r.summary.policy})`, 'JCT hours', [
        { name: r.summary.policy, values: r.jobs.filter((j) => j.jctS !== null).map((j) => j.jctS! / 3600) },
      ]),
    ],
  ];
  for (const [name, text] of files) writeFileSync(path.join(dir, name), text);
  return files.map(([n]) => path.join(dir, n));
}

const COMPARE_COLUMNS: [string, (s: SimSummary) => string][] = [
  ['policy', (s) => s.policy],
  ['finished', (s) => num(s.jobsFinished)],
  ['unfinished', (s) => num(s.jobsUnfinished)],
  ['JCT mean h', (s) => num(s.meanJctHours, 2)],
  ['JCT p99 h', (s) => num(s.p99JctHours, 2)],
  ['queue mean h', (s) => num(s.meanQueueHours, 2)],
  ['util %', (s) => (100 * s.gpuUtilization).toFixed(2)],
  ['goodput', (s) => s.goodput.toFixed(4)],
  ['preempt', (s) => num(s.preemptions)],
  ['MWh', (s) => num(s.energyMWh, 1)],
  ['tCO2e', (s) => num(s.emissionsTCO2e, 1)],
  ['job tCO2e', (s) => num(s.jobEmissionsTCO2e, 1)],
  ['cost USD', (s) => num(s.costUsd)],
];

export function formatCompareTable(summaries: SimSummary[]): string {
  const head = COMPARE_COLUMNS.map((c) => c[0]);
  const rows = summaries.map((s) => COMPARE_COLUMNS.map((c) => c[1](s)));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
