// The jobs table's own tools, on the jobs already loaded: search by name or id, sort by a column,
// the columns shown (kept in localStorage), and pages. The server's filters (tenant, state, site) and
// "load more" stay in jobs.ts; these work on what it loaded.
import type { Job } from '../api';
import { h, mount, options } from '../dom';
import { int } from '../format';

export interface Column {
  key: string;
  label: string;
  /** May be hidden (Job, State and Actions always show). */
  optional: boolean;
  sort?: (j: Job) => number | string;
}

const tps = (j: Job) => j.plan?.effectiveTokensPerSecond ?? j.plan?.tokensPerSecond ?? -1;
export const COLUMNS: Column[] = [
  { key: 'job', label: 'Job', optional: false, sort: (j) => j.name.toLowerCase() },
  { key: 'state', label: 'State', optional: false, sort: (j) => j.state },
  { key: 'gpus', label: 'GPUs and placement', optional: true, sort: (j) => j.gpus ?? -1 },
  { key: 'plan', label: 'Plan', optional: true, sort: (j) => j.plan?.strategy ?? '' },
  { key: 'predicted', label: 'Predicted', optional: true, sort: tps },
  { key: 'progress', label: 'Progress', optional: true, sort: (j) => j.checkpoint?.step ?? -1 },
  { key: 'checkpoint', label: 'Checkpoint', optional: true, sort: (j) => j.checkpoint?.at ?? -1 },
  { key: 'submitted', label: 'Submitted', optional: true, sort: (j) => j.createdAt },
  { key: 'actions', label: 'Actions', optional: false },
];

/** A job matches when the query is a part of its name or id (case-insensitive); empty matches all. */
export function matchesSearch(j: Job, query: string): boolean {
  const q = query.trim().toLowerCase();
  return q === '' || j.name.toLowerCase().includes(q) || j.id.toLowerCase().includes(q);
}

/** Stable sort by a column (ties keep the server's order: newest first). */
export function sortJobs(jobs: readonly Job[], key: string | null, dir: 'asc' | 'desc'): Job[] {
  const col = COLUMNS.find((c) => c.key === key);
  if (!col?.sort) return [...jobs];
  const f = col.sort;
  const sign = dir === 'asc' ? 1 : -1;
  return jobs
    .map((j, i) => ({ j, i, v: f(j) }))
    .sort((a, b) => (a.v < b.v ? -sign : a.v > b.v ? sign : a.i - b.i))
    .map((x) => x.j);
}

const HIDDEN_KEY = 'superfactory.jobs.hiddenColumns';
const SIZES = ['10', '25', '50', '100'];

export interface TableTools {
  toolbar: HTMLElement;
  pager: HTMLElement;
  /** Draws the header row: one th per column, a sort button where it sorts, aria-sort on the sorted one. */
  drawHead: (tr: HTMLTableRowElement) => void;
  /** The jobs of the current page after search and sort; draws the pager. */
  page: (jobs: readonly Job[], moreOnServer: boolean) => Job[];
  hidden: () => ReadonlySet<string>;
}

/** The tools' state: hidden columns, sort, page, and the controls that set them. */
interface Tools {
  hidden: Set<string>;
  sortKey: string | null;
  dir: 'asc' | 'desc';
  pageNo: number;
  search: HTMLInputElement;
  size: HTMLSelectElement;
  pager: HTMLElement;
  changed: () => void;
}

/** Search, the columns menu (remembered in localStorage) and the page size. */
function toolbarOf(t: Tools): HTMLElement {
  const boxes = COLUMNS.filter((c) => c.optional).map((c) => {
    const box = h('input', { type: 'checkbox', name: `col-${c.key}`, checked: !t.hidden.has(c.key) });
    box.addEventListener('change', () => {
      if (box.checked) t.hidden.delete(c.key);
      else t.hidden.add(c.key);
      localStorage.setItem(HIDDEN_KEY, JSON.stringify([...t.hidden]));
      t.changed();
    });
    return h('label', null, box, ` ${c.label}`);
  });
  const columns = h(
    'details',
    { class: 'columns-menu' },
    h('summary', null, 'Columns'),
    h('fieldset', null, h('legend', { class: 'sr-only' }, 'Columns shown'), boxes),
  );
  return h(
    'div',
    { class: 'table-tools' },
    h('label', { class: 'search' }, 'Search ', t.search),
    columns,
    h('label', null, 'Per page ', t.size),
  );
}

function drawHead(t: Tools, tr: HTMLTableRowElement): void {
  mount(
    tr,
    COLUMNS.map((c) =>
      h(
        'th',
        { scope: 'col', class: `col-${c.key}`, 'aria-sort': c.sort ? ariaSort(c, t.sortKey, t.dir) : null },
        header(t, c),
      ),
    ),
  );
}

function header(t: Tools, c: Column): HTMLElement | string {
  if (!c.sort) return c.label;
  const on = t.sortKey === c.key;
  return h(
    'button',
    {
      type: 'button',
      class: 'sort',
      'data-sort': c.key,
      title: `Sort by ${c.label}`,
      onclick: () => {
        if (t.sortKey === c.key) t.dir = t.dir === 'asc' ? 'desc' : 'asc';
        else [t.sortKey, t.dir] = [c.key, 'asc'];
        t.pageNo = 0;
        t.changed();
      },
    },
    c.label,
    on ? (t.dir === 'asc' ? ' ▲' : ' ▼') : '',
  );
}

function page(t: Tools, jobs: readonly Job[], moreOnServer: boolean): Job[] {
  const { search } = t;
  const found = sortJobs(
    jobs.filter((j) => matchesSearch(j, search.value)),
    t.sortKey,
    t.dir,
  );
  const n = Number(t.size.value);
  const pages = Math.max(1, Math.ceil(found.length / n));
  t.pageNo = Math.min(t.pageNo, pages - 1);
  const go = (p: number) => () => ((t.pageNo = p), t.changed());
  mount(
    t.pager,
    h(
      'button',
      { type: 'button', class: 'secondary small', disabled: t.pageNo === 0, onclick: go(t.pageNo - 1) },
      '‹ Prev',
    ),
    h(
      'span',
      { 'data-role': 'page' },
      ` page ${t.pageNo + 1} of ${pages}${moreOnServer ? '+' : ''} · ${int(found.length)} job(s)${search.value.trim() ? ' match' : ''} `,
    ),
    h(
      'button',
      { type: 'button', class: 'secondary small', disabled: t.pageNo >= pages - 1, onclick: go(t.pageNo + 1) },
      'Next ›',
    ),
  );
  return found.slice(t.pageNo * n, (t.pageNo + 1) * n);
}

export function createTableTools(changed: () => void): TableTools {
  const t: Tools = {
    hidden: new Set<string>(readHidden()),
    sortKey: null,
    dir: 'asc',
    pageNo: 0,
    search: h('input', {
      type: 'search',
      name: 'search',
      placeholder: 'name or id',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': 'Search jobs by name or id',
    }),
    size: h('select', { name: 'page-size', 'aria-label': 'Jobs per page' }, options(SIZES, '25')),
    pager: h('nav', { class: 'pager', 'aria-label': 'Pages of jobs' }),
    changed,
  };
  t.search.addEventListener('input', () => ((t.pageNo = 0), changed()));
  t.size.addEventListener('change', () => ((t.pageNo = 0), changed()));
  const toolbar = toolbarOf(t);
  return {
    toolbar,
    pager: t.pager,
    drawHead: (tr) => drawHead(t, tr),
    page: (jobs, more) => page(t, jobs, more),
    hidden: () => t.hidden,
  };
}

function readHidden(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function ariaSort(c: Column, key: string | null, dir: 'asc' | 'desc'): 'ascending' | 'descending' | 'none' {
  return c.key === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none';
}
