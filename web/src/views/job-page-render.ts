// What the job page draws: the facts list, measured vs predicted throughput bars, and event lines with every
// checkpoint event folded into one line. Pure renderers: data in, elements out.
import { type Job, type JobEvent, type Measured, modelName } from '../api';
import { h, type Child } from '../dom';
import { int, pct, seconds, si, time } from '../format';
import { bySite, parallelism } from './jobs';

export type JobWithMeasured = Job & { measured: Measured | null };

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

/** The facts list (dt/dd pairs): id, tenant, model, command, plan, placement, reason, attempt, times. */
export function jobFacts(j: Job): Child[] {
  const p = j.plan;
  const placed = j.placement?.length
    ? bySite(j.placement)
    : p?.placement?.length
      ? `(plan) ${bySite(p.placement)}`
      : '—';
  return [
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
  ].flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]);
}

/** Predicted (plan) and measured (trainer) throughput as two bars on one scale, and their ratio. */
export function throughputBars(j: JobWithMeasured): Child[] {
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
  return [
    bar('Predicted (plan)', pred, 'pred', j.plan?.stepTimeSeconds),
    bar('Measured (trainer)', meas, 'meas', j.measured?.stepTimeSeconds),
    h(
      'p',
      { class: 'muted small', 'data-role': 'ratio' },
      pred && meas
        ? `measured is ${pct(meas / pred)} of predicted`
        : "measured comes from the trainer's progress reports (SUPERFACTORY_PROGRESS_FILE); twin runs and plain commands send none",
    ),
  ];
}

/** One event as a list line; its data cut to `dataChars` characters. */
export function eventLine(e: JobEvent, dataChars = 120): HTMLElement {
  return h(
    'li',
    { 'data-type': e.type },
    h('time', { datetime: e.at }, time(e.at)),
    ' ',
    h('b', null, e.type),
    e.from || e.to ? ` ${e.from ?? ''} → ${e.to ?? ''}` : '',
    e.site ? ` @ ${e.site}` : '',
    e.data && Object.keys(e.data).length
      ? h('span', { class: 'muted small' }, ` ${JSON.stringify(e.data).slice(0, dataChars)}`)
      : null,
  );
}

/** The folded checkpoints: a toggle with the count, time span and steps; the events themselves when open. */
export function checkpointLine(evs: JobEvent[], open: boolean, toggle: () => void): HTMLElement {
  const step = (e: JobEvent) => (typeof e.data?.step === 'number' ? int(e.data.step) : '?');
  return h(
    'li',
    { class: 'folded', 'data-type': 'checkpoints', 'data-count': evs.length },
    h(
      'button',
      { type: 'button', class: 'link', 'aria-expanded': String(open), onclick: toggle },
      `${open ? '▾' : '▸'} ${int(evs.length)} checkpoint${evs.length === 1 ? '' : 's'}`,
    ),
    ` ${time(evs[evs.length - 1].at)} – ${time(evs[0].at)}, step ${step(evs[evs.length - 1])} → ${step(evs[0])}`,
    open ? h('ol', { class: 'events inner' }, evs.map(eventLine)) : null,
  );
}
