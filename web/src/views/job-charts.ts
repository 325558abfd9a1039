// Loss and throughput over the steps of a job, one line per site, from the trainer's progress reports (the job's
// job.progress events, GET /v1/jobs/:id/events), and the parts flagged as stragglers (job.straggler: slower than
// the fastest part, or than the plan predicts). Redrawn only when new reports arrive.
import type { JobEvent } from '../api';
import { lineChart, RUN_COLORS } from '../charts';
import { h, mount } from '../dom';
import { int } from '../format';

export interface ProgressSeries {
  steps: number[];
  sites: string[];
  loss: Map<string, (number | null)[]>;
  tokensPerSecond: Map<string, (number | null)[]>;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Per-site series by step; a later attempt's report of a step replaces an earlier one (a resumed job). */
export function progressSeries(events: readonly JobEvent[]): ProgressSeries {
  const bySite = new Map<string, Map<number, { loss: number | null; tps: number | null }>>();
  for (const e of events) {
    if (e.type !== 'job.progress' || !e.data) continue;
    const step = num(e.data.step);
    if (step === null) continue;
    const site = String(e.data.site ?? e.site ?? '');
    let m = bySite.get(site);
    if (!m) bySite.set(site, (m = new Map()));
    m.set(step, { loss: num(e.data.loss), tps: num(e.data.tokensPerSecond) });
  }
  const steps = [...new Set([...bySite.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const sites = [...bySite.keys()].sort();
  const pick = (k: 'loss' | 'tps') =>
    new Map(sites.map((s) => [s, steps.map((x) => bySite.get(s)!.get(x)?.[k] ?? null)]));
  return { steps, sites, loss: pick('loss'), tokensPerSecond: pick('tps') };
}

function stragglerLine(e: JobEvent): HTMLElement {
  const d = e.data ?? {};
  const ratio = num(d.ratio);
  const than =
    d.reference === 'plan'
      ? `the plan's prediction (${num(d.expectedSeconds)?.toPrecision(3)} s per step, calibrated)`
      : `the fastest part (${String(d.fastestSite)}, ${num(d.fastestSeconds)?.toPrecision(3)} s)`;
  return h(
    'li',
    { 'data-site': String(d.site ?? '') },
    `site ${String(d.site)}: ${num(d.seconds)?.toPrecision(3)} s compute per step, ${ratio?.toFixed(1)}x ${than}`,
  );
}

/** The charts section of the job page: update(events) redraws when the reports changed. */
export function createJobCharts(): { el: HTMLElement; update: (events: readonly JobEvent[]) => void } {
  const body = h('div', { class: 'job-charts', 'data-role': 'job-charts' });
  const stragglers = h('ul', { 'data-role': 'stragglers' });
  const el = h(
    'section',
    { 'aria-label': 'Training progress' },
    h('h3', null, 'Loss and throughput'),
    body,
    h('h4', null, 'Stragglers'),
    stragglers,
  );
  let drawn = -1;
  let charts: { destroy: () => void }[] = [];
  const update = (events: readonly JobEvent[]) => {
    const slow = events.filter((e) => e.type === 'job.straggler');
    mount(stragglers, slow.length ? slow.map(stragglerLine) : h('li', { class: 'muted' }, 'None flagged.'));
    const reports = events.filter((e) => e.type === 'job.progress').length;
    if (reports === drawn) return;
    drawn = reports;
    for (const c of charts) c.destroy();
    charts = [];
    const s = progressSeries(events);
    if (s.steps.length === 0) {
      mount(
        body,
        h('p', { class: 'muted' }, 'No progress reports yet (the trainer writes SUPERFACTORY_PROGRESS_FILE).'),
      );
      return;
    }
    const width = Math.max(260, Math.floor(((body.clientWidth || 900) - 12) / 2) - 26);
    const chart = (title: string, yLabel: string, m: Map<string, (number | null)[]>, fmt?: (v: number) => string) =>
      lineChart({
        title,
        xLabel: 'step',
        yLabel,
        x: s.steps,
        series: s.sites.map((site, i) => ({ label: site || 'job', values: m.get(site)!, color: RUN_COLORS[i % 4] })),
        ...(fmt ? { yFormat: fmt } : {}),
        width,
        height: 200,
      });
    const loss = chart('Loss by step', 'loss', s.loss);
    loss.el.dataset.chart = 'loss';
    const tps = chart('Throughput by step', 'tokens/s', s.tokensPerSecond, (v) => int(v));
    tps.el.dataset.chart = 'throughput';
    charts = [loss, tps];
    mount(body, loss.el, tps.el, h('p', { class: 'muted small', 'data-role': 'reports' }, `${int(reports)} reports`));
  };
  return { el, update };
}
