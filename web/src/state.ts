// Application state: one plain object, patched with update(); views subscribe to the keys they draw.
import type { Catalog, Fabric, Job, JobEvent, Me, SiteStatus, Telemetry } from './api';
import type { StreamStatus } from './stream';

export interface JobFilters {
  tenant: string;
  state: string;
  site: string;
}

export interface AppState {
  me: Me | null;
  fabric: Fabric | null;
  sites: SiteStatus[];
  telemetry: Telemetry | null;
  jobs: Job[];
  jobsNext: string | null;
  /** How many jobs the table asks for on refresh (grows with "Load more"). */
  jobsLimit: number;
  filters: JobFilters;
  selectedJob: string | null;
  jobEvents: JobEvent[];
  catalog: Catalog | null;
  live: StreamStatus;
}

export type Key = keyof AppState;
type Listener = (changed: ReadonlySet<Key>) => void;

export const state: AppState = {
  me: null,
  fabric: null,
  sites: [],
  telemetry: null,
  jobs: [],
  jobsNext: null,
  jobsLimit: 100,
  filters: { tenant: '', state: '', site: '' },
  selectedJob: null,
  jobEvents: [],
  catalog: null,
  live: 'connecting',
};

const listeners = new Set<Listener>();

export function subscribe(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function update(patch: Partial<AppState>): void {
  const changed = new Set<Key>();
  for (const k of Object.keys(patch) as Key[]) {
    if (state[k] !== patch[k]) {
      Object.assign(state, { [k]: patch[k] });
      changed.add(k);
    }
  }
  if (changed.size === 0) return;
  for (const fn of listeners) fn(changed);
}

/** Site state as the operator reads it: down (or unknown) beats draining beats up. */
export function siteState(s: SiteStatus | undefined): 'up' | 'draining' | 'down' | 'unknown' {
  if (!s) return 'unknown';
  if (s.status === 'down') return 'down';
  if (s.status === 'unknown') return 'unknown';
  return s.drained ? 'draining' : 'up';
}

export const canSubmit = (): boolean => state.me !== null && state.me.role !== 'viewer';
/** Operators drain sites and see every tenant (a tenant admin's token is scoped to its tenant). */
export const isAdmin = (): boolean => state.me?.operator === true;
