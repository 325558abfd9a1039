// The job page (#job/<id>, its own URL): plan, placement, measured vs predicted throughput, live logs
// (tail, follow, download) and the event history with checkpoint events folded into one line.
import { ApiError, TERMINAL, get, getText, modelName, type Job, type JobEvent, type Measured } from '../api';
import { h, mount, options } from '../dom';
import { int, pct, seconds, si, time } from '../format';
import { bySite, parallelism } from './jobs';

type JobWithMeasured = Job & { measured: Measured | null };

/** Checkpoint events, whatever the backend names them (job.checkpoint, checkpoint.*). */
export const isCheckpoint = (e: JobEvent): boolean => /checkpoint/.test(e.type) && e.to === null;

export type EventLine = { kind: 'one'; event: JobEvent } | { kind: 'checkpoints'; events: JobEvent[] };

/** Events newest first, every checkpoint event folded into one line (at the newest checkpoint's place). */
export function foldEvents(events: readonly JobEvent[]): EventLine[] {
  const out: EventLine[] = [];
  let folded: JobEvent[] | null = null;
  for (const e of [...events].reverse()) {
    if (!isCheckpoint(e)) out.push({ kind: 'one', event: e });
    else if (folded) folded.push(e);
    else {
      folded = [e];
      out.push({ kind: 'checkpoints', events: folded });
    }
  }
  return out;
}

const TAILS = [
  { value: '100', label: 'last 100 lines' },
  { value: '1000', label: 'last 1,000 lines' },
  { value: '0', label: 'all it kept' },
];
const FOLLOW_MS = 1000;

export function createJobPage(): { el: HTMLElement; open: (id: string) => void; close: () => void } {
  const title = h('h2', { id: 'job-page-title' });
  const facts = h('dl', { class: 'facts two', 'data-role': 'job-facts' });
  const through = h('div', { class: 'throughput', 'data-role': 'throughput' });
  const logPre = h('pre', { class: 'logs', 'data-role': 'logs', tabindex: 0, 'aria-label': 'Log lines' });
  const logInfo = h('span', { class: 'muted small', 'aria-live': 'polite' });
  const tailSel = h('select', { name: 'tail', 'aria-label': 'How many lines' }, options(TAILS, '100'));
  const follow = h('input', { type: 'checkbox', name: 'follow', checked: true });
  const download = h('a', { class: 'button secondary small', 'data-action': 'download', href: '#' }, 'Download log');
  const evFilter = h('select', { name: 'event-filter', 'aria-label': 'Which events' });
  const evSearch = h('input', {
    type: 'search',
    name: 'event-search',
    placeholder: 'search events',
    'aria-label': 'Search events',
  });
  const evList = h('ol', { class: 'events', 'data-role': 'events' });
  let checkpointsOpen = false;
  let id = '';
  let job: JobWithMeasured | null = null;
  let events: JobEvent[] = [];
  let logText = '';
  let timer: number | null = null;
  let blobUrl: string | null = null;

  async function load(): Promise<void> {
    const want = id;
    try {
      const [j, ev, logs] = await Promise.all([
        get<{ job: JobWithMeasured }>(`/v1/jobs/${encodeURIComponent(want)}`),
        get<{ events: JobEvent[] }>(`/v1/jobs/${encodeURIComponent(want)}/events`),
        getText(`/v1/jobs/${encodeURIComponent(want)}/logs`),
      ]);
      if (want !== id) return;
      job = j.job;
      events = ev.events;
      logText = logs;
      draw();
    } catch (err) {
      if (want !== id) return;
      job = null;
      mount(title, err instanceof ApiError && err.status === 404 ? `No job ${want}` : 'Cannot load the job');
      mount(facts, h('p', { class: 'errors', role: 'alert' }, (err as Error).message));
    }
    schedule();
  }

  function schedule(): void {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    // follow: poll while the job can still write (a finished job's log no longer changes)
    if (id && follow.checked && (!job || !TERMINAL.includes(job.state)))
      timer = window.setTimeout(() => void load(), FOLLOW_MS);
  }

  function draw(): void {
    if (!job) return;
    const j = job;
    const p = j.plan;
    mount(title, j.name, ' ', h('span', { class: `badge ${j.state}`, 'data-role': 'state' }, j.state));
    const placed = j.placement?.length
      ? bySite(j.placement)
      : p?.placement?.length
        ? `(plan) ${bySite(p.placement)}`
        : '—';
    mount(
      facts,
      ...[
        ['Id', h('span', { class: 'mono' }, j.id)],
        ['Tenant', j.tenant],
        ['Model', modelName(j.model)],
        ['Command', j.command ? h('code', null, j.command.join(' ')) : 'none (simulated on the twin)'],
        [
          'Plan',
          p
            ? p.error
              ? `no plan: ${p.error}`
              : `${p.strategy}, ${parallelism(j)}, ${int(p.gpus)} GPUs`
            : 'not planned yet',
        ],
        ['Placement', h('span', { 'data-role': 'placement' }, placed)],
        ['Reason', j.reason ?? '—'],
        ['Attempt', String(j.attempt)],
        [
          'Times',
          `submitted ${time(j.createdAt)}${j.startedAt ? `, started ${time(j.startedAt)}` : ''}${j.finishedAt ? `, finished ${time(j.finishedAt)}` : ''}`,
        ],
      ].flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
    );
    drawThroughput(j);
    drawLogs();
    drawEvents();
  }

  function drawThroughput(j: JobWithMeasured): void {
    const pred = j.plan?.effectiveTokensPerSecond ?? j.plan?.tokensPerSecond ?? null;
    const meas = j.measured?.tokensPerSecond ?? null;
    const max = Math.max(pred ?? 0, meas ?? 0) || 1;
    const bar = (label: string, v: number | null, cls: string, step: number | null | undefined) =>
      h(
        'div',
        { class: 'tp-row', 'data-series': cls },
        h('span', { class: 'tp-label' }, label),
        h(
          'span',
          { class: 'tp-bar' },
          v === null ? null : h('span', { class: cls, style: `width:${((v / max) * 100).toFixed(1)}%` }),
        ),
        h(
          'span',
          { class: 'tp-value num' },
          v === null ? 'not reported' : `${si(v)} tok/s`,
          step ? ` · step ${seconds(step)}` : '',
        ),
      );
    mount(
      through,
      bar('Predicted (plan)', pred, 'pred', j.plan?.stepTimeSeconds),
      bar('Measured (trainer)', meas, 'meas', j.measured?.stepTimeSeconds),
      h(
        'p',
        { class: 'muted small', 'data-role': 'ratio' },
        pred && meas
          ? `measured is ${pct(meas / pred)} of predicted`
          : "measured comes from the trainer's progress reports (SUPERFACTORY_PROGRESS_FILE); twin runs and plain commands send none",
      ),
    );
  }

  function tailOf(text: string): string {
    const n = Number(tailSel.value);
    if (!n) return text;
    const lines = text.replace(/\n$/, '').split('\n');
    return lines.slice(-n).join('\n');
  }

  function drawLogs(): void {
    const atBottom = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
    const shown = tailOf(logText) || "(no log lines yet: twin runs write none; a command's output appears here)";
    if (logPre.textContent !== shown) logPre.textContent = shown;
    const lines = logText ? logText.replace(/\n$/, '').split('\n').length : 0;
    logInfo.textContent = `${int(lines)} line(s)${follow.checked && job && !TERMINAL.includes(job.state) ? ', following' : ''}`;
    if (follow.checked && atBottom) logPre.scrollTop = logPre.scrollHeight;
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = URL.createObjectURL(new Blob([logText], { type: 'text/plain' }));
    download.setAttribute('href', blobUrl);
    download.setAttribute('download', `${id}.log`);
  }

  function drawEvents(): void {
    const types = [...new Set(events.map((e) => (isCheckpoint(e) ? 'checkpoints' : e.type)))].sort();
    const cur = evFilter.value;
    if (evFilter.options.length !== types.length + 1)
      mount(evFilter, options([{ value: '', label: `all events (${int(events.length)})` }, ...types], cur));
    const f = evFilter.value;
    const q = evSearch.value.trim().toLowerCase();
    const match = (e: JobEvent) =>
      (!f || (f === 'checkpoints' ? isCheckpoint(e) : e.type === f)) &&
      (!q ||
        `${e.type} ${e.from ?? ''} ${e.to ?? ''} ${e.site ?? ''} ${JSON.stringify(e.data ?? {})}`
          .toLowerCase()
          .includes(q));
    const lines = foldEvents(events.filter(match));
    mount(
      evList,
      lines.length === 0 ? h('li', { class: 'muted' }, 'No events match.') : null,
      lines.map((l) => (l.kind === 'one' ? eventLine(l.event) : checkpointLine(l.events))),
    );
  }

  function eventLine(e: JobEvent): HTMLElement {
    return h(
      'li',
      { 'data-type': e.type },
      h('time', { datetime: e.at }, time(e.at)),
      ' ',
      h('b', null, e.type),
      e.from || e.to ? ` ${e.from ?? ''} → ${e.to ?? ''}` : '',
      e.site ? ` @ ${e.site}` : '',
      e.data && Object.keys(e.data).length
        ? h('span', { class: 'muted small' }, ` ${JSON.stringify(e.data).slice(0, 120)}`)
        : null,
    );
  }

  function checkpointLine(evs: JobEvent[]): HTMLElement {
    const open = checkpointsOpen;
    const step = (e: JobEvent) => (typeof e.data?.step === 'number' ? int(e.data.step) : '?');
    return h(
      'li',
      { class: 'folded', 'data-type': 'checkpoints', 'data-count': evs.length },
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'aria-expanded': String(open),
          onclick: () => {
            checkpointsOpen = !open;
            drawEvents();
          },
        },
        `${open ? '▾' : '▸'} ${int(evs.length)} checkpoint${evs.length === 1 ? '' : 's'}`,
      ),
      ` ${time(evs[evs.length - 1].at)} – ${time(evs[0].at)}, step ${step(evs[evs.length - 1])} → ${step(evs[0])}`,
      open ? h('ol', { class: 'events inner' }, evs.map(eventLine)) : null,
    );
  }

  tailSel.addEventListener('change', drawLogs);
  follow.addEventListener('change', () => (drawLogs(), schedule()));
  evFilter.addEventListener('change', drawEvents);
  evSearch.addEventListener('input', drawEvents);

  const el = h(
    'article',
    { class: 'job-page', 'aria-labelledby': 'job-page-title' },
    h('p', null, h('a', { href: '#jobs', class: 'back' }, '← All jobs')),
    title,
    h(
      'div',
      { class: 'job-page-grid' },
      h('section', { 'aria-label': 'Plan and placement' }, h('h3', null, 'Plan and placement'), facts),
      h('section', { 'aria-label': 'Throughput' }, h('h3', null, 'Throughput: measured vs predicted'), through),
    ),
    h(
      'section',
      { 'aria-label': 'Logs' },
      h('h3', null, 'Logs'),
      h('div', { class: 'log-tools' }, tailSel, h('label', null, follow, ' follow'), download, logInfo),
      logPre,
    ),
    h(
      'section',
      { 'aria-label': 'Events' },
      h('h3', null, 'Events'),
      h('div', { class: 'log-tools' }, evFilter, evSearch),
      evList,
    ),
  );
  return {
    el,
    open: (next: string) => {
      if (next !== id) {
        id = next;
        job = null;
        events = [];
        logText = '';
        checkpointsOpen = false;
        mount(title, `Job ${next}`);
        mount(facts, h('p', { class: 'muted' }, 'Loading…'));
      }
      void load();
    },
    close: () => {
      id = '';
      if (timer !== null) window.clearTimeout(timer);
      timer = null;
    },
  };
}
