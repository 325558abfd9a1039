// One row of the jobs table: name and links, state and reason, GPUs and placement, plan, throughput, progress,
// checkpoint, submitted time and the cancel button. The view (jobs.ts) keeps the rows and calls fillRow on change.
import { TERMINAL, modelName, type Job } from '../api';
import { h, mount } from '../dom';
import { ago, int, pct, si, time } from '../format';
import { canSubmit } from '../state';
import { COLUMNS } from './jobs-table-tools';
import { jobHref, parallelism, placementText } from './job-detail';

/** What a row's buttons do. */
export interface RowActions {
  select: (id: string) => void;
  cancel: (j: Job, btn: HTMLButtonElement) => void;
}

/** Fraction done from the latest checkpoint (the twin's step is simulated seconds) over the planned duration. */
export function progressOf(j: Job): number | null {
  if (j.state === 'succeeded') return 1;
  const tps = j.plan?.effectiveTokensPerSecond ?? j.plan?.tokensPerSecond;
  const durationS = j.tokens && tps ? j.tokens / tps : null;
  if (!durationS) return null;
  return Math.min(1, (j.checkpoint?.step ?? 0) / durationS);
}

function nameCell(j: Job, on: RowActions): HTMLElement {
  return h(
    'td',
    null,
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        'aria-controls': 'job-detail',
        'aria-label': `Details of job ${j.name}`,
        onclick: () => on.select(j.id),
      },
      j.name,
    ),
    h(
      'div',
      { class: 'muted small' },
      `${modelName(j.model)} · ${j.tenant} · `,
      h('a', { href: jobHref(j.id), 'data-action': 'open', 'aria-label': `Page of job ${j.name}` }, 'page'),
    ),
  );
}

function stateCell(j: Job): HTMLElement {
  return h(
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
  );
}

function progressCell(j: Job): HTMLElement {
  const p = progressOf(j);
  return h(
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
  );
}

function checkpointCell(j: Job): HTMLElement {
  return h(
    'td',
    { class: 'small' },
    j.checkpoint
      ? h(
          'span',
          { title: j.checkpoint.path ?? '' },
          `step ${int(j.checkpoint.step)}`,
          h('div', { class: 'muted' }, `${j.checkpoint.site ?? ''} ${ago(new Date(j.checkpoint.at).toISOString())}`),
        )
      : h('span', { class: 'muted' }, 'none'),
  );
}

function actionsCell(j: Job, on: RowActions): HTMLElement {
  const cancellable = canSubmit() && !TERMINAL.includes(j.state);
  return h(
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
            onclick: (e: Event) => on.cancel(j, e.currentTarget as HTMLButtonElement),
          },
          'Cancel',
        )
      : null,
  );
}

/** Redraw a row's cells for the job's current state. */
export function fillRow(tr: HTMLTableRowElement, j: Job, on: RowActions): void {
  const tps = j.plan?.effectiveTokensPerSecond ?? j.plan?.tokensPerSecond;
  tr.dataset.state = j.state;
  mount(
    tr,
    nameCell(j, on),
    stateCell(j),
    h(
      'td',
      null,
      h('div', null, j.gpus ? `${int(j.gpus)} GPUs` : '—'),
      h('div', { class: 'muted small', 'data-role': 'placement' }, placementText(j)),
    ),
    h('td', null, h('div', null, j.plan?.strategy ?? '—'), h('div', { class: 'muted small' }, parallelism(j))),
    h('td', { class: 'num' }, tps ? `${si(tps)} tok/s` : '—'),
    progressCell(j),
    checkpointCell(j),
    actionsCell(j, on),
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
