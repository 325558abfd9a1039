// What-if: run the digital twin from the UI on the fabric's workload (on fairwater the superfactory mix, else a
// synthetic trace) — take a site down for N hours
// against a baseline, or compare two scheduling policies — and see utilization, the JCT CDF and
// carbon side by side (uPlot), with a table of the headline numbers (drawn by whatif-render.ts).
import { post } from '../api';
import { loadCatalog } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { errorList, submitForm } from '../form';
import { state, subscribe } from '../state';
import { WHATIF_DEFAULT_MIX, type WhatIfResult } from '../../../src/contract';
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
  /** The fabric whose workload defaults the form shows (set once the fabric has loaded). */
  sizedFor?: string;
}

// Synthetic trace: 300 jobs at 20/h arrive over about 15 hours. The superfactory mix: 3,000 jobs at the mix's own
// rate (offered load 1.0, about 33/h on fairwater) arrive over about 4 days next to the two frontier runs, and the
// run stops a day after the last arrival (the frontier runs outlast any horizon): about 75% of the fleet busy
// under priority, against 51% for 300 jobs at 20/h with the 7-day tail (measured 2026-12-02, seed 1, CLI
// `simulate --workload superfactory:jobs=3000 --horizon-days 1`; src/workload/README.md).
const SYNTHETIC_DEFAULTS = { jobs: 300, ratePerHour: 20 };
const MIX_DEFAULTS = { jobs: 3000, horizonDays: 1 };

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
      field('Arrivals per hour', c.rate, 'empty: the workload’s own rate'),
      field('Seed', c.seed),
      field('Grid calendar start', c.start, '2022 hourly carbon and price series'),
      h('div', { class: 'buttons' }, c.run),
    ),
    c.errors,
  );
}

/** The mix the server runs on this fabric by default, if any. */
function mixOf(fabric: string | undefined): string | undefined {
  return fabric === undefined ? undefined : WHATIF_DEFAULT_MIX[fabric];
}

function requestBody(v: WhatIfView): Record<string, unknown> {
  const mix = mixOf(v.sizedFor);
  const rate = Number(v.rate.value);
  const workload = {
    jobs: Number(v.jobs.value) || (mix ? MIX_DEFAULTS.jobs : SYNTHETIC_DEFAULTS.jobs),
    // an empty rate leaves the mix at its own (offered load 1.0); the synthetic generator needs one
    ...(rate > 0 ? { ratePerHour: rate } : mix ? {} : { ratePerHour: SYNTHETIC_DEFAULTS.ratePerHour }),
    seed: Number(v.seed.value) || 0,
  };
  const start = v.start.value || '2022-07-01';
  const common = { workload, start, ...(mix ? { horizonDays: MIX_DEFAULTS.horizonDays } : {}) };
  return v.modeOutage.checked
    ? {
        mode: 'outage',
        site: v.site.value,
        downHours: Number(v.hours.value) || 6,
        atHours: Number(v.at.value) || 0,
        policy: v.policy.value,
        ...common,
      }
    : { mode: 'policies', policies: [v.policyA.value, v.policyB.value], ...common };
}

/** Once the fabric is known: the jobs label and defaults of its workload (the mix on fairwater). */
function sizeWorkload(v: WhatIfView, form: HTMLFormElement): void {
  const f = state.fabric;
  if (!f || v.sizedFor === f.name) return;
  v.sizedFor = f.name;
  const mix = mixOf(f.name);
  const label = form.querySelector(`label[for="${v.jobs.id}"]`);
  if (label) label.textContent = mix ? `Jobs (${mix} mix)` : 'Jobs (synthetic trace)';
  v.jobs.value = String(mix ? MIX_DEFAULTS.jobs : SYNTHETIC_DEFAULTS.jobs);
  v.rate.value = mix ? '' : String(SYNTHETIC_DEFAULTS.ratePerHour);
  v.rate.placeholder = mix ? 'mix rate (load 1.0)' : '';
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
  sizeWorkload(v, form);
  // a page opened at #whatif shows before the fabric has loaded: fill the site list and size the workload then
  subscribe((c) => {
    if (!c.has('fabric')) return;
    fillSites(v);
    sizeWorkload(v, form);
  });
  const el = h(
    'div',
    { class: 'whatif-view' },
    h('h2', { class: 'sr-only' }, 'What-if'),
    h(
      'p',
      { class: 'muted' },
      'Runs the digital twin over this server’s fabric on its workload: on fairwater the superfactory mix (two frontier pre-training runs on tens of thousands of GPUs, mid-size pre-training, fine-tuning, evaluation and batch inference, with the mix’s tenant quotas), elsewhere a synthetic trace. Both runs use the same jobs and random seed; only the scenario or the policy differs.',
    ),
    form,
    v.out,
  );
  return { el, show: () => void show(v) };
}
