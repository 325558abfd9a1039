// The control-plane API client: bearer token from sessionStorage, JSON in and out, errors as the
// server's {path, message, hint} list.

export type Role = 'admin' | 'member' | 'viewer';
export interface Issue {
  path: string;
  message: string;
  hint: string;
}

export interface Me {
  tenant: string;
  role: Role;
  tokenId: string;
}

export interface FabricSite {
  id: string;
  name: string;
  lat: number;
  lon: number;
  jurisdiction: string;
  gridZone: string;
  powerMW: number;
  pue: number;
  gpus: number;
  pods: {
    id: string;
    gpus: number;
    racks: number | null;
    system: { id: string; name: string; scaleUpDomainGpus: number };
  }[];
}
export interface FabricLink {
  id: string;
  a: string;
  b: string;
  routeKm: number;
  capacityGbps: number;
  latencyMs: number;
}
export interface Fabric {
  name: string;
  description: string;
  sites: FabricSite[];
  wanLinks: FabricLink[];
  gpus: number;
}

export interface SiteStatus {
  id: string;
  name: string;
  status: 'unknown' | 'up' | 'down';
  drained: boolean;
  jurisdiction: string;
  gpus: number;
  usedGpus: number;
  executor: string | null;
  lastHeartbeatAt: number | null;
}

export interface Telemetry {
  at: string;
  carbonNote: string;
  sites: {
    id: string;
    gridZone: string;
    gpus: number;
    usedGpus: number;
    freeGpus: number;
    powerCapMW: number;
    powerDrawMW: number;
    carbonGPerKWh: number | null;
    carbonSource: string | null;
  }[];
  wanLinks: {
    id: string;
    a: string;
    b: string;
    capacityGbps: number;
    latencyMs: number;
    usedGbps: number;
    utilization: number;
    jobs: number;
  }[];
}

export const JOB_STATES = [
  'queued',
  'admitted',
  'starting',
  'running',
  'checkpointing',
  'suspended',
  'succeeded',
  'failed',
  'cancelled',
  'preempted',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface Plan {
  strategy?: string;
  placement?: { site: string; gpus: number }[];
  gpus?: number;
  tp?: number;
  pp?: number;
  dp?: number;
  cp?: number;
  ep?: number;
  vpp?: number;
  tokensPerSecond?: number;
  effectiveTokensPerSecond?: number;
  stepTimeSeconds?: number;
  mfu?: number;
  wanGbpsUsed?: number;
  error?: string;
}

export interface Job {
  id: string;
  name: string;
  tenant: string;
  state: JobState;
  model: string | { name: string };
  gpus: number | null;
  tokens: number | null;
  priority: number;
  checkpointable: boolean;
  preemptible: boolean;
  plan: Plan | null;
  placement: { site: string; gpus: number }[] | null;
  sites: string[];
  attempt: number;
  checkpoint: { step: number; path: string | null; at: number; site: string | null } | null;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobEvent {
  seq: number;
  at: string;
  type: string;
  job: string | null;
  tenant: string | null;
  site: string | null;
  from: JobState | null;
  to: JobState | null;
  data: Record<string, unknown> | null;
}

export interface Catalog {
  models: { id: string; name: string }[];
  fabrics: string[];
  serverFabric: string;
  policies: string[];
  strategies: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly issues: Issue[],
  ) {
    super(issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('; ') || `HTTP ${status}`);
  }
}

const KEY = 'superfactory.token';
export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The API lives on the page's origin: the control plane serves the dashboard and /v1 together. */
export const apiUrl = (path: string): string => new URL(path, location.origin).toString();

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  const t = token.get();
  if (t) h.authorization = `Bearer ${t}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, [
      {
        path: 'network',
        message: `cannot reach the control plane: ${(err as Error).message}`,
        hint: 'check that the server is running',
      },
    ]);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const issues = (data as { errors?: Issue[] } | null)?.errors ?? [
      { path: '(server)', message: `HTTP ${res.status}`, hint: typeof data === 'string' ? data.slice(0, 200) : '' },
    ];
    throw new ApiError(res.status, issues);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
  api<T>('POST', path, body ?? {}, headers);

export function modelName(m: Job['model']): string {
  return typeof m === 'string' ? m : m.name;
}
