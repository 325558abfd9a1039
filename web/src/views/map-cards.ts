// The map view's site cards: GPUs busy, power drawn against the cap, grid carbon now, executor, the torus facts
// of TPU-style pods (map-torus.ts), and Drain/Undrain for admins (draining asks first).
import { ApiError, TERMINAL, post, type FabricSite, type SiteStatus, type Telemetry } from '../api';
import { refreshJobs, refreshSites } from '../data';
import { announce, confirmDialog, h } from '../dom';
import { fixed, int } from '../format';
import { isAdmin, siteState, state } from '../state';
import { torusFacts } from './map-torus';

type SiteTelemetry = Telemetry['sites'][number];

function meter(label: string, frac: number, text: string): HTMLElement {
  const f = Math.max(0, Math.min(1, frac));
  return h(
    'div',
    { class: 'meter' },
    h('span', { class: 'meter-label' }, label),
    h(
      'span',
      {
        class: 'meter-bar',
        role: 'meter',
        'aria-label': label,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': Math.round(f * 100),
        'aria-valuetext': text,
      },
      h('span', { style: `width:${(f * 100).toFixed(1)}%` }),
    ),
    h('span', { class: 'meter-text' }, text),
  );
}

async function toggleDrain(id: string, drain: boolean, btn: HTMLButtonElement): Promise<void> {
  if (drain) {
    const moving = state.jobs.filter((j) => !TERMINAL.includes(j.state) && j.sites.includes(id)).length;
    const ok = await confirmDialog(
      `Drain site ${id}?`,
      `No new job starts on ${id}. Its ${moving} unfinished job(s) move to other sites at their next checkpoint. Undrain to take jobs again.`,
      `Drain ${id}`,
    );
    if (!ok) return;
  }
  btn.disabled = true;
  try {
    await post(`/v1/sites/${encodeURIComponent(id)}/${drain ? 'drain' : 'undrain'}`);
    announce(drain ? `Site ${id} draining: its jobs move at their next checkpoint.` : `Site ${id} accepts jobs again.`);
    await Promise.all([refreshSites(), refreshJobs()]);
  } catch (err) {
    announce(err instanceof ApiError ? err.message : String(err), 'error');
    btn.disabled = false;
  }
}

/** Drain (or Undrain) for admins; null for other roles. */
function drainButton(s: FabricSite, state_: string): HTMLElement | null {
  const drain = state_ !== 'draining';
  return isAdmin()
    ? h(
        'button',
        {
          type: 'button',
          class: drain ? 'danger' : '',
          'data-action': drain ? 'drain' : 'undrain',
          'data-site-action': s.id,
          'aria-label': `${drain ? 'Drain' : 'Undrain'} site ${s.id}`,
          onclick: (ev: Event) => void toggleDrain(s.id, drain, ev.currentTarget as HTMLButtonElement),
        },
        drain ? 'Drain' : 'Undrain',
      )
    : null;
}

/** One site's card from its fabric entry, its status and its live telemetry. */
export function siteCard(s: FabricSite, st: SiteStatus | undefined, t: SiteTelemetry | undefined): HTMLElement {
  const state_ = siteState(st);
  const used = t?.usedGpus ?? st?.usedGpus ?? 0;
  const free = s.gpus - used;
  const draw = t?.powerDrawMW ?? null;
  const cap = s.powerMW;
  const button = drainButton(s, state_);
  return h(
    'article',
    {
      class: `site-card ${state_}`,
      role: 'listitem',
      'data-site': s.id,
      'data-state': state_,
      'aria-labelledby': `site-${s.id}-name`,
    },
    h(
      'header',
      null,
      h('h3', { id: `site-${s.id}-name` }, s.name),
      h('span', { class: `badge ${state_}`, 'data-role': 'state' }, state_),
    ),
    h(
      'p',
      { class: 'muted' },
      `${s.id} · ${s.jurisdiction} · grid ${s.gridZone} · ${[...new Set(s.pods.map((p) => p.system.name.replace(/\s*\(.*$/, '')))].join(', ')}`,
    ),
    torusFacts(s),
    meter('GPUs busy', used / Math.max(1, s.gpus), `${int(used)} busy / ${int(free)} free of ${int(s.gpus)}`),
    meter(
      'Power drawn',
      draw === null ? 0 : draw / Math.max(1, cap),
      draw === null ? `cap ${int(cap)} MW` : `${fixed(draw, 1)} of ${int(cap)} MW cap`,
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Grid carbon now'),
      h(
        'dd',
        { 'data-role': 'carbon', title: t?.carbonSource ?? 'no series for this grid zone' },
        t?.carbonGPerKWh != null ? `${int(t.carbonGPerKWh)} gCO₂/kWh` : '—',
      ),
      h('dt', null, 'Executor'),
      h('dd', null, st?.executor ?? 'none'),
    ),
    button ? h('div', { class: 'actions' }, button) : null,
  );
}
