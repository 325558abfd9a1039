// Services (issue 15, live serving): each service's replicas (healthy / desired, min..max, sites), request rate,
// TTFT and TPOT p50/p99 and SLO attainment over the server's last 60 s, refreshed every 2 s while the tab shows,
// with the rate, p99 TTFT and attainment drawn over the time this page has been watching.
import type { ServiceListResponse, ServiceView } from '../../../src/contract';
import { get } from '../api';
import { lineChart, RUN_COLORS } from '../charts';
import { h, mount } from '../dom';
import { fixed } from '../format';

/** How often the view polls GET /v1/services, and how many polls its charts keep (10 minutes). */
const POLL_MS = 2000;
const KEEP = 300;

interface Sample {
  rate: number;
  ttftP99: number | null;
  slo: number | null;
}
interface Point {
  atS: number;
  perService: Map<string, Sample>;
}

const ms = (x: number | null) => (x === null ? '–' : fixed(x, x >= 100 ? 0 : 1));
const pct = (x: number | null) => (x === null ? '–' : `${fixed(x * 100, 1)}%`);
const hhmm = (sec: number) =>
  new Date(sec * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function row(s: ServiceView): HTMLElement {
  const m = s.metrics;
  const sites = [...new Set(s.replicas.map((r) => r.site))].join(', ') || '–';
  const met = m.sloAttainment === null ? '' : m.sloAttainment >= 0.99 ? 'ok' : m.sloAttainment >= 0.9 ? 'warn' : 'bad';
  return h(
    'tr',
    { 'data-service': s.name },
    h('th', { scope: 'row' }, s.name, h('div', { class: 'muted small' }, `${s.model} · ${s.id}`)),
    h(
      'td',
      { 'data-col': 'replicas' },
      `${m.healthyReplicas} / ${s.desiredReplicas}`,
      h('div', { class: 'muted small' }, `${s.minReplicas}..${s.maxReplicas} on ${sites}`),
    ),
    h('td', { 'data-col': 'rate', class: 'num' }, fixed(m.requestsPerSecond, 2)),
    h(
      'td',
      { 'data-col': 'ttft', class: 'num' },
      `${ms(m.ttftP50Ms)} / ${ms(m.ttftP99Ms)}`,
      h('div', { class: 'muted small' }, `SLO ${s.slo.ttftP99Ms}`),
    ),
    h(
      'td',
      { 'data-col': 'tpot', class: 'num' },
      `${ms(m.tpotP50Ms)} / ${ms(m.tpotP99Ms)}`,
      h('div', { class: 'muted small' }, `SLO ${s.slo.tpotP99Ms}`),
    ),
    h('td', { 'data-col': 'slo', class: `num slo-${met}` }, pct(m.sloAttainment)),
    h('td', { 'data-col': 'scaling', class: 'small' }, s.scaling ?? '–'),
  );
}

function table(services: ServiceView[]): HTMLElement {
  return h(
    'table',
    { class: 'services', 'aria-label': 'Services' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...[
          'Service',
          'Replicas healthy / desired',
          'Requests/s',
          'TTFT p50 / p99 (ms)',
          'TPOT p50 / p99 (ms)',
          'SLO met',
          'Autoscaler',
        ].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h('tbody', null, ...services.map(row)),
  );
}

/** The three charts over the polls this page has seen (redrawn on each poll; a handful of series). */
function drawCharts(charts: HTMLElement, drawn: { destroy: () => void }[], points: Point[], names: string[]): void {
  for (const c of drawn.splice(0)) c.destroy();
  mount(charts);
  if (points.length < 2) return;
  const x = points.map((p) => p.atS);
  const width = Math.max(260, Math.floor(((charts.clientWidth || 900) - 12) / 2) - 26);
  const specs: { title: string; yLabel: string; pick: (v: Sample) => number | null; yMax?: number }[] = [
    { title: 'Requests per second', yLabel: 'req/s (last 60 s)', pick: (v) => v.rate },
    { title: 'p99 time to first token', yLabel: 'ms (router-measured)', pick: (v) => v.ttftP99 },
    {
      title: 'SLO attainment',
      yLabel: '% of requests (last 60 s)',
      pick: (v) => (v.slo === null ? null : v.slo * 100),
      yMax: 100,
    },
  ];
  for (const sp of specs) {
    const c = lineChart({
      title: sp.title,
      xLabel: 'time',
      yLabel: sp.yLabel,
      x,
      series: names.map((n, i) => ({
        label: n,
        color: RUN_COLORS[i % RUN_COLORS.length],
        values: points.map((p) => {
          const v = p.perService.get(n);
          return v ? sp.pick(v) : null;
        }),
      })),
      xFormat: hhmm,
      yFormat: (v) => fixed(v, v >= 10 ? 0 : v >= 1 ? 1 : 2),
      yMax: sp.yMax,
      width,
      height: 180,
    });
    charts.append(c.el);
    drawn.push(c);
  }
}

export function createServicesView(): { el: HTMLElement; show: () => void; hide: () => void } {
  const info = h('p', { class: 'muted small', 'data-role': 'services-info', role: 'status' });
  const body = h('div');
  const charts = h('div', { class: 'fleet-grid' });
  const drawn: { destroy: () => void }[] = [];
  const points: Point[] = [];
  let timer: number | null = null;
  let visible = false;

  async function refresh(): Promise<void> {
    let r: ServiceListResponse;
    try {
      r = await get<ServiceListResponse>('/v1/services');
    } catch (err) {
      info.textContent = `services unavailable: ${(err as Error).message}`;
      return schedule(POLL_MS * 5);
    }
    points.push({
      atS: Date.now() / 1000,
      perService: new Map(
        r.services.map((s) => [
          s.name,
          { rate: s.metrics.requestsPerSecond, ttftP99: s.metrics.ttftP99Ms, slo: s.metrics.sloAttainment },
        ]),
      ),
    });
    if (points.length > KEEP) points.splice(0, points.length - KEEP);
    const requests = r.services.reduce((a, s) => a + s.metrics.requests, 0);
    info.textContent = r.services.length
      ? `${r.services.length} service(s), ${requests} request(s) in the last 60 s; updated ${hhmm(Date.now() / 1000)}`
      : 'No services yet: create one with POST /v1/services or `superfactory services create`.';
    mount(body, r.services.length ? table(r.services) : '');
    drawCharts(
      charts,
      drawn,
      points,
      r.services.map((s) => s.name),
    );
    document.body.dataset.servicesReady = String(points.length);
    schedule(POLL_MS);
  }

  function schedule(after: number): void {
    if (timer !== null) window.clearTimeout(timer);
    timer = visible ? window.setTimeout(() => void refresh(), after) : null;
  }

  const el = h(
    'section',
    { class: 'services-view', 'aria-labelledby': 'services-title' },
    h('h2', { id: 'services-title' }, 'Services'),
    info,
    body,
    charts,
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
