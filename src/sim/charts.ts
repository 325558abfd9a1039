// Hand-written SVG charts (no dependency): line charts over time, a CDF, and grouped bars.
// Output is deterministic text.

export interface Series {
  name: string;
  values: number[];
}

const W = 820;
const H = 320;
const M = { l: 70, r: 190, t: 36, b: 46 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
  if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
  if (a >= 10 || v === 0) return v.toFixed(0);
  return v.toPrecision(2);
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Tick positions from lo to hi at a 1-2-2.5-5 step, about `n` of them. */
function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = 10 * p;
  for (const m of [1, 2, 2.5, 5, 10])
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step)
    out.push(Math.round(v / step) * step);
  return out;
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  xMax: number,
  yMax: number,
  xMin = 0,
  yTicks?: (v: number) => string,
  xTicks: boolean | { at: number[]; label: (v: number) => string } = true,
): string[] {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.l}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<g stroke="#ccc" stroke-width="1">`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = M.t + ph - (ph * i) / 5;
    out.push(`<line x1="${M.l}" y1="${y.toFixed(1)}" x2="${M.l + pw}" y2="${y.toFixed(1)}"/>`);
  }
  out.push('</g>');
  for (let i = 0; i <= 5; i++) {
    const y = M.t + ph - (ph * i) / 5;
    const v = (yMax * i) / 5;
    out.push(
      `<text x="${M.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(yTicks ? yTicks(v) : fmt(v))}</text>`,
    );
  }
  if (xTicks) {
    const at = xTicks === true ? niceTicks(xMin, xMax) : xTicks.at;
    const label = xTicks === true ? fmt : xTicks.label;
    for (const xv of at) {
      const x = M.l + (pw * (xv - xMin)) / (xMax - xMin || 1);
      out.push(`<line x1="${x.toFixed(1)}" y1="${M.t + ph}" x2="${x.toFixed(1)}" y2="${M.t + ph + 4}" stroke="#333"/>`);
      out.push(`<text x="${x.toFixed(1)}" y="${M.t + ph + 16}" text-anchor="middle">${esc(label(xv))}</text>`);
    }
  }
  out.push(`<line x1="${M.l}" y1="${M.t + ph}" x2="${M.l + pw}" y2="${M.t + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${M.t + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.l + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return out;
}

function legend(names: string[], x0 = W - M.r + 12): string[] {
  return names.map((n, i) => {
    const y = M.t + 10 + i * 16;
    return `<rect x="${x0}" y="${y - 8}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x0 + 14}" y="${y + 1}">${esc(n)}</text>`;
  });
}

/** Downsample to at most n points by taking the max of each bucket (keeps peaks visible). */
function downsample(x: number[], ys: number[][], n = 600): { x: number[]; ys: number[][] } {
  if (x.length <= n) return { x, ys };
  const step = Math.ceil(x.length / n);
  const ox: number[] = [];
  const oys = ys.map(() => [] as number[]);
  for (let i = 0; i < x.length; i += step) {
    ox.push(x[i]);
    ys.forEach((y, k) => {
      let m = -Infinity;
      for (let j = i; j < Math.min(x.length, i + step); j++) m = Math.max(m, y[j]);
      oys[k].push(m);
    });
  }
  return { x: ox, ys: oys };
}

/**
 * Line chart of several series over a shared x axis. A y label of the form "LEFT | RIGHT" gives a
 * second (right) axis: series whose peak is under 1/20 of the largest peak are drawn against it, so
 * that quantities of different units (emissions rate and grid intensity) do not flatten each other.
 */
export function lineChart(title: string, xLabel: string, yLabel: string, x: number[], series: Series[]): string {
  const d = downsample(
    x,
    series.map((s) => s.values),
  );
  const xMax = d.x.length ? Math.max(d.x[d.x.length - 1], 1e-9) : 1;
  const peaks = d.ys.map((y) => y.reduce((m, v) => Math.max(m, v), 0));
  const top = Math.max(0, ...peaks);
  const [leftLabel, rightLabel] = yLabel.split('|').map((t) => t.trim());
  const right = rightLabel ? peaks.map((p) => p < top / 20) : peaks.map(() => false);
  const hasRight = right.some(Boolean) && right.some((r) => !r);
  let yMax = 0;
  let yMaxR = 0;
  peaks.forEach((p, k) => (hasRight && right[k] ? (yMaxR = Math.max(yMaxR, p)) : (yMax = Math.max(yMax, p))));
  yMax = niceMax(yMax);
  yMaxR = niceMax(yMaxR);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const out = frame(title, xLabel, hasRight ? leftLabel : yLabel.replace(/\s*\|\s*/, ' | '), xMax, yMax);
  if (hasRight) {
    const xr = M.l + pw;
    out.push(`<line x1="${xr}" y1="${M.t}" x2="${xr}" y2="${M.t + ph}" stroke="#333"/>`);
    for (let i = 0; i <= 5; i++) {
      const y = M.t + ph - (ph * i) / 5;
      out.push(`<text x="${xr + 6}" y="${(y + 4).toFixed(1)}">${esc(fmt((yMaxR * i) / 5))}</text>`);
    }
    out.push(
      `<text transform="translate(${xr + 40} ${M.t + ph / 2}) rotate(90)" text-anchor="middle">${esc(rightLabel)}</text>`,
    );
  }
  d.ys.forEach((y, k) => {
    const max = hasRight && right[k] ? yMaxR : yMax;
    const pts = y
      .map((v, i) => `${(M.l + (pw * d.x[i]) / xMax).toFixed(1)},${(M.t + ph - (ph * v) / max).toFixed(1)}`)
      .join(' ');
    out.push(`<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5" points="${pts}"/>`);
  });
  out.push(
    ...legend(
      series.map((s, k) => (hasRight && right[k] ? `${s.name} (right)` : s.name)),
      hasRight ? W - M.r + 52 : undefined,
    ),
    '</svg>',
  );
  return out.join('\n') + '\n';
}

/** Empirical CDFs (x on a log10 scale when logX) of several samples. */
export function cdfChart(title: string, xLabel: string, samples: Series[], logX = true): string {
  const tr = (v: number): number => (logX ? Math.log10(Math.max(v, 1e-3)) : v);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples)
    for (const v of s.values) {
      lo = Math.min(lo, tr(v));
      hi = Math.max(hi, tr(v));
    }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi <= lo) hi = lo + 1;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  if (logX) {
    lo = Math.floor(lo);
    hi = Math.max(lo + 1, Math.ceil(hi));
  }
  const decades: number[] = [];
  for (let e = lo; e <= hi; e++) decades.push(e);
  const xt = logX ? { at: decades, label: (e: number) => fmt(Math.pow(10, e)) } : true;
  const out = frame(
    title,
    logX ? `${xLabel} (log scale)` : xLabel,
    'fraction of jobs',
    hi,
    1,
    lo,
    (v) => v.toFixed(1),
    xt,
  );
  samples.forEach((s, k) => {
    const v = s.values.slice().sort((a, b) => a - b);
    const n = v.length;
    const step = Math.max(1, Math.floor(n / 800));
    const pts: string[] = [];
    for (let i = 0; i < n; i += step)
      pts.push(
        `${(M.l + (pw * (tr(v[i]) - lo)) / (hi - lo)).toFixed(1)},${(M.t + ph - (ph * (i + 1)) / n).toFixed(1)}`,
      );
    if (n) pts.push(`${(M.l + (pw * (tr(v[n - 1]) - lo)) / (hi - lo)).toFixed(1)},${M.t}`);
    out.push(
      `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`,
    );
  });
  out.push(...legend(samples.map((s) => s.name)), '</svg>');
  return out.join('\n') + '\n';
}

/** Grouped bars: one group per metric, one bar per policy, each metric normalised to its maximum. */
export function barChart(title: string, metrics: string[], groups: { name: string; values: number[] }[]): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const out = frame(title, '', 'relative to the largest policy', 0, 1, 0, (v) => v.toFixed(1), false);
  out.push(
    `<text x="${M.l + pw / 2}" y="${H - 4}" text-anchor="middle">metric (bars normalised to the largest value, shown under each)</text>`,
  );
  const gw = pw / Math.max(1, metrics.length);
  const bw = (gw * 0.8) / Math.max(1, groups.length);
  metrics.forEach((m, i) => {
    const max = Math.max(...groups.map((g) => Math.abs(g.values[i])), 1e-12);
    groups.forEach((g, k) => {
      const h = (ph * Math.abs(g.values[i])) / max;
      const x = M.l + i * gw + gw * 0.1 + k * bw;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${(M.t + ph - h).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[k % COLORS.length]}"><title>${esc(`${g.name} ${m}: ${g.values[i]}`)}</title></rect>`,
      );
    });
    out.push(
      `<text x="${(M.l + i * gw + gw / 2).toFixed(1)}" y="${M.t + ph + 16}" text-anchor="middle">${esc(m)}</text>`,
    );
    out.push(
      `<text x="${(M.l + i * gw + gw / 2).toFixed(1)}" y="${M.t + ph + 29}" text-anchor="middle" fill="#555">${esc(`max ${fmt(max === 1e-12 ? 0 : max)}`)}</text>`,
    );
  });
  out.push(...legend(groups.map((g) => g.name)), '</svg>');
  return out.join('\n') + '\n';
}
