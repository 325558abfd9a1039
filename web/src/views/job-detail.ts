// The jobs view's detail panel: the selected job's facts (placement, plan, prediction, checkpoint),
// suspend/resume for roles that may, and its event history; plus the small job formatters the job page shares.
import { TERMINAL, modelName, post, type Job } from '../api';
import { loadJobEvents, refreshJobs } from '../data';
import { announce, h, mount } from '../dom';
import { int, pct, seconds, si, time } from '../format';
import { canSubmit, state, update } from '../state';
import { eventLine } from './job-page-render';

/** "atl 1,152" or "atl 44,992 + wi 44,992": parts summed per site (a placement lists one part per NVLink domain). */
export function bySite(parts: { site: string; gpus: number }[]): string {
  const m = new Map<string, number>();
  for (const p of parts) m.set(p.site, (m.get(p.site) ?? 0) + p.gpus);
  return [...m].map(([s, g]) => `${s} ${int(g)}`).join(' + ');
}

export function placementText(j: Job): string {
  if (j.placement && j.placement.length) return bySite(j.placement);
  const planned = j.plan?.placement;
  return planned && planned.length ? `(plan: ${bySite(planned)})` : '—';
}

/** The job page's URL (its own hash route). */
export const jobHref = (id: string): string => `#job/${encodeURIComponent(id)}`;

export function parallelism(j: Job): string {
  const p = j.plan;
  if (!p) return 'not planned yet';
  if (p.error) return `no plan: ${p.error}`;
  const dims = [
    ['TP', p.tp],
    ['PP', p.pp],
    ['DP', p.dp],
    ['CP', p.cp],
    ['EP', p.ep],
  ].filter(([, v]) => typeof v === 'number' && (v as number) > 1);
  return dims.length ? dims.map(([k, v]) => `${k}${v}`).join('·') : 'DP1';
}

/** Suspend or resume the job (POST /v1/jobs/:id/<path>), then reload the list. */
function actionButton(j: Job, label: string, path: string): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary small',
      onclick: async () => {
        try {
          await post(`/v1/jobs/${encodeURIComponent(j.id)}/${path}`);
          announce(`${label}: ${j.name}`);
          await refreshJobs();
        } catch (err) {
          announce((err as Error).message, 'error');
        }
      },
    },
    label,
  );
}

/** The facts list: id, tenant and priority, model, placement, plan, prediction, checkpoint, attempt, times. */
function detailFacts(j: Job): HTMLElement {
  const p = j.plan;
  return h(
    'dl',
    { class: 'facts two' },
    h('dt', null, 'Id'),
    h('dd', { class: 'mono' }, j.id),
    h('dt', null, 'Tenant / priority'),
    h('dd', null, `${j.tenant} / ${j.priority}`),
    h('dt', null, 'Model'),
    h('dd', null, modelName(j.model)),
    h('dt', null, 'Placement'),
    h('dd', null, placementText(j)),
    h('dt', null, 'Plan'),
    h('dd', null, p ? `${p.strategy ?? '—'}, ${parallelism(j)}` : 'not planned yet'),
    h('dt', null, 'Predicted'),
    h(
      'dd',
      null,
      p?.effectiveTokensPerSecond
        ? `${si(p.effectiveTokensPerSecond)} tok/s, step ${seconds(p.stepTimeSeconds)}, MFU ${pct(p.mfu, 1)}`
        : '—',
    ),
    h('dt', null, 'Checkpoint'),
    h(
      'dd',
      null,
      j.checkpoint
        ? `step ${int(j.checkpoint.step)} on ${j.checkpoint.site ?? '?'} (${j.checkpoint.path ?? 'no path'})`
        : 'none',
    ),
    h('dt', null, 'Attempt'),
    h('dd', null, String(j.attempt)),
    h('dt', null, 'Submitted'),
    h(
      'dd',
      null,
      `${time(j.createdAt)}${j.startedAt ? `, started ${time(j.startedAt)}` : ''}${j.finishedAt ? `, finished ${time(j.finishedAt)}` : ''}`,
    ),
  );
}

/** The selected job's events, newest first. */
function detailEvents(): HTMLElement {
  return state.jobEvents.length === 0
    ? h('p', { class: 'muted' }, 'Loading…')
    : h(
        'ol',
        { class: 'events' },
        [...state.jobEvents].reverse().map((e) => eventLine(e, 80)),
      );
}

function drawDetail(detail: HTMLElement): void {
  const j = state.jobs.find((x) => x.id === state.selectedJob);
  if (!j) {
    mount(detail, h('p', { class: 'muted' }, 'Select a job to see its plan, checkpoints and event history.'));
    return;
  }
  const act = canSubmit() && !TERMINAL.includes(j.state);
  mount(
    detail,
    h('h2', null, j.name, ' ', h('span', { class: `badge ${j.state}` }, j.state)),
    h('p', null, h('a', { href: jobHref(j.id), class: 'job-page-link' }, 'Job page: logs, throughput, all events →')),
    detailFacts(j),
    act
      ? h(
          'div',
          { class: 'actions' },
          j.state === 'suspended' ? actionButton(j, 'Resume', 'resume') : actionButton(j, 'Suspend', 'suspend'),
        )
      : null,
    h('h3', null, 'Events'),
    detailEvents(),
  );
}

/** The detail panel (#job-detail), `select(id)` to show a job (loads its events), `drawDetail()` on state changes. */
export function createJobDetail(): { detail: HTMLElement; select: (id: string) => void; drawDetail: () => void } {
  const detail = h('section', {
    id: 'job-detail',
    class: 'job-detail',
    'aria-live': 'polite',
    'aria-label': 'Job details',
  });
  const select = (id: string): void => {
    update({ selectedJob: id, jobEvents: [] });
    void loadJobEvents(id).catch((err: Error) => announce(err.message, 'error'));
  };
  return { detail, select, drawDetail: () => drawDetail(detail) };
}
