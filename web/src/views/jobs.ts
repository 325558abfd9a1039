// Jobs view: the job table with filters (tenant, state, site), each job's placement, plan, progress
// and checkpoint; the selected job's details (job-detail.ts); the submit form (job-submit.ts) and cancel buttons,
// shown only to roles that may use them (a viewer sees neither).
import { JOB_STATES, TERMINAL, api, modelName, type Job } from '../api';
import { loadCatalog, loadMoreJobs, refreshJobs } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { ago, int, pct, si, time } from '../format';
import { canSubmit, isAdmin, state, subscribe, update } from '../state';
import { COLUMNS, createTableTools } from './jobs-table-tools';
import { createSubmitForm } from './job-submit';
import { createJobDetail, jobHref, parallelism, placementText } from './job-detail';

const ACTIVE = 'admitted,starting,running,checkpointing';
const UNFINISHED = 'queued,admitted,starting,running,checkpointing,suspended,preempted';

/** Fraction done from the latest checkpoint (the twin's step is simulated seconds) over the planned duration. */
export function progressOf(j: Job): number | null {
  if (j.state === 'succeeded') return 1;
  const tps = j.plan?.effectiveTokensPerSecond ?? j.plan?.tokensPerSecond;
  const durationS = j.tokens && tps ? j.tokens / tps : null;
  if (!durationS) return null;
  return Math.min(1, (j.checkpoint?.step ?? 0) / durationS);
}

export { bySite, jobHref, parallelism } from './job-detail';

export function createJobsView(): { el: HTMLElement; drawn: () => boolean } {
  // ---- filters ----
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

  // ---- table ----
  const tbody = h('tbody');
  const more = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => void loadMoreJobs().catch((e: Error) => announce(e.message, 'error')),
    },
    'Load more jobs',
  );
  const tools = createTableTools(() => drawTable(true));
  const headRow = h('tr');
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
  const rows = new Map<string, { tr: HTMLTableRowElement; sig: string }>();
  const armed = new Map<string, number>();

  function row(j: Job): HTMLTableRowElement {
    const tr = h('tr', {
      'data-job-id': j.id,
      'data-state': j.state,
      'aria-current': state.selectedJob === j.id ? 'true' : null,
    });
    fillRow(tr, j);
    return tr;
  }

  function fillRow(tr: HTMLTableRowElement, j: Job): void {
    const p = progressOf(j);
    const tps = j.plan?.effectiveTokensPerSecond ?? j.plan?.tokensPerSecond;
    const cancellable = canSubmit() && !TERMINAL.includes(j.state);
    tr.dataset.state = j.state;
    mount(
      tr,
      h(
        'td',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-controls': 'job-detail',
            'aria-label': `Details of job ${j.name}`,
            onclick: () => select(j.id),
          },
          j.name,
        ),
        h(
          'div',
          { class: 'muted small' },
          `${modelName(j.model)} · ${j.tenant} · `,
          h('a', { href: jobHref(j.id), 'data-action': 'open', 'aria-label': `Page of job ${j.name}` }, 'page'),
        ),
      ),
      h(
        'td',
        null,
        h('span', { class: `badge ${j.state}`, 'data-role': 'state' }, j.state),
        j.reason
          ? h(
              'div',
              { class: 'muted small', title: j.reason },
              j.reason.length > 40 ? `${j.reason.slice(0, 40)}…` : j.reason,
            )
          : null,
      ),
      h(
        'td',
        null,
        h('div', null, j.gpus ? `${int(j.gpus)} GPUs` : '—'),
        h('div', { class: 'muted small', 'data-role': 'placement' }, placementText(j)),
      ),
      h('td', null, h('div', null, j.plan?.strategy ?? '—'), h('div', { class: 'muted small' }, parallelism(j))),
      h('td', { class: 'num' }, tps ? `${si(tps)} tok/s` : '—'),
      h(
        'td',
        null,
        p === null
          ? h('span', { class: 'muted' }, '—')
          : h(
              'span',
              {
                class: 'progress',
                role: 'progressbar',
                'aria-label': `Progress of ${j.name}`,
                'aria-valuemin': 0,
                'aria-valuemax': 100,
                'aria-valuenow': Math.round(p * 100),
              },
              h('span', { style: `width:${(p * 100).toFixed(1)}%` }),
              h('b', null, pct(p)),
            ),
      ),
      h(
        'td',
        { class: 'small' },
        j.checkpoint
          ? h(
              'span',
              { title: j.checkpoint.path ?? '' },
              `step ${int(j.checkpoint.step)}`,
              h(
                'div',
                { class: 'muted' },
                `${j.checkpoint.site ?? ''} ${ago(new Date(j.checkpoint.at).toISOString())}`,
              ),
            )
          : h('span', { class: 'muted' }, 'none'),
      ),
      h(
        'td',
        { class: 'col-actions' },
        cancellable
          ? h(
              'button',
              {
                type: 'button',
                class: 'danger small',
                'data-action': 'cancel',
                'aria-label': `Cancel job ${j.name}`,
                onclick: (e: Event) => void cancel(j, e.currentTarget as HTMLButtonElement),
              },
              'Cancel',
            )
          : null,
      ),
    );
    markCells(tr, j);
  }

  /** Each cell carries its column's class (col-<key>): what column choice hides and the sticky Actions use. */
  function markCells(tr: HTMLTableRowElement, j: Job): void {
    const cells = [...tr.children];
    // the Submitted cell goes before Actions (fillRow draws the others in COLUMNS order)
    cells[cells.length - 1].before(
      h('td', { class: 'small' }, time(j.createdAt), h('div', { class: 'muted' }, ago(j.createdAt))),
    );
    [...tr.children].forEach((td, i) => td.classList.add(`col-${COLUMNS[i].key}`));
  }

  async function cancel(j: Job, btn: HTMLButtonElement): Promise<void> {
    if (!armed.has(j.id)) {
      // two steps: the first press arms, the second (within 4 s) cancels
      btn.textContent = 'Confirm cancel';
      btn.setAttribute('aria-label', `Confirm: cancel job ${j.name}`);
      armed.set(
        j.id,
        window.setTimeout(() => {
          armed.delete(j.id);
          btn.textContent = 'Cancel';
          btn.setAttribute('aria-label', `Cancel job ${j.name}`);
        }, 4000),
      );
      return;
    }
    window.clearTimeout(armed.get(j.id));
    armed.delete(j.id);
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

  function drawTable(head = false): void {
    const seen = new Set<string>();
    const canAct = canSubmit();
    let prev: HTMLTableRowElement | null = null;
    if (head || !headRow.firstChild) tools.drawHead(headRow);
    for (const c of COLUMNS) table.classList.toggle(`hide-${c.key}`, tools.hidden().has(c.key));
    const shown = tools.page(state.jobs, state.jobsNext !== null);
    for (const j of shown) {
      seen.add(j.id);
      const sig = `${j.updatedAt}|${j.state}|${canAct}|${state.selectedJob === j.id}|${j.checkpoint?.step ?? ''}`;
      let r = rows.get(j.id);
      if (!r) {
        r = { tr: row(j), sig };
        rows.set(j.id, r);
      } else if (r.sig !== sig && !armed.has(j.id)) {
        const focusedCancel = r.tr.contains(document.activeElement)
          ? (document.activeElement as HTMLElement).dataset.action
          : undefined;
        fillRow(r.tr, j);
        r.tr.toggleAttribute('aria-current', state.selectedJob === j.id);
        r.sig = sig;
        if (focusedCancel) r.tr.querySelector<HTMLElement>(`[data-action="${focusedCancel}"]`)?.focus();
      }
      const want: ChildNode | null = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== r.tr) tbody.insertBefore(r.tr, want);
      prev = r.tr;
    }
    for (const [id, r] of rows) {
      if (!seen.has(id)) {
        r.tr.remove();
        rows.delete(id);
      }
    }
    if (shown.length === 0) {
      if (!tbody.querySelector('.empty'))
        tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: COLUMNS.length }, 'No jobs match.')));
    } else tbody.querySelector('.empty')?.remove();
    more.hidden = !state.jobsNext;
    count.textContent = `${int(state.jobs.length)}${state.jobsNext ? '+' : ''} job(s) shown`;
  }

  function drawFilters(): void {
    const f = state.fabric;
    if (f && siteSel.options.length !== f.sites.length + 1)
      mount(
        siteSel,
        options(
          [{ value: '', label: 'any site' }, ...f.sites.map((s) => ({ value: s.id, label: `${s.id} (${s.name})` }))],
          state.filters.site,
        ),
      );
    tenantField.hidden = !isAdmin();
    table.classList.toggle('read-only', !canSubmit());
  }

  // ---- submit (job-submit.ts) ----
  const { form, drawForm } = createSubmitForm((id) => select(id));

  // ---- detail (job-detail.ts) ----
  const { detail, select, drawDetail } = createJobDetail();

  subscribe((c) => {
    if (c.has('jobs') || c.has('me') || c.has('selectedJob')) drawTable();
    if (c.has('fabric') || c.has('me')) drawFilters();
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
      filters,
      tools.toolbar,
      h('div', { class: 'table-wrap' }, table),
      h('div', { class: 'table-foot' }, tools.pager, more),
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
      drawnOnce = drawnOnce || (state.me !== null && tbody.childElementCount > 0);
      return drawnOnce;
    },
  };
}
