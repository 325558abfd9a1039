// Tenants: quota and GPUs in use per tenant, queue per tenant, and cost and energy per tenant and per job for a
// chosen period (GET /v1/usage?from&to). Operators see every tenant; anyone else only their own. A tenant's row
// opens its jobs below the table; a job's name links to its page (#job/<id>).
import type { JobUsageRow, TenantUsage, UsageResponse } from '../../../src/contract';
import { ApiError, get } from '../api';
import { h, mount, options } from '../dom';
import { fixed, int } from '../format';

/** Period presets (hours back from now); "custom" takes the two date-time fields. */
const PERIODS = [
  { value: '1', label: 'last hour' },
  { value: '6', label: 'last 6 hours' },
  { value: '24', label: 'last 24 hours' },
  { value: '168', label: 'last 7 days' },
  { value: 'custom', label: 'custom…' },
];

/** USD with cents below 100, whole dollars above; '—' when a site used has no price series. */
export function usd(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  return x < 100 ? `$${x.toFixed(2)}` : `$${Math.round(x).toLocaleString('en-US')}`;
}
/** Energy with a readable unit (kWh below 1 MWh). */
export function energy(mwh: number): string {
  return mwh < 1 ? `${fixed(mwh * 1000, mwh * 1000 < 10 ? 2 : 1)} kWh` : `${fixed(mwh, mwh < 10 ? 2 : 1)} MWh`;
}
const co2 = (kg: number | null): string =>
  kg === null ? '—' : kg < 1000 ? `${fixed(kg, 1)} kg` : `${fixed(kg / 1000, 2)} t`;
const gpuH = (x: number): string => (x < 10 ? fixed(x, 2) : int(x));

/** `datetime-local` value of an epoch-ms time, in the browser's zone (what the field shows). */
const localValue = (ms: number): string => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

interface TenantsView {
  period: HTMLSelectElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
  info: HTMLElement;
  errors: HTMLElement;
  tbody: HTMLTableSectionElement;
  jobsBox: HTMLElement;
  selected: string | null;
  last: UsageResponse | null;
  /** Refreshes every 15 s while shown with a preset period (GPUs in use and queues move). */
  timer: number | null;
}

function quotaCell(t: TenantUsage): HTMLElement {
  const share = t.quotaGpus ? Math.min(1, t.activeGpus / t.quotaGpus) : null;
  return h(
    'td',
    { 'data-col': 'use' },
    h('span', null, `${int(t.activeGpus)} / ${t.quotaGpus === null ? 'no quota' : int(t.quotaGpus)}`),
    share === null
      ? null
      : h(
          'div',
          { class: 'meter-bar', role: 'img', 'aria-label': `${Math.round(share * 100)}% of the quota in use` },
          h('span', { style: `width:${(share * 100).toFixed(1)}%` }),
        ),
  );
}

function tenantRow(v: TenantsView, t: TenantUsage): HTMLTableRowElement {
  const open = () => ((v.selected = t.tenant), draw(v));
  return h(
    'tr',
    {
      'data-tenant': t.tenant,
      class: v.selected === t.tenant ? 'selected' : '',
      // the open tenant's row stands out (its jobs are listed below the table)
      style: v.selected === t.tenant ? 'background:#eef2ff' : '',
      tabindex: 0,
      'aria-selected': String(v.selected === t.tenant),
      onclick: open,
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key;
        if (k !== 'Enter' && k !== ' ') return;
        e.preventDefault();
        open();
      },
    },
    h('th', { scope: 'row' }, t.name, t.name === t.tenant ? null : h('small', { class: 'muted' }, ` ${t.tenant}`)),
    quotaCell(t),
    h('td', { 'data-col': 'queue' }, `${int(t.queue.jobs)} job(s), ${int(t.queue.gpus)} GPUs`),
    h('td', { 'data-col': 'gpu-hours', class: 'num' }, gpuH(t.totals.gpuHours)),
    h('td', { 'data-col': 'energy', class: 'num' }, energy(t.totals.energyMWh)),
    h('td', { 'data-col': 'cost', class: 'num' }, usd(t.totals.costUsd)),
    h('td', { 'data-col': 'co2', class: 'num' }, co2(t.totals.emissionsKgCO2e)),
  );
}

const headRow = (cols: string[]) =>
  h(
    'thead',
    null,
    h(
      'tr',
      null,
      cols.map((c) => h('th', { scope: 'col' }, c)),
    ),
  );

function jobRow(j: JobUsageRow): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-job': j.id },
    h(
      'td',
      null,
      h('a', { href: `#job/${encodeURIComponent(j.id)}` }, j.name),
      h('small', { class: 'muted' }, ` ${j.id}`),
    ),
    h('td', null, j.state),
    h('td', { class: 'num' }, int(j.gpus)),
    h('td', null, j.sites.join(', ') || '—'),
    h('td', { 'data-col': 'gpu-hours', class: 'num' }, gpuH(j.gpuHours)),
    h('td', { 'data-col': 'energy', class: 'num' }, energy(j.energyMWh)),
    h('td', { 'data-col': 'cost', class: 'num' }, usd(j.costUsd)),
    h('td', { 'data-col': 'co2', class: 'num' }, co2(j.emissionsKgCO2e)),
  );
}

/** The selected tenant's jobs that ran in the period, most energy first. */
function jobsTable(t: TenantUsage): HTMLElement {
  const note = t.truncated ? h('p', { class: 'muted small' }, 'Only its newest 1,000 jobs were counted.') : null;
  if (t.jobs.length === 0)
    return h(
      'div',
      { 'data-role': 'tenant-jobs' },
      h('h3', null, `Jobs of ${t.name}`),
      h('p', { class: 'muted' }, 'No job ran in this period.'),
      note,
    );
  return h(
    'div',
    { 'data-role': 'tenant-jobs' },
    h('h3', null, `Jobs of ${t.name} in the period`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'usage-jobs', 'aria-label': `Cost and energy of ${t.name}'s jobs` },
        headRow(['Job', 'State', 'GPUs', 'Sites', 'GPU-hours', 'Energy', 'Cost', 'CO₂e']),
        h('tbody', null, t.jobs.map(jobRow)),
      ),
    ),
    note,
  );
}

function draw(v: TenantsView): void {
  const r = v.last;
  if (!r) return;
  if (!v.selected || !r.tenants.some((t) => t.tenant === v.selected)) v.selected = r.tenants[0]?.tenant ?? null;
  mount(
    v.tbody,
    r.tenants.map((t) => tenantRow(v, t)),
  );
  const sel = r.tenants.find((t) => t.tenant === v.selected);
  mount(v.jobsBox, sel ? jobsTable(sel) : null);
  v.jobsBox.style.marginTop = '16px';
  v.info.textContent =
    `GPU-hours, energy, cost and CO₂e: ${new Date(r.from).toLocaleString()} – ${new Date(r.to).toLocaleString()}; ` +
    `GPUs in use and queue: now. ${r.method}.`;
}

/** The period asked for: a preset back from now, or the two fields (checked here, named on error). */
function period(v: TenantsView): { from: string; to: string } | string {
  if (v.period.value !== 'custom') {
    const to = Date.now();
    return { from: new Date(to - Number(v.period.value) * 3_600_000).toISOString(), to: new Date(to).toISOString() };
  }
  const from = Date.parse(v.from.value);
  const to = Date.parse(v.to.value);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return 'From and To: give both dates and times.';
  if (from >= to) return 'From: must be before To.';
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

async function refresh(v: TenantsView): Promise<void> {
  const p = period(v);
  if (typeof p === 'string') return void (v.errors.textContent = p);
  try {
    v.last = await get<UsageResponse>(`/v1/usage?from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`);
    v.errors.textContent = '';
    draw(v);
  } catch (err) {
    v.errors.textContent = err instanceof ApiError ? err.message : `Failed: ${(err as Error).message}`;
  }
}

function controls(v: TenantsView): HTMLElement {
  const custom = h(
    'span',
    { class: 'row', 'data-role': 'custom-period', hidden: true },
    h('label', null, 'From ', v.from),
    h('label', null, 'To ', v.to),
  );
  v.period.addEventListener('change', () => {
    custom.hidden = v.period.value !== 'custom';
    if (v.period.value === 'custom' && !v.from.value) {
      v.to.value = localValue(Date.now());
      v.from.value = localValue(Date.now() - 24 * 3_600_000);
    }
    if (v.period.value !== 'custom') void refresh(v);
  });
  const apply = h('button', { type: 'button', class: 'secondary small', onclick: () => void refresh(v) }, 'Show');
  return h('div', { class: 'row', 'data-role': 'period' }, h('label', null, 'Period ', v.period), custom, apply);
}

export function createTenantsView(): { el: HTMLElement; show: () => void; hide: () => void } {
  const v: TenantsView = {
    period: h('select', { name: 'usage-period', 'aria-label': 'Period' }, options(PERIODS, '24')),
    from: h('input', { type: 'datetime-local', name: 'usage-from', 'aria-label': 'From' }),
    to: h('input', { type: 'datetime-local', name: 'usage-to', 'aria-label': 'To' }),
    info: h('p', { class: 'muted small', 'data-role': 'usage-info' }),
    errors: h('p', { class: 'errors', role: 'alert' }),
    tbody: h('tbody'),
    jobsBox: h('div'),
    selected: null,
    last: null,
    timer: null,
  };
  const table = h(
    'table',
    { class: 'usage', 'aria-label': 'Tenants: quota, use, queue, cost and energy' },
    headRow(['Tenant', 'GPUs in use now / quota', 'Queue now', 'GPU-hours', 'Energy', 'Cost', 'CO₂e']),
    v.tbody,
  );
  const el = h(
    'div',
    { class: 'tenants-view' },
    h('h2', null, 'Tenants'),
    controls(v),
    v.errors,
    h('div', { class: 'table-wrap' }, table),
    v.jobsBox,
    v.info,
  );
  const stop = () => {
    if (v.timer !== null) window.clearInterval(v.timer);
    v.timer = null;
  };
  const show = () => {
    stop();
    void refresh(v);
    v.timer = window.setInterval(() => v.period.value !== 'custom' && void refresh(v), 15_000);
  };
  return { el, show, hide: stop };
}
