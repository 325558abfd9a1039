// Loading and live refresh. The snapshot comes from five parallel GETs; afterwards stream events
// mark what is stale and one coalesced refresh per second re-reads it (at most ~3 requests/s, far
// under the per-token rate limit).
import {
  get,
  type Catalog,
  type Fabric,
  type Job,
  type JobEvent,
  type Me,
  type SiteStatus,
  type Telemetry,
} from './api';
import { announce } from './dom';
import { state, update } from './state';
import { EventStream } from './stream';

export function jobsQuery(limit = state.jobsLimit, cursor?: string): string {
  const q = new URLSearchParams();
  const f = state.filters;
  if (f.tenant) q.set('tenant', f.tenant);
  if (f.state) q.set('state', f.state);
  if (f.site) q.set('site', f.site);
  q.set('limit', String(Math.min(1000, limit)));
  if (cursor) q.set('cursor', cursor);
  return `/v1/jobs?${q}`;
}

export async function loadSnapshot(): Promise<void> {
  const [me, fabric, sites, telemetry, jobs] = await Promise.all([
    get<Me>('/v1/whoami'),
    get<Fabric>('/v1/fabric'),
    get<{ sites: SiteStatus[] }>('/v1/sites'),
    get<Telemetry>('/v1/telemetry').catch(() => null),
    get<{ jobs: Job[]; nextCursor: string | null }>(jobsQuery()),
  ]);
  update({ me, fabric, sites: sites.sites, telemetry, jobs: jobs.jobs, jobsNext: jobs.nextCursor });
}

export async function loadCatalog(): Promise<Catalog> {
  if (state.catalog) return state.catalog;
  const c = await get<Catalog>('/v1/catalog');
  update({ catalog: c });
  return c;
}

export async function refreshJobs(): Promise<void> {
  const r = await get<{ jobs: Job[]; nextCursor: string | null }>(jobsQuery());
  update({ jobs: r.jobs, jobsNext: r.nextCursor });
}

export async function loadMoreJobs(): Promise<void> {
  if (!state.jobsNext) return;
  const r = await get<{ jobs: Job[]; nextCursor: string | null }>(jobsQuery(100, state.jobsNext));
  const seen = new Set(state.jobs.map((j) => j.id));
  update({
    jobs: [...state.jobs, ...r.jobs.filter((j) => !seen.has(j.id))],
    jobsNext: r.nextCursor,
    jobsLimit: state.jobsLimit + 100,
  });
}

export async function refreshSites(): Promise<void> {
  const [sites, telemetry] = await Promise.all([
    get<{ sites: SiteStatus[] }>('/v1/sites'),
    get<Telemetry>('/v1/telemetry').catch(() => state.telemetry),
  ]);
  update({ sites: sites.sites, telemetry });
}

export async function loadJobEvents(id: string): Promise<void> {
  const r = await get<{ events: JobEvent[] }>(`/v1/jobs/${encodeURIComponent(id)}/events`);
  if (state.selectedJob === id) update({ jobEvents: r.events });
}

// ---- live refresh ----

const dirty = { jobs: false, sites: false };
let timer: number | null = null;
let lastFlush = 0;
const FLUSH_MS = 1000;

function schedule(): void {
  if (timer !== null) return;
  const wait = Math.max(50, FLUSH_MS - (performance.now() - lastFlush));
  timer = window.setTimeout(() => void flush(), wait);
}

async function flush(): Promise<void> {
  timer = null;
  lastFlush = performance.now();
  const work: Promise<void>[] = [];
  if (dirty.jobs) work.push(refreshJobs());
  if (dirty.sites) work.push(refreshSites());
  dirty.jobs = dirty.sites = false;
  try {
    await Promise.all(work);
  } catch (err) {
    announce(`refresh failed: ${(err as Error).message}`, 'error');
  }
}

export function markDirty(what: { jobs?: boolean; sites?: boolean }): void {
  if (what.jobs) dirty.jobs = true;
  if (what.sites) dirty.sites = true;
  schedule();
}

function onEvent(e: JobEvent): void {
  // a transition moves GPUs between sites; a plan or checkpoint changes a row only
  const moves = e.to !== null || e.type.startsWith('site.');
  markDirty({ jobs: e.job !== null, sites: moves });
  if (e.job && e.job === state.selectedJob && !state.jobEvents.some((x) => x.seq === e.seq)) {
    update({ jobEvents: [...state.jobEvents, e] });
  }
}

let stream: EventStream | null = null;
let poll: number | null = null;

export function startLive(): void {
  stream?.stop();
  stream = new EventStream({
    onEvent,
    onStatus: (s) => update({ live: s }),
    onConnect: () => markDirty({ jobs: true, sites: true }),
  });
  stream.start();
  // power and grid intensity drift without events: re-read them every 15 s
  if (poll === null) poll = window.setInterval(() => markDirty({ sites: true }), 15_000);
}

export function stopLive(): void {
  stream?.stop();
  stream = null;
  if (poll !== null) window.clearInterval(poll);
  poll = null;
}
