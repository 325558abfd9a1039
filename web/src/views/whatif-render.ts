// What the what-if view draws from a run: three charts (fleet utilization, JCT CDF, emissions rate) and the
// table of headline numbers with each run's difference against the first. Pure: data in, elements out.
import { RUN_COLORS, cdfFromQuantiles, lineChart } from '../charts';
import { h } from '../dom';
import { fixed, int, pct } from '../format';
import type { WhatIfResult } from '../../../src/contract';

const METRICS: [string, string, (v: number) => string, 'lower' | 'higher'][] = [
  ['meanJctHours', 'mean JCT (h)', (v) => fixed(v, 2), 'lower'],
  ['p99JctHours', 'p99 JCT (h)', (v) => fixed(v, 1), 'lower'],
  ['meanQueueHours', 'mean queueing (h)', (v) => fixed(v, 2), 'lower'],
  ['gpuUtilization', 'GPU utilization (of GPUs up)', (v) => pct(v, 1), 'higher'],
  ['chartedUtilization', 'GPU utilization (of all GPUs, as charted)', (v) => pct(v, 1), 'higher'],
  ['goodput', 'goodput', (v) => fixed(v, 3), 'higher'],
  ['jobsFinished', 'jobs finished', (v) => int(v), 'higher'],
  ['interruptions', 'interruptions', (v) => int(v), 'lower'],
  ['lostGpuHours', 'lost GPU-hours', (v) => int(v), 'lower'],
  ['energyMWh', 'energy (MWh)', (v) => int(v), 'lower'],
  ['emissionsTCO2e', 'emissions (tCO₂e)', (v) => int(v), 'lower'],
  ['costUsd', 'electricity cost (USD)', (v) => int(v), 'lower'],
];

type Run = WhatIfResult['runs'][number];

/** Time-weighted mean of the charted fleet utilization (each sample holds until the next), so the table matches the chart. */
export function chartedUtilization(run: Run): number {
  const t = run.series.tHours;
  const u = run.series.utilization;
  if (t.length < 2) return u[0] ?? 0;
  let area = 0;
  for (let i = 0; i + 1 < t.length; i++) area += u[i] * (t[i + 1] - t[i]);
  return area / (t[t.length - 1] - t[0]);
}

function valueOf(run: Run, k: string): number {
  if (k === 'chartedUtilization') return chartedUtilization(run);
  return (run.summary as Record<string, number>)[k] ?? 0;
}

/** The three charts of a result, each `width` wide; an outage is shaded as a band. */
export function whatIfCharts(
  r: WhatIfResult,
  body: Record<string, unknown>,
  width: number,
): { el: HTMLElement; destroy: () => void }[] {
  const x = r.runs[0].series.tHours;
  const bands =
    r.mode === 'outage'
      ? [
          {
            from: Number(body.atHours),
            to: Number(body.atHours) + Number(body.downHours),
            label: `${String(body.site)} down`,
          },
        ]
      : [];
  const util = lineChart({
    title: 'GPU utilization of the fleet (busy / all GPUs)',
    xLabel: 'hours',
    yLabel: '% busy',
    x,
    series: r.runs.map((run, i) => ({
      label: run.label,
      values: run.series.utilization.map((u) => u * 100),
      color: RUN_COLORS[i],
    })),
    yMax: 100,
    bands,
    width,
  });
  const cdf = cdfFromQuantiles(r.runs.map((run) => run.jctQuantilesHours));
  const jct = lineChart({
    title: 'Job completion time CDF',
    xLabel: 'JCT (hours, log)',
    yLabel: 'fraction ≤ x',
    x: cdf.x,
    series: r.runs.map((run, i) => ({ label: run.label, values: cdf.ys[i], color: RUN_COLORS[i] })),
    logX: true,
    yMax: 1,
    xFormat: (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(1)),
    width,
  });
  const carbon = lineChart({
    title: 'Emissions rate (tCO₂e per hour)',
    xLabel: 'hours',
    yLabel: 'tCO₂e/h',
    x,
    series: r.runs.map((run, i) => ({ label: run.label, values: run.series.carbonTPerH, color: RUN_COLORS[i] })),
    bands,
    width,
  });
  return [util, jct, carbon];
}

/** One metric's cell for a run: its value and, after the first run, the difference coloured good or bad. */
function metricCell(r: WhatIfResult, run: Run, i: number, m: (typeof METRICS)[number]): HTMLElement {
  const [k, , fmt, better] = m;
  const v = valueOf(run, k);
  const d = v - valueOf(r.runs[0], k);
  const good = better === 'lower' ? d < 0 : d > 0;
  // a difference that rounds to nothing is no difference: no colour, no sign
  const shown = fmt(Math.abs(d)) !== fmt(0);
  return h(
    'td',
    { class: 'num' },
    fmt(v),
    i > 0 && shown
      ? h(
          'span',
          { class: good ? 'delta good' : 'delta bad', 'data-better': good ? 'true' : 'false' },
          ` (${d > 0 ? '+' : '−'}${fmt(Math.abs(d))})`,
        )
      : null,
  );
}

/** The headline numbers of every run, with the difference against the first. */
export function compareTable(r: WhatIfResult): HTMLElement {
  return h(
    'table',
    { class: 'compare' },
    h('caption', null, 'Headline numbers (difference against the first run)'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'metric'),
        r.runs.map((run, i) =>
          h('th', { scope: 'col' }, h('span', { class: 'swatch', style: `background:${RUN_COLORS[i]}` }), run.label),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      METRICS.map((m) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, m[1]),
          r.runs.map((run, i) => metricCell(r, run, i, m)),
        ),
      ),
    ),
  );
}

/** The summary line. */
export function runsLine(r: WhatIfResult): HTMLElement {
  return h(
    'p',
    { class: 'muted' },
    `${r.fabric}: ${int(r.jobs)} ${r.workloadMix ? `jobs of the ${r.workloadMix} mix` : 'synthetic jobs'}, same seed in every run; ${r.runs.length} runs in ${fixed(r.wallMs / 1000, 1)} s.`,
  );
}
