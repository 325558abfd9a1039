// The job page (#job/<id>, its own URL): plan, placement, measured vs predicted throughput, live logs
// (tail, follow, download) and the event history with checkpoint events folded into one line
// (drawn by job-page-render.ts).
import { ApiError, TERMINAL, get, getText, type JobEvent } from '../api';
import { h, mount, options } from '../dom';
import { int } from '../format';
import {
  checkpointLine,
  eventLine,
  foldEvents,
  isCheckpoint,
  jobFacts,
  throughputBars,
  type JobWithMeasured,
} from './job-page-render';

import { createJobCharts } from './job-charts';

export { foldEvents, isCheckpoint, type EventLine } from './job-page-render';

const TAILS = [
  { value: '100', label: 'last 100 lines' },
  { value: '1000', label: 'last 1,000 lines' },
  { value: '0', label: 'all it kept' },
];
const FOLLOW_MS = 1000;

/** The page's elements and what it last loaded. */
interface JobPage {
  title: HTMLElement;
  facts: HTMLElement;
  through: HTMLElement;
  logPre: HTMLPreElement;
  logInfo: HTMLElement;
  tailSel: HTMLSelectElement;
  follow: HTMLInputElement;
  download: HTMLAnchorElement;
  evFilter: HTMLSelectElement;
  evSearch: HTMLInputElement;
  evList: HTMLElement;
  charts: ReturnType<typeof createJobCharts>;
  checkpointsOpen: boolean;
  id: string;
  job: JobWithMeasured | null;
  events: JobEvent[];
  logText: string;
  timer: number | null;
  blobUrl: string | null;
}

function elements(): JobPage {
  return {
    title: h('h2', { id: 'job-page-title' }),
    facts: h('dl', { class: 'facts two', 'data-role': 'job-facts' }),
    through: h('div', { class: 'throughput', 'data-role': 'throughput' }),
    logPre: h('pre', { class: 'logs', 'data-role': 'logs', tabindex: 0, 'aria-label': 'Log lines' }),
    logInfo: h('span', { class: 'muted small', 'aria-live': 'polite' }),
    tailSel: h('select', { name: 'tail', 'aria-label': 'How many lines' }, options(TAILS, '100')),
    follow: h('input', { type: 'checkbox', name: 'follow', checked: true }),
    download: h('a', { class: 'button secondary small', 'data-action': 'download', href: '#' }, 'Download log'),
    evFilter: h('select', { name: 'event-filter', 'aria-label': 'Which events' }),
    evSearch: h('input', {
      type: 'search',
      name: 'event-search',
      placeholder: 'search events',
      'aria-label': 'Search events',
    }),
    evList: h('ol', { class: 'events', 'data-role': 'events' }),
    charts: createJobCharts(),
    checkpointsOpen: false,
    id: '',
    job: null,
    events: [],
    logText: '',
    timer: null,
    blobUrl: null,
  };
}

/** The whole log, not the tail shown: read when clicked (GET /v1/jobs/:id/logs?download=1). */
function downloadLog(v: JobPage): void {
  const { id } = v;
  getText(`/v1/jobs/${encodeURIComponent(id)}/logs?download=1`)
    .then((all) => {
      if (v.blobUrl) URL.revokeObjectURL(v.blobUrl);
      v.blobUrl = URL.createObjectURL(new Blob([all], { type: 'text/plain' }));
      h('a', { href: v.blobUrl, download: `${id}.log` }).click();
    })
    .catch((err: Error) => (v.logInfo.textContent = `download failed: ${err.message}`));
}

async function load(v: JobPage): Promise<void> {
  const want = v.id;
  try {
    const [j, ev, logs] = await Promise.all([
      get<{ job: JobWithMeasured }>(`/v1/jobs/${encodeURIComponent(want)}`),
      get<{ events: JobEvent[] }>(`/v1/jobs/${encodeURIComponent(want)}/events`),
      getText(`/v1/jobs/${encodeURIComponent(want)}/logs`),
    ]);
    if (want !== v.id) return;
    v.job = j.job;
    v.events = ev.events;
    v.logText = logs;
    draw(v);
  } catch (err) {
    if (want !== v.id) return;
    v.job = null;
    mount(v.title, err instanceof ApiError && err.status === 404 ? `No job ${want}` : 'Cannot load the job');
    mount(v.facts, h('p', { class: 'errors', role: 'alert' }, (err as Error).message));
  }
  schedule(v);
}

function schedule(v: JobPage): void {
  if (v.timer !== null) window.clearTimeout(v.timer);
  v.timer = null;
  // follow: poll while the job can still write (a finished job's log no longer changes)
  if (v.id && v.follow.checked && (!v.job || !TERMINAL.includes(v.job.state)))
    v.timer = window.setTimeout(() => void load(v), FOLLOW_MS);
}

function draw(v: JobPage): void {
  if (!v.job) return;
  const j = v.job;
  mount(v.title, j.name, ' ', h('span', { class: `badge ${j.state}`, 'data-role': 'state' }, j.state));
  mount(v.facts, ...jobFacts(j));
  mount(v.through, ...throughputBars(j));
  v.charts.update(v.events);
  drawLogs(v);
  drawEvents(v);
}

function tailOf(text: string, n: number): string {
  if (!n) return text;
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

function drawLogs(v: JobPage): void {
  const { logPre, logText, job } = v;
  const atBottom = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
  const shown =
    tailOf(logText, Number(v.tailSel.value)) ||
    "(no log lines yet: twin runs write none; a command's output appears here)";
  if (logPre.textContent !== shown) logPre.textContent = shown;
  const lines = logText ? logText.replace(/\n$/, '').split('\n').length : 0;
  v.logInfo.textContent = `${int(lines)} line(s)${v.follow.checked && job && !TERMINAL.includes(job.state) ? ', following' : ''}`;
  if (v.follow.checked && atBottom) logPre.scrollTop = logPre.scrollHeight;
}

function drawEvents(v: JobPage): void {
  const { events, evFilter } = v;
  const types = [...new Set(events.map((e) => (isCheckpoint(e) ? 'checkpoints' : e.type)))].sort();
  const cur = evFilter.value;
  if (evFilter.options.length !== types.length + 1)
    mount(evFilter, options([{ value: '', label: `all events (${int(events.length)})` }, ...types], cur));
  const f = evFilter.value;
  const q = v.evSearch.value.trim().toLowerCase();
  const match = (e: JobEvent) =>
    (!f || (f === 'checkpoints' ? isCheckpoint(e) : e.type === f)) &&
    (!q ||
      `${e.type} ${e.from ?? ''} ${e.to ?? ''} ${e.site ?? ''} ${JSON.stringify(e.data ?? {})}`
        .toLowerCase()
        .includes(q));
  const lines = foldEvents(events.filter(match));
  const open = v.checkpointsOpen;
  const toggle = () => {
    v.checkpointsOpen = !open;
    drawEvents(v);
  };
  mount(
    v.evList,
    lines.length === 0 ? h('li', { class: 'muted' }, 'No events match.') : null,
    lines.map((l) => (l.kind === 'one' ? eventLine(l.event) : checkpointLine(l.events, open, toggle))),
  );
}

function layout(v: JobPage): HTMLElement {
  return h(
    'article',
    { class: 'job-page', 'aria-labelledby': 'job-page-title' },
    h('p', null, h('a', { href: '#jobs', class: 'back' }, '← All jobs')),
    v.title,
    h(
      'div',
      { class: 'job-page-grid' },
      h('section', { 'aria-label': 'Plan and placement' }, h('h3', null, 'Plan and placement'), v.facts),
      h('section', { 'aria-label': 'Throughput' }, h('h3', null, 'Throughput: measured vs predicted'), v.through),
    ),
    v.charts.el,
    h(
      'section',
      { 'aria-label': 'Logs' },
      h('h3', null, 'Logs'),
      h('div', { class: 'log-tools' }, v.tailSel, h('label', null, v.follow, ' follow'), v.download, v.logInfo),
      v.logPre,
    ),
    h(
      'section',
      { 'aria-label': 'Events' },
      h('h3', null, 'Events'),
      h('div', { class: 'log-tools' }, v.evFilter, v.evSearch),
      v.evList,
    ),
  );
}

export function createJobPage(): { el: HTMLElement; open: (id: string) => void; close: () => void } {
  const v = elements();
  v.download.addEventListener('click', (ev) => {
    ev.preventDefault();
    downloadLog(v);
  });
  v.tailSel.addEventListener('change', () => drawLogs(v));
  v.follow.addEventListener('change', () => (drawLogs(v), schedule(v)));
  v.evFilter.addEventListener('change', () => drawEvents(v));
  v.evSearch.addEventListener('input', () => drawEvents(v));
  return {
    el: layout(v),
    open: (next: string) => {
      if (next !== v.id) {
        Object.assign(v, { id: next, job: null, events: [], logText: '', checkpointsOpen: false });
        mount(v.title, `Job ${next}`);
        mount(v.facts, h('p', { class: 'muted' }, 'Loading…'));
      }
      void load(v);
    },
    close: () => {
      v.id = '';
      if (v.timer !== null) window.clearTimeout(v.timer);
      v.timer = null;
    },
  };
}
