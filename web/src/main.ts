// Dashboard entry: sign-in (token kept in sessionStorage), the shell with four tabs (Map, Jobs,
// Plan explorer, What-if), the first snapshot, live updates, and the ready flag the browser tests
// and the benchmark wait for (body[data-ready], window.__sfReady = ms since navigation start).
import './style.css';
import { ApiError, get, token, type Me } from './api';
import { loadSnapshot, startLive, stopLive } from './data';
import { announce, h, mount } from './dom';
import { state, subscribe } from './state';
import { createFleetView } from './views/fleet';
import { createInferenceView } from './views/inference';
import { createJobPage } from './views/job-page';
import { createJobsView } from './views/jobs';
import { createMapView } from './views/map';
import { createPlansView } from './views/plans';
import { createServicesView } from './views/services';
import { createTenantsView } from './views/tenants';
import { canManageTokens, createTokensView } from './views/tokens';
import { createWhatIfView } from './views/whatif';

declare global {
  interface Window {
    __sfReady?: number;
  }
}

const app = document.getElementById('app')!;

type TabId = 'map' | 'jobs' | 'plans' | 'inference' | 'whatif' | 'services' | 'tenants' | 'tokens';
const TABS: { id: TabId; label: string }[] = [
  { id: 'map', label: 'Map' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'plans', label: 'Plan explorer' },
  { id: 'inference', label: 'Inference' },
  { id: 'services', label: 'Services' },
  { id: 'whatif', label: 'What-if' },
  { id: 'tenants', label: 'Tenants' },
  // tenant admins and operators only: the tab stays hidden until whoami says the role
  { id: 'tokens', label: 'Tokens' },
];

function signIn(message?: string): void {
  stopLive();
  document.body.removeAttribute('data-ready');
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    spellcheck: 'false',
    'aria-describedby': 'token-hint',
  });
  const err = h('p', { class: 'errors', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'signin',
      'aria-labelledby': 'signin-title',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        token.set(t);
        try {
          await get<Me>('/v1/whoami');
          if (started) location.reload();
          else void start();
        } catch (e2) {
          token.clear();
          err.textContent =
            e2 instanceof ApiError && e2.status === 401
              ? 'That token is not known to this control plane.'
              : (e2 as Error).message;
          input.focus();
        }
      },
    },
    h('h1', { id: 'signin-title' }, 'Superfactory'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h(
      'small',
      { id: 'token-hint', class: 'hint' },
      'The server prints an admin token at start ("admin token: sf_…"); admins issue tenant tokens. Kept for this browser tab only.',
    ),
    err,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  mount(app, h('main', { id: 'main', class: 'signin-wrap' }, form));
  input.focus();
}

let started = false;

type Panel = { el: HTMLElement; show?: () => void; hide?: () => void };

/** One panel per tab (add a tab here and in TABS); the map and jobs views also say when they have drawn. */
function createPanels(): { panels: Record<TabId, Panel>; drawn: () => boolean } {
  const map = createMapView();
  const jobs = createJobsView();
  const plans = createPlansView();
  const whatif = createWhatIfView();
  const fleet = createFleetView();
  const tokens = createTokensView();
  // the fleet's time series sit under the map; they poll only while the Map tab shows
  const mapPanel = {
    el: h('div', null, map.el, fleet.el),
    show: () => fleet.show(),
    hide: fleet.hide,
  };
  const panels: Record<TabId, Panel> = {
    map: mapPanel,
    jobs,
    plans,
    inference: createInferenceView(),
    whatif,
    services: createServicesView(),
    tenants: createTenantsView(),
    tokens,
  };
  return { panels, drawn: () => map.drawn() && jobs.drawn() };
}

/** The tab buttons in a tablist; arrow keys, Home and End move between the tabs shown. */
function createTabs(select: (id: TabId) => void): { tabButtons: HTMLButtonElement[]; tablist: HTMLElement } {
  const tabButtons = TABS.map((t) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${t.id}`,
        'aria-controls': `panel-${t.id}`,
        'data-tab': t.id,
        onclick: () => select(t.id),
        hidden: t.id === 'tokens',
      },
      t.label,
    ),
  );
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Views', class: 'tabs' }, tabButtons);
  tablist.addEventListener('keydown', (e) => {
    const i = tabButtons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const shown = tabButtons.map((b, k) => (b.hidden ? -1 : k)).filter((k) => k >= 0);
    const at = shown.indexOf(i);
    let j = -1;
    if (e.key === 'ArrowRight') j = shown[(at + 1) % shown.length];
    else if (e.key === 'ArrowLeft') j = shown[(at - 1 + shown.length) % shown.length];
    else if (e.key === 'Home') j = shown[0];
    else if (e.key === 'End') j = shown[shown.length - 1];
    if (j >= 0) {
      e.preventDefault();
      select(TABS[j].id);
      tabButtons[j].focus();
    }
  });
  return { tabButtons, tablist };
}

/** The shell's parts: the tab sections, the job page's section, and the header's live / who / fabric fields. */
interface Shell {
  panels: Record<TabId, Panel>;
  tabButtons: HTMLButtonElement[];
  sections: HTMLElement[];
  jobPage: ReturnType<typeof createJobPage>;
  jobSection: HTMLElement;
}

/** Show one tab (or the job page #job/<id> under the Jobs tab), hiding the others' panels. */
function selectTab(s: Shell, id: TabId, push: boolean, jobId: string | null = null): void {
  TABS.forEach((t, i) => {
    const on = t.id === id;
    s.tabButtons[i].setAttribute('aria-selected', String(on));
    s.tabButtons[i].tabIndex = on ? 0 : -1;
    s.sections[i].hidden = !on || jobId !== null;
  });
  s.jobSection.hidden = jobId === null;
  for (const t of TABS) if (t.id !== id || jobId !== null) s.panels[t.id].hide?.();
  if (jobId !== null) s.jobPage.open(jobId);
  else {
    s.jobPage.close();
    s.panels[id].show?.();
  }
  if (push && location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
}

/** The header's live state, who is signed in (and whether the Tokens tab shows), and the fabric's name. */
function followHeader(live: HTMLElement, who: HTMLElement, fabricName: HTMLElement, tabButtons: HTMLElement[]): void {
  subscribe((c) => {
    if (c.has('live')) {
      live.dataset.state = state.live;
      live.textContent = {
        connecting: 'connecting…',
        live: '● live',
        offline: 'offline, retrying',
        unauthorized: 'stream refused',
      }[state.live];
    }
    if (c.has('me') && state.me) {
      who.textContent = `${state.me.tenant} · ${state.me.role}`;
      document.body.dataset.role = state.me.role;
      tabButtons[TABS.findIndex((t) => t.id === 'tokens')].hidden = !canManageTokens();
    }
    if (c.has('fabric') && state.fabric) fabricName.textContent = state.fabric.name;
  });
}

/** Ready: the map shows its sites and the job table its rows, painted (two frames later). */
function flagReady(drawn: () => boolean): void {
  const t0 = performance.now();
  const check = () => {
    if (drawn()) {
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          window.__sfReady = performance.now();
          document.body.dataset.ready = 'true';
        }),
      );
    } else if (performance.now() - t0 < 10_000) setTimeout(check, 10);
  };
  check();
}

/** Mounts the header, status line and tab sections; returns the shell and the header's live fields. */
function mountShell(): Shell & { drawn: () => boolean; followHeader: () => void } {
  const { panels, drawn } = createPanels();
  const jobPage = createJobPage();
  const { tabButtons, tablist } = createTabs((id) => selectTab(shell, id, true));
  const sections = TABS.map((t) =>
    h(
      'section',
      { role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, tabindex: 0, hidden: true },
      panels[t.id].el,
    ),
  );
  // the job page has its own URL (#job/<id>) and lives under the Jobs tab
  const jobSection = h('section', { id: 'panel-job', 'aria-label': 'Job', hidden: true }, jobPage.el);
  const shell: Shell = { panels, tabButtons, sections, jobPage, jobSection };
  const live = h('span', { class: 'live', role: 'status', 'aria-label': 'Live updates' });
  const who = h('span', { class: 'who' });
  const signOut = h(
    'button',
    { type: 'button', class: 'secondary small', onclick: () => (token.clear(), location.reload()) },
    'Sign out',
  );
  const fabricName = h('span', { class: 'fabric-name' });
  mount(
    app,
    h(
      'header',
      { class: 'top' },
      h('h1', null, 'Superfactory'),
      fabricName,
      tablist,
      h('div', { class: 'right' }, live, who, signOut),
    ),
    h('p', { id: 'status-line', class: 'status-line', role: 'status', 'aria-live': 'polite' }),
    h('main', { id: 'main' }, sections, jobSection),
  );
  return { ...shell, drawn, followHeader: () => followHeader(live, who, fabricName, tabButtons) };
}

async function start(): Promise<void> {
  started = true;
  const shell = mountShell();
  const jobOfHash = (): string | null =>
    location.hash.startsWith('#job/') ? decodeURIComponent(location.hash.slice(5)) || null : null;
  const fromHash = (): TabId => TABS.find((t) => `#${t.id}` === location.hash)?.id ?? (jobOfHash() ? 'jobs' : 'map');
  const route = () => selectTab(shell, fromHash(), false, jobOfHash());
  window.addEventListener('hashchange', route);
  window.addEventListener('popstate', route);
  route();
  shell.followHeader();
  try {
    await loadSnapshot();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signIn('Your token was refused; sign in again.');
    announce(`Could not load the dashboard: ${(err as Error).message}`, 'error');
    return;
  }
  startLive();
  flagReady(shell.drawn);
}

if (token.get()) void start();
else signIn();
