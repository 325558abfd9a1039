// Charts. uPlot (canvas, ~50 KB, fast with thousands of points) draws every time series and CDF;
// the step-time breakdown and the WAN heatmap are a few SVG rectangles each, drawn by hand.
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, svg } from './dom';

export const RUN_COLORS = ['#2563eb', '#dc2626', '#059669', '#9333ea'];

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: { label: string; values: (number | null)[]; color?: string; dash?: number[] }[];
  logX?: boolean;
  yMax?: number;
  /** Shaded x ranges (e.g. a site outage window). */
  bands?: { from: number; to: number; label: string }[];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  width: number;
  height?: number;
}

/** A uPlot line chart inside a <figure> with a caption and a text summary for screen readers. */
export function lineChart(spec: LineChartSpec): { el: HTMLElement; destroy: () => void } {
  const holder = h('div', { class: 'uplot-holder' });
  const fig = h(
    'figure',
    { class: 'chart', role: 'group', 'aria-label': spec.title },
    h('figcaption', null, spec.title),
    holder,
  );
  const bands = spec.bands ?? [];
  const opts: Options = {
    width: spec.width,
    height: spec.height ?? 240,
    legend: { show: true, live: false },
    cursor: { drag: { x: true, y: false } },
    scales: {
      x: { time: false, ...(spec.logX ? { distr: 3 } : {}) },
      y:
        spec.yMax !== undefined
          ? { range: [0, spec.yMax] }
          : { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      {
        label: spec.xLabel,
        size: 40,
        labelSize: 18,
        ...(spec.xFormat
          ? { values: (_u, vals) => vals.map((v) => (v === null || v === undefined ? '' : spec.xFormat!(v))) }
          : {}),
      },
      {
        label: spec.yLabel,
        size: 55,
        labelSize: 18,
        ...(spec.yFormat
          ? { values: (_u, vals) => vals.map((v) => (v === null || v === undefined ? '' : spec.yFormat!(v))) }
          : {}),
      },
    ],
    series: [
      { label: spec.xLabel },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? RUN_COLORS[i % RUN_COLORS.length],
        width: 2,
        ...(s.dash ? { dash: s.dash } : {}),
        points: { show: false },
      })),
    ],
    hooks: {
      drawClear: [
        (u: uPlot) => {
          if (!bands.length) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = 'rgba(220, 38, 38, 0.10)';
          for (const b of bands) {
            const x0 = u.valToPos(b.from, 'x', true);
            const x1 = u.valToPos(b.to, 'x', true);
            ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
          }
          ctx.restore();
        },
      ],
    },
  };
  const data = [spec.x, ...spec.series.map((s) => s.values)] as AlignedData;
  const plot = new uPlot(opts, data, holder);
  const summary = spec.series.map((s) => {
    const v = s.values.filter((x): x is number => x !== null && Number.isFinite(x));
    const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
    return `${s.label}: mean ${spec.yFormat ? spec.yFormat(mean) : mean.toPrecision(3)}, max ${spec.yFormat ? spec.yFormat(Math.max(...v, 0)) : Math.max(...v, 0).toPrecision(3)}`;
  });
  fig.append(h('p', { class: 'sr-only' }, `${spec.title}. ${summary.join('. ')}.`));
  if (bands.length) fig.append(h('p', { class: 'muted small' }, `Shaded: ${bands.map((b) => b.label).join(', ')}.`));
  return { el: fig, destroy: () => plot.destroy() };
}

/** CDF of several samples given as quantiles at q = i/(n-1), on a common log-spaced x grid. */
export function cdfFromQuantiles(runs: number[][], points = 160): { x: number[]; ys: number[][] } {
  const all = runs.flat().filter((v) => v > 0);
  if (all.length === 0) return { x: [1], ys: runs.map(() => [0]) };
  const lo = Math.max(1e-3, Math.min(...all));
  const hi = Math.max(lo * 1.01, Math.max(...all));
  const x = Array.from({ length: points }, (_, i) => lo * Math.pow(hi / lo, i / (points - 1)));
  const ys = runs.map((q) => {
    const n = q.length - 1;
    return x.map((v) => {
      let k = -1;
      while (k + 1 <= n && q[k + 1] <= v * (1 + 1e-9)) k++;
      return k < 0 ? 0 : k / n;
    });
  });
  return { x, ys };
}

export interface BarSegment {
  key: string;
  label: string;
  color: string;
}

/**
 * The axis end of a bar chart: the largest total, unless one bar is far longer than the rest (over 3x the
 * median), then the largest of the others with room; the longer bars are drawn broken at the axis end.
 */
export function barAxisMax(totals: readonly number[]): number {
  const sorted = [...totals].sort((a, b) => a - b);
  const max = sorted[sorted.length - 1] ?? 1e-12;
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? max;
  const fitting = sorted.filter((t) => t <= 3 * median);
  return max > 3 * median && fitting.length > 0 ? fitting[fitting.length - 1] * 1.25 : Math.max(1e-12, max);
}

/**
 * Each row's parts as drawn: they sum to the row's total (its labelled time). Parts that overlap in time
 * (sum above the total) are drawn in proportion; a sum below the total leaves an "other" remainder.
 */
export function drawnParts(
  segments: readonly BarSegment[],
  values: Record<string, number>,
  total: number,
): { key: string; v: number }[] {
  const sum = segments.reduce((a, s) => a + (values[s.key] ?? 0), 0);
  const k = sum > total && sum > 0 ? total / sum : 1;
  const parts = segments.map((s) => ({ key: s.key, v: (values[s.key] ?? 0) * k }));
  if (sum < total) parts.push({ key: 'other', v: total - sum });
  return parts;
}

type BarRow = { label: string; values: Record<string, number>; total: number; totalLabel: string };

/** Geometry shared by the rows of one bar chart. */
interface BarLayout {
  labelW: number;
  barW: number;
  rowH: number;
  axisMax: number;
  color: Map<string, BarSegment>;
}

/** One bar: its parts left to right, clipped (with a break mark) past the axis end, then its total. */
function barRow(
  L: BarLayout,
  segments: readonly BarSegment[],
  r: BarRow,
  i: number,
): { g: SVGElement; cut: boolean; other: boolean } {
  let x = L.labelW;
  let other = false;
  const y = 4 + i * L.rowH;
  const cut = r.total > L.axisMax;
  const end = L.labelW + L.barW;
  const rects = drawnParts(segments, r.values, r.total).map((p) => {
    const w0 = (p.v / L.axisMax) * L.barW;
    const w = Math.max(0, Math.min(w0, end - x));
    const seg = L.color.get(p.key);
    if (p.key === 'other' && p.v > 0) other = true;
    const raw = r.values[p.key];
    const rect = svg(
      'rect',
      { x, y, width: w, height: L.rowH - 8, fill: seg?.color ?? '#cbd5e1', 'data-seg': p.key, 'data-seconds': p.v },
      svg(
        'title',
        null,
        `${r.label}: ${seg?.label ?? 'other (not broken down)'} ${(p.v * 1000).toFixed(1)} ms of the step` +
          (raw !== undefined && Math.abs(raw - p.v) > 1e-9
            ? ` (${(raw * 1000).toFixed(1)} ms alone; overlaps other parts)`
            : ''),
      ),
    );
    x += w;
    return rect;
  });
  const g = svg(
    'g',
    { 'data-row': i, 'data-broken': cut ? 'true' : null },
    svg('text', { x: L.labelW - 8, y: y + 15, 'text-anchor': 'end', class: 'bar-label' }, r.label),
    rects,
    cut
      ? svg('path', {
          d: `M${end - 14},${y - 2} l6,${L.rowH - 4} M${end - 8},${y - 2} l6,${L.rowH - 4}`,
          class: 'bar-break',
        })
      : null,
    svg('text', { x: x + 6, y: y + 15, class: 'bar-total' }, cut ? `${r.totalLabel} (axis broken)` : r.totalLabel),
  );
  return { g, cut, other };
}

/** The bars' numbers as a table for screen readers. */
function barTable(title: string, segments: BarSegment[], rows: BarRow[]): HTMLElement {
  return h(
    'div',
    { class: 'sr-only' },
    h(
      'table',
      null,
      h('caption', null, title),
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Plan'),
        segments.map((s) => h('th', { scope: 'col' }, `${s.label} (ms)`)),
      ),
      rows.map((r) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, r.label),
          segments.map((s) => h('td', null, ((r.values[s.key] ?? 0) * 1000).toFixed(2))),
        ),
      ),
    ),
  );
}

/** Horizontal stacked bars (one per row), as SVG with a legend; values in seconds; each bar's length is its total. */
export function stackedBars(title: string, segments: BarSegment[], rows: BarRow[], width: number): HTMLElement {
  const labelW = 150;
  const totalW = 120;
  const L: BarLayout = {
    labelW,
    barW: Math.max(100, width - labelW - totalW),
    rowH: 26,
    axisMax: barAxisMax(rows.map((r) => r.total)),
    color: new Map(segments.map((s) => [s.key, s] as const)),
  };
  const height = rows.length * L.rowH + 8;
  const drawn = rows.map((r, i) => barRow(L, segments, r, i));
  const broken = drawn.filter((d) => d.cut).length;
  const other = drawn.some((d) => d.other);
  const el = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title, class: 'bars' },
    drawn.map((d) => d.g),
  );
  const legend = h(
    'ul',
    { class: 'bar-legend', 'aria-hidden': 'true' },
    segments.map((s) => h('li', null, h('span', { class: 'swatch', style: `background:${s.color}` }), s.label)),
    other
      ? h('li', null, h('span', { class: 'swatch', style: 'background:#cbd5e1' }), 'other (not broken down)')
      : null,
  );
  const note = h(
    'p',
    { class: 'muted small' },
    'Each bar is its step time; parts that overlap in time are drawn in proportion (hover for each part alone).',
    broken ? ` ${broken} bar(s) far longer than the others are broken at the axis end, with their time written.` : '',
  );
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', null, title),
    el,
    legend,
    note,
    barTable(title, segments, rows),
  );
}

/** A heatmap cell's colour: 0.75 and below red, 1 green (fraction of single-site throughput). */
function heatColor(v: number): string {
  const t = Math.max(0, Math.min(1, (v - 0.75) / 0.25));
  const hue = 10 + t * 120;
  return `hsl(${hue.toFixed(0)} 65% ${(88 - t * 30).toFixed(0)}%)`;
}

interface HeatmapSpec {
  title: string;
  rows: string[];
  cols: string[];
  rowTitle: string;
  colTitle: string;
  value: (r: number, c: number) => number;
  text: (r: number, c: number) => string;
  tip: (r: number, c: number) => string;
  width: number;
}

/** Row i of the heatmap: its label and one coloured cell (with tooltip and text) per column. */
function heatRow(opts: HeatmapSpec, i: number, left: number, top: number, cw: number, ch: number): SVGElement {
  return svg(
    'g',
    null,
    svg('text', { x: left - 8, y: top + ch * i + ch / 2 + 4, 'text-anchor': 'end', class: 'axis' }, opts.rows[i]),
    opts.cols.map((_c, j) =>
      svg(
        'g',
        null,
        svg(
          'rect',
          { x: left + cw * j, y: top + ch * i, width: cw - 2, height: ch - 2, fill: heatColor(opts.value(i, j)) },
          svg('title', null, opts.tip(i, j)),
        ),
        svg(
          'text',
          { x: left + cw * j + cw / 2 - 1, y: top + ch * i + ch / 2 + 4, 'text-anchor': 'middle', class: 'cell' },
          opts.text(i, j),
        ),
      ),
    ),
  );
}

/** A heatmap: rows x columns of values in [0, 1], coloured from red (low) to green (high), with cell text. */
export function heatmap(opts: HeatmapSpec): HTMLElement {
  const left = 80;
  const top = 28;
  const cw = Math.max(50, Math.floor((opts.width - left - 10) / opts.cols.length));
  const ch = 34;
  const height = top + ch * opts.rows.length + 30;
  const el = svg(
    'svg',
    {
      viewBox: `0 0 ${left + cw * opts.cols.length + 10} ${height}`,
      width: left + cw * opts.cols.length + 10,
      height,
      role: 'img',
      'aria-label': opts.title,
      class: 'heatmap',
    },
    svg(
      'text',
      { x: left + (cw * opts.cols.length) / 2, y: 14, 'text-anchor': 'middle', class: 'axis-title' },
      opts.colTitle,
    ),
    opts.cols.map((c, j) =>
      svg('text', { x: left + cw * j + cw / 2, y: height - 10, 'text-anchor': 'middle', class: 'axis' }, c),
    ),
    opts.rows.map((_r, i) => heatRow(opts, i, left, top, cw, ch)),
    svg('text', { x: 4, y: top - 8, class: 'axis-title' }, opts.rowTitle),
  );
  // the colour scale: 75% or less red, 100% green
  const ticks = [0.75, 0.8, 0.85, 0.9, 0.95, 1];
  const scale = h(
    'div',
    { class: 'heat-scale', 'data-role': 'colour-scale', 'aria-label': 'Colour scale: fraction of one site' },
    h('span', { class: 'muted small' }, 'Colour: fraction of one site '),
    ticks.map((t) =>
      h(
        'span',
        { class: 'heat-key', style: `background:${heatColor(t)}` },
        `${t === 0.75 ? '≤' : ''}${Math.round(t * 100)}%`,
      ),
    ),
  );
  return h('figure', { class: 'chart' }, h('figcaption', null, opts.title), el, scale);
}
