// What-if: run the digital twin from the UI on a synthetic trace — take a site down for N hours
// against a baseline, or compare two scheduling policies — and see utilization, the JCT CDF and
// carbon side by side (uPlot), with a table of the headline numbers.
import { ApiError, post } from '../api';
import { RUN_COLORS, cdfFromQuantiles, lineChart } from '../charts';
import { loadCatalog } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { fixed, int, pct } from '../format';
import { state, subscribe } from '../state';
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

export function createWhatIfView(): { el: HTMLElement; show: () => void } {
  const modeOutage = h('input', { type: 'radio', name: 'mode', value: 'outage', checked: true });
  const modePolicies = h('input', { type: 'radio', name: 'mode', value: 'policies' });
  const site = h('select', { name: 'site' });
  const hours = h('input', { name: 'downHours', type: 'number', min: 1, max: 720, value: 6 });
  const at = h('input', { name: 'atHours', type: 'number', min: 0, max: 1440, value: 12 });
  const policy = h('select', { name: 'policy' });
  const policyA = h('select', { name: 'policyA' });
  const policyB = h('select', { name: 'policyB' });
  const jobs = h('input', { name: 'jobs', type: 'number', min: 10, max: 3000, value: 300 });
  const rate = h('input', { name: 'ratePerHour', type: 'number', min: 1, max: 1000, value: 20 });
  const seed = h('input', { name: 'seed', type: 'number', min: 0, value: 1 });
  const start = h('input', { name: 'start', type: 'date', min: '2022-01-01', max: '2022-12-31', value: '2022-07-01' });
  const run = h('button', { type: 'submit', class: 'primary' }, 'Run simulation');
  const errors = h('ul', { class: 'errors', role: 'alert' });
  const out = h('div', { class: 'whatif-results', 'aria-live': 'polite' });

  const outageFields = h(
    'div',
    { class: 'row' },
    field('Site', site),
    field('Hours down', hours),
    field('Down from hour', at),
    field('Policy', policy),
  );
  const policyFields = h('div', { class: 'row', hidden: true }, field('Policy A', policyA), field('Policy B', policyB));
  const sync = () => {
    outageFields.hidden = !modeOutage.checked;
    policyFields.hidden = modeOutage.checked;
  };
  modeOutage.addEventListener('change', sync);
  modePolicies.addEventListener('change', sync);

  const form = h(
    'form',
    {
      class: 'whatif-form',
      'aria-label': 'What-if simulation',
      onsubmit: (e: Event) => (e.preventDefault(), void simulate()),
    },
    h(
      'fieldset',
      { class: 'modes' },
      h('legend', null, 'Scenario'),
      h('label', null, modeOutage, ' Take a site down'),
      h('label', null, modePolicies, ' Compare two policies'),
    ),
    outageFields,
    policyFields,
    h(
      'div',
      { class: 'row' },
      field('Jobs (synthetic trace)', jobs),
      field('Arrivals per hour', rate),
      field('Seed', seed),
      field('Grid calendar start', start, '2022 hourly carbon and price series'),
      h('div', { class: 'buttons' }, run),
    ),
    errors,
  );

  let charts: { destroy: () => void }[] = [];

  async function simulate(): Promise<void> {
    mount(errors);
    run.disabled = true;
    for (const c of charts) c.destroy();
    charts = [];
    mount(
      out,
      h(
        'p',
        { class: 'muted', role: 'status' },
        'Simulating in the digital twin… (the twin plans every job class with the planner: several seconds)',
      ),
    );
    const workload = {
      jobs: Number(jobs.value) || 300,
      ratePerHour: Number(rate.value) || 20,
      seed: Number(seed.value) || 0,
    };
    const body: Record<string, unknown> = modeOutage.checked
      ? {
          mode: 'outage',
          site: site.value,
          downHours: Number(hours.value) || 6,
          atHours: Number(at.value) || 0,
          policy: policy.value,
          workload,
          start: start.value || '2022-07-01',
        }
      : { mode: 'policies', policies: [policyA.value, policyB.value], workload, start: start.value || '2022-07-01' };
    try {
      const r = await post<WhatIfResult>('/v1/whatif', body);
      draw(r, body);
      announce(`Simulation done: ${r.runs.map((x) => x.label).join(' vs ')}.`);
    } catch (err) {
      mount(out);
      const issues = err instanceof ApiError ? err.issues : [{ path: '', message: String(err), hint: '' }];
      mount(
        errors,
        issues.map((i) =>
          h(
            'li',
            null,
            h('b', null, i.path),
            `: ${i.message}`,
            i.hint ? h('span', { class: 'muted' }, ` — ${i.hint}`) : null,
          ),
        ),
      );
      announce('The simulation did not run: see the form.', 'error');
    } finally {
      run.disabled = false;
    }
  }

  function draw(r: WhatIfResult, body: Record<string, unknown>): void {
    const total = Math.max(600, out.clientWidth || 1200);
    const w = Math.floor((total - 24) / 3);
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
      width: w,
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
      width: w,
    });
    const carbon = lineChart({
      title: 'Emissions rate (tCO₂e per hour)',
      xLabel: 'hours',
      yLabel: 'tCO₂e/h',
      x,
      series: r.runs.map((run, i) => ({ label: run.label, values: run.series.carbonTPerH, color: RUN_COLORS[i] })),
      bands,
      width: w,
    });
    charts = [util, jct, carbon];
    mount(
      out,
      h(
        'p',
        { class: 'muted' },
        `${r.fabric}: ${int(r.jobs)} synthetic jobs, same seed in every run; ${r.runs.length} runs in ${fixed(r.wallMs / 1000, 1)} s.`,
      ),
      h('div', { class: 'chart-row' }, util.el, jct.el, carbon.el),
      h(
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
              h(
                'th',
                { scope: 'col' },
                h('span', { class: 'swatch', style: `background:${RUN_COLORS[i]}` }),
                run.label,
              ),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          METRICS.map(([k, label, fmt, better]) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, label),
              r.runs.map((run, i) => {
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
              }),
            ),
          ),
        ),
      ),
    );
  }

  // a page opened at #whatif shows before the fabric has loaded: fill the site list when it arrives
  subscribe((c) => {
    const f = state.fabric;
    if (c.has('fabric') && f && site.options.length === 0)
      mount(site, options(f.sites.map((s) => ({ value: s.id, label: `${s.id} (${s.name})` }))));
  });

  let filled = false;
  async function show(): Promise<void> {
    const f = state.fabric;
    if (f && site.options.length === 0)
      mount(site, options(f.sites.map((s) => ({ value: s.id, label: `${s.id} (${s.name})` }))));
    if (filled) return;
    filled = true;
    try {
      const c = await loadCatalog();
      mount(policy, options(c.policies, 'priority'));
      mount(policyA, options(c.policies, 'priority'));
      mount(policyB, options(c.policies, 'carbon-aware'));
    } catch {
      filled = false;
    }
  }

  const el = h(
    'div',
    { class: 'whatif-view' },
    h('h2', { class: 'sr-only' }, 'What-if'),
    h(
      'p',
      { class: 'muted' },
      'Runs the digital twin on a synthetic trace over this server’s fabric. Both runs use the same jobs and random seed; only the scenario or the policy differs.',
    ),
    form,
    out,
  );
  return { el, show: () => void show() };
}
