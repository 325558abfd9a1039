// Jobs view: the job table with filters (tenant, state, site), each job's placement, plan, progress
// and checkpoint (rows drawn by jobs-row.ts); the selected job's details (job-detail.ts); the submit form
// (job-submit.ts) and cancel buttons, shown only to roles that may use them (a viewer sees neither).
import { JOB_STATES, api, type Job } from '../api';
import { loadCatalog, loadMoreJobs, refreshJobs } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { int } from '../format';
import { canSubmit, isAdmin, state, subscribe, update } from '../state';
import { COLUMNS, createTableTools } from './jobs-table-tools';
import { createSubmitForm } from './job-submit';
import { createJobDetail } from './job-detail';
import { fillRow, type RowActions } from './jobs-row';

export { progressOf } from './jobs-row';
export { bySite, jobHref, parallelism } from './job-detail';

const ACTIVE = 'admitted,starting,running,checkpointing';
const UNFINISHED = 'queued,admitted,starting,running,checkpointing,suspended,preempted';

interface Filters {
  filters: HTMLFormElement;
  tenantField: HTMLElement;
  siteSel: HTMLSelectElement;
  count: HTMLElement;
}

/** The filter form (tenant typed with a 300 ms pause, state, site): a change reloads the first page of jobs. */
function jobFilters(): Filters {
  const tenantIn = h('input', {
    type: 'search',
    name: 'tenant',
    placeholder: 'all tenants',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const stateSel = h('select', { name: 'state' });
  mount(
    stateSel,
    options([
      { value: '', label: 'any state' },
      { value: ACTIVE, label: 'active (holding GPUs)' },
      { value: UNFINISHED, label: 'unfinished' },
      ...JOB_STATES,
    ]),
  );
  const siteSel = h('select', { name: 'site' });
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const applyFilters = () => {
    update({ filters: { tenant: tenantIn.value.trim(), state: stateSel.value, site: siteSel.value }, jobsLimit: 100 });
    void refreshJobs().catch((err: Error) => announce(err.message, 'error'));
  };
  let typing: number | null = null;
  tenantIn.addEventListener('input', () => {
    if (typing !== null) window.clearTimeout(typing);
    typing = window.setTimeout(applyFilters, 300);
  });
  stateSel.addEventListener('change', applyFilters);
  siteSel.addEventListener('change', applyFilters);
  const tenantField = field('Tenant', tenantIn);
  const filters = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter jobs',
      onsubmit: (e: Event) => (e.preventDefault(), applyFilters()),
    },
    tenantField,
    field('State', stateSel),
    field('Site', siteSel),
    count,
  );
  return { filters, tenantField, siteSel, count };
}

interface JobsTable {
  f: Filters;
  tbody: HTMLTableSectionElement;
  headRow: HTMLTableRowElement;
  table: HTMLTableElement;
  more: HTMLButtonElement;
  tools: ReturnType<typeof createTableTools>;
  rows: Map<string, { tr: HTMLTableRowElement; sig: string }>;
  /** Cancel buttons pressed once, waiting for the confirming press (their timers). */
  armed: Map<string, number>;
  on: RowActions;
}

async function cancel(t: JobsTable, j: Job, btn: HTMLButtonElement): Promise<void> {
  if (!t.armed.has(j.id)) {
    // two steps: the first press arms, the second (within 4 s) cancels
    btn.textContent = 'Confirm cancel';
    btn.setAttribute('aria-label', `Confirm: cancel job ${j.name}`);
    t.armed.set(
      j.id,
      window.setTimeout(() => {
        t.armed.delete(j.id);
        btn.textContent = 'Cancel';
        btn.setAttribute('aria-label', `Cancel job ${j.name}`);
      }, 4000),
    );
    return;
  }
  window.clearTimeout(t.armed.get(j.id));
  t.armed.delete(j.id);
  btn.disabled = true;
  try {
    await api('DELETE', `/v1/jobs/${encodeURIComponent(j.id)}`);
    announce(`Job ${j.name} cancelled.`);
    await refreshJobs();
  } catch (err) {
    announce((err as Error).message, 'error');
    btn.disabled = false;
  }
}

/** The row of a job, new or patched in place (not while its cancel is armed), keeping focus on its button. */
function upsertRow(t: JobsTable, j: Job, canAct: boolean): HTMLTableRowElement {
  const sig = `${j.updatedAt}|${j.state}|${canAct}|${state.selectedJob === j.id}|${j.checkpoint?.step ?? ''}`;
  let r = t.rows.get(j.id);
  if (!r) {
    const tr = h('tr', {
      'data-job-id': j.id,
      'data-state': j.state,
      'aria-current': state.selectedJob === j.id ? 'true' : null,
    });
    fillRow(tr, j, t.on);
    r = { tr, sig };
    t.rows.set(j.id, r);
  } else if (r.sig !== sig && !t.armed.has(j.id)) {
    const focusedCancel = r.tr.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.action
      : undefined;
    fillRow(r.tr, j, t.on);
    r.tr.toggleAttribute('aria-current', state.selectedJob === j.id);
    r.sig = sig;
    if (focusedCancel) r.tr.querySelector<HTMLElement>(`[data-action="${focusedCancel}"]`)?.focus();
  }
  return r.tr;
}

function drawTable(t: JobsTable, head = false): void {
  const { tbody } = t;
  const seen = new Set<string>();
  const canAct = canSubmit();
  let prev: HTMLTableRowElement | null = null;
  if (head || !t.headRow.firstChild) t.tools.drawHead(t.headRow);
  for (const c of COLUMNS) t.table.classList.toggle(`hide-${c.key}`, t.tools.hidden().has(c.key));
  const shown = t.tools.page(state.jobs, state.jobsNext !== null);
  for (const j of shown) {
    seen.add(j.id);
    const tr = upsertRow(t, j, canAct);
    const want: ChildNode | null = prev ? prev.nextSibling : tbody.firstChild;
    if (want !== tr) tbody.insertBefore(tr, want);
    prev = tr;
  }
  for (const [id, r] of t.rows) {
    if (!seen.has(id)) {
      r.tr.remove();
      t.rows.delete(id);
    }
  }
  if (shown.length === 0) {
    if (!tbody.querySelector('.empty'))
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: COLUMNS.length }, 'No jobs match.')));
  } else tbody.querySelector('.empty')?.remove();
  t.more.hidden = !state.jobsNext;
  t.f.count.textContent = `${int(state.jobs.length)}${state.jobsNext ? '+' : ''} job(s) shown`;
}

function drawFilters(t: JobsTable): void {
  const f = state.fabric;
  if (f && t.f.siteSel.options.length !== f.sites.length + 1)
    mount(
      t.f.siteSel,
      options(
        [{ value: '', label: 'any site' }, ...f.sites.map((s) => ({ value: s.id, label: `${s.id} (${s.name})` }))],
        state.filters.site,
      ),
    );
  t.f.tenantField.hidden = !isAdmin();
  t.table.classList.toggle('read-only', !canSubmit());
}

function jobsTable(select: (id: string) => void): JobsTable {
  const headRow = h('tr');
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'jobs', 'aria-describedby': 'jobs-caption' },
    h(
      'caption',
      { id: 'jobs-caption', class: 'sr-only' },
      'Jobs, newest first unless sorted by a column. Select a job name for its details and event history.',
    ),
    h('thead', null, headRow),
    tbody,
  );
  const more = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => void loadMoreJobs().catch((e: Error) => announce(e.message, 'error')),
    },
    'Load more jobs',
  );
  const t: JobsTable = {
    f: jobFilters(),
    tbody,
    headRow,
    table,
    more,
    rows: new Map(),
    armed: new Map(),
    tools: createTableTools(() => drawTable(t, true)),
    on: { select: (id) => select(id), cancel: (j, btn) => void cancel(t, j, btn) },
  };
  return t;
}

export function createJobsView(): { el: HTMLElement; drawn: () => boolean } {
  // built in the order the view always had (filters, table tools, submit form, detail): select is bound later
  const t = jobsTable((id) => select(id));
  const { form, drawForm } = createSubmitForm((id) => select(id));
  const { detail, select, drawDetail } = createJobDetail();
  subscribe((c) => {
    if (c.has('jobs') || c.has('me') || c.has('selectedJob')) drawTable(t);
    if (c.has('fabric') || c.has('me')) drawFilters(t);
    if (c.has('me') || c.has('catalog')) drawForm();
    if (c.has('jobs') || c.has('selectedJob') || c.has('jobEvents') || c.has('me')) drawDetail();
  });
  const el = h(
    'div',
    { class: 'jobs-view' },
    h(
      'div',
      { class: 'jobs-main' },
      h('h2', { class: 'sr-only' }, 'Jobs'),
      t.f.filters,
      t.tools.toolbar,
      h('div', { class: 'table-wrap' }, t.table),
      h('div', { class: 'table-foot' }, t.tools.pager, t.more),
    ),
    h('aside', { class: 'jobs-side', 'aria-label': 'Submit and details' }, form, detail),
  );
  form.hidden = true;
  drawDetail();
  void loadCatalog()
    .then(drawForm)
    .catch((err: unknown) => console.warn('submit form: the catalog did not load; the model list stays default', err));
  let drawnOnce = false;
  return {
    el,
    drawn: () => {
      drawnOnce = drawnOnce || (state.me !== null && t.tbody.childElementCount > 0);
      return drawnOnce;
    },
  };
}
