// Fleet over time (under the map): utilization, power drawn, grid carbon and queue length per site, WAN use
// per link, over the last hours, from GET /v1/history (sampled by the leader into the store), refreshed live.
import { get, type HistoryResponse, type HistorySample } from '../api';
import { lineChart, RUN_COLORS } from '../charts';
import { h, mount, options } from '../dom';
import { fixed, int } from '../format';

type Metric = {
  title: string;
  yLabel: string;
  pick: (s: HistorySample) => { key: string; v: number | null }[];
  fmt: (v: number) => string;
  yMax?: number;
};

const METRICS: Record<string, Metric> = {
  utilization: {
    title: 'GPU utilization per site',
    yLabel: '% of the site’s GPUs',
    pick: (s) => s.sites.map((x) => ({ key: x.id, v: x.utilization * 100 })),
    fmt: (v) => `${fixed(v, 0)}%`,
    yMax: 100,
  },
  power: {
    title: 'Power drawn per site',
    yLabel: 'MW (facility)',
    pick: (s) => s.sites.map((x) => ({ key: x.id, v: x.powerDrawMW })),
    fmt: (v) => fixed(v, v >= 10 ? 0 : 1),
  },
  wan: {
    title: 'WAN use per link',
    yLabel: 'Gb/s',
    pick: (s) => s.wanLinks.map((l) => ({ key: l.id, v: l.usedGbps })),
    fmt: (v) => (v >= 1000 ? `${fixed(v / 1000, 1)}k` : fixed(v, v >= 10 ? 0 : 1)),
  },
  carbon: {
    title: 'Grid carbon intensity per site',
    yLabel: 'gCO₂/kWh',
    pick: (s) => s.sites.map((x) => ({ key: x.id, v: x.carbonGPerKWh })),
    fmt: (v) => int(v),
  },
  queue: {
    title: 'Queue length per site',
    yLabel: 'queued jobs',
    pick: (s) => s.sites.map((x) => ({ key: x.id, v: x.queued })),
    fmt: (v) => (Number.isInteger(v) ? int(v) : ''),
  },
};

const hhmm = (sec: number) =>
  new Date(sec * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** One line chart per metric, keyed by site or link, into the two-column grid. */
function drawCharts(grid: HTMLElement, r: HistoryResponse, x: number[]): { destroy: () => void }[] {
  const charts: { destroy: () => void }[] = [];
  // two columns (style.css .fleet-grid); a figure's padding and border take ~26 px
  const width = Math.max(260, Math.floor(((grid.clientWidth || 900) - 12) / 2) - 26);
  mount(grid);
  for (const [id, m] of Object.entries(METRICS)) {
    const keys = r.samples.length ? m.pick(r.samples[r.samples.length - 1]).map((p) => p.key) : [];
    const series = keys.map((k, i) => ({
      label: k,
      color: RUN_COLORS[i % RUN_COLORS.length],
      values: r.samples.map((s) => m.pick(s).find((p) => p.key === k)?.v ?? null),
    }));
    const c = lineChart({
      title: m.title,
      xLabel: 'time',
      yLabel: m.yLabel,
      x,
      series,
      xFormat: hhmm,
      yFormat: m.fmt,
      yMax: m.yMax,
      width,
      height: 180,
    });
    c.el.dataset.metric = id;
    grid.append(c.el);
    charts.push(c);
  }
  return charts;
}

export function createFleetView(): { el: HTMLElement; show: () => void; hide: () => void } {
  const hours = h(
    'select',
    { name: 'history-hours', 'aria-label': 'How far back' },
    options(
      [
        { value: '1', label: 'last hour' },
        { value: '3', label: 'last 3 hours' },
        { value: '6', label: 'last 6 hours' },
      ],
      '3',
    ),
  );
  const info = h('span', { class: 'muted small', 'data-role': 'history-info' });
  const grid = h('div', { class: 'fleet-grid' });
  const charts: { destroy: () => void }[] = [];
  let timer: number | null = null;
  let visible = false;

  async function refresh(): Promise<void> {
    let r: HistoryResponse;
    try {
      r = await get<HistoryResponse>(`/v1/history?hours=${hours.value}`);
    } catch (err) {
      info.textContent = `history unavailable: ${(err as Error).message}`;
      return schedule(15_000);
    }
    draw(r);
    schedule(Math.max(1000, r.sampleS * 1000));
  }

  function schedule(ms: number): void {
    if (timer !== null) window.clearTimeout(timer);
    timer = visible ? window.setTimeout(() => void refresh(), ms) : null;
  }

  function draw(r: HistoryResponse): void {
    for (const c of charts.splice(0)) c.destroy();
    const x = r.samples.map((s) => Date.parse(s.at) / 1000);
    info.textContent = `${int(r.samples.length)} sample(s), one every ${r.sampleS} s, kept ${fixed(r.retentionS / 3600, 1)} h in the store (shared by every replica, kept across restarts)`;
    charts.push(...drawCharts(grid, r, x));
  }

  hours.addEventListener('change', () => void refresh());
  const el = h(
    'section',
    { class: 'fleet', 'aria-labelledby': 'fleet-title' },
    h('h2', { id: 'fleet-title' }, 'Fleet over time'),
    h('div', { class: 'log-tools' }, hours, info),
    grid,
  );
  return {
    el,
    show: () => {
      visible = true;
      void refresh();
    },
    hide: () => {
      visible = false;
      schedule(0);
    },
  };
}
