// What-if: run the digital twin from the UI on a synthetic trace — take a site down for N hours
// against a baseline, or compare two scheduling policies — and see utilization, the JCT CDF and
// carbon side by side (uPlot), with a table of the headline numbers (drawn by whatif-render.ts).
import { post } from '../api';
import { loadCatalog } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { errorList, submitForm } from '../form';
import { state, subscribe } from '../state';
import type { WhatIfResult } from '../../../src/contract';
import { compareTable, runsLine, whatIfCharts } from './whatif-render';

export { chartedUtilization } from './whatif-render';

interface WhatIfControls {
  modeOutage: HTMLInputElement;
  modePolicies: HTMLInputElement;
  site: HTMLSelectElement;
  hours: HTMLInputElement;
  at: HTMLInputElement;
  policy: HTMLSelectElement;
  policyA: HTMLSelectElement;
  policyB: HTMLSelectElement;
  jobs: HTMLInputElement;
  rate: HTMLInputElement;
  seed: HTMLInputElement;
  start: HTMLInputElement;
  run: HTMLButtonElement;
  errors: HTMLUListElement;
}

interface WhatIfView extends WhatIfControls {
  out: HTMLElement;
  charts: { destroy: () => void }[];
  filled: boolean;
}

function controls(): WhatIfControls {
  return {
    modeOutage: h('input', { type: 'radio', name: 'mode', value: 'outage', checked: true }),
    modePolicies: h('input', { type: 'radio', name: 'mode', value: 'policies' }),
    site: h('select', { name: 'site' }),
    hours: h('input', { name: 'downHours', type: 'number', min: 1, max: 720, value: 6 }),
    at: h('input', { name: 'atHours', type: 'number', min: 0, max: 1440, value: 12 }),
    policy: h('select', { name: 'policy' }),
    policyA: h('select', { name: 'policyA' }),
    policyB: h('select', { name: 'policyB' }),
    jobs: h('input', { name: 'jobs', type: 'number', min: 10, max: 3000, value: 300 }),
    rate: h('input', { name: 'ratePerHour', type: 'number', min: 1, max: 1000, value: 20 }),
    seed: h('input', { name: 'seed', type: 'number', min: 0, value: 1 }),
    start: h('input', { name: 'start', type: 'date', min: '2022-01-01', max: '2022-12-31', value: '2022-07-01' }),
    run: h('button', { type: 'submit', class: 'primary' }, 'Run simulation'),
    errors: errorList(),
  };
}

/** The form: scenario mode (outage fields or two policies), the synthetic workload and the calendar start. */
function whatIfForm(c: WhatIfControls, onSubmit: () => void): HTMLFormElement {
  const outageFields = h(
    'div',
    { class: 'row' },
    field('Site', c.site),
    field('Hours down', c.hours),
    field('Down from hour', c.at),
    field('Policy', c.policy),
  );
  const policyFields = h(
    'div',
    { class: 'row', hidden: true },
    field('Policy A', c.policyA),
    field('Policy B', c.policyB),
  );
  const sync = () => {
    outageFields.hidden = !c.modeOutage.checked;
    policyFields.hidden = c.modeOutage.checked;
  };
  c.modeOutage.addEventListener('change', sync);
  c.modePolicies.addEventListener('change', sync);
  return h(
    'form',
    {
      class: 'whatif-form',
      'aria-label': 'What-if simulation',
      onsubmit: (e: Event) => (e.preventDefault(), onSubmit()),
    },
    h(
      'fieldset',
      { class: 'modes' },
      h('legend', null, 'Scenario'),
      h('label', null, c.modeOutage, ' Take a site down'),
      h('label', null, c.modePolicies, ' Compare two policies'),
    ),
    outageFields,
    policyFields,
    h(
      'div',
      { class: 'row' },
      field('Jobs (synthetic trace)', c.jobs),
      field('Arrivals per hour', c.rate),
      field('Seed', c.seed),
      field('Grid calendar start', c.start, '2022 hourly carbon and price series'),
      h('div', { class: 'buttons' }, c.run),
    ),
    c.errors,
  );
}

function requestBody(c: WhatIfControls): Record<string, unknown> {
  const workload = {
    jobs: Number(c.jobs.value) || 300,
    ratePerHour: Number(c.rate.value) || 20,
    seed: Number(c.seed.value) || 0,
  };
  const start = c.start.value || '2022-07-01';
  return c.modeOutage.checked
    ? {
        mode: 'outage',
        site: c.site.value,
        downHours: Number(c.hours.value) || 6,
        atHours: Number(c.at.value) || 0,
        policy: c.policy.value,
        workload,
        start,
      }
    : { mode: 'policies', policies: [c.policyA.value, c.policyB.value], workload, start };
}

async function simulate(v: WhatIfView): Promise<void> {
  await submitForm(
    v.run,
    v.errors,
    'The simulation did not run: see the form.',
    async () => {
      for (const c of v.charts) c.destroy();
      v.charts = [];
      mount(
        v.out,
        h(
          'p',
          { class: 'muted', role: 'status' },
          'Simulating in the digital twin… (the twin plans every job class with the planner: several seconds)',
        ),
      );
      const body = requestBody(v);
      const r = await post<WhatIfResult>('/v1/whatif', body);
      const total = Math.max(600, v.out.clientWidth || 1200);
      const charts = whatIfCharts(r, body, Math.floor((total - 24) / 3));
      v.charts = charts;
      mount(
        v.out,
        runsLine(r),
        h(
          'div',
          { class: 'chart-row' },
          charts.map((c) => c.el),
        ),
        compareTable(r),
      );
      announce(`Simulation done: ${r.runs.map((x) => x.label).join(' vs ')}.`);
    },
    () => mount(v.out),
  );
}

function fillSites(v: WhatIfView): void {
  const f = state.fabric;
  if (f && v.site.options.length === 0)
    mount(v.site, options(f.sites.map((s) => ({ value: s.id, label: `${s.id} (${s.name})` }))));
}

async function show(v: WhatIfView): Promise<void> {
  fillSites(v);
  if (v.filled) return;
  v.filled = true;
  try {
    const c = await loadCatalog();
    mount(v.policy, options(c.policies, 'priority'));
    mount(v.policyA, options(c.policies, 'priority'));
    mount(v.policyB, options(c.policies, 'carbon-aware'));
  } catch {
    v.filled = false;
  }
}

export function createWhatIfView(): { el: HTMLElement; show: () => void } {
  const v: WhatIfView = {
    ...controls(),
    out: h('div', { class: 'whatif-results', 'aria-live': 'polite' }),
    charts: [],
    filled: false,
  };
  const form = whatIfForm(v, () => void simulate(v));
  // a page opened at #whatif shows before the fabric has loaded: fill the site list when it arrives
  subscribe((c) => {
    if (c.has('fabric')) fillSites(v);
  });
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
    v.out,
  );
  return { el, show: () => void show(v) };
}
