// The control-plane API client: bearer token from sessionStorage, JSON in and out, errors as the
// server's {path, message, hint} list.

// The wire types are the contract's (src/contract: the only thing web/ imports from src/).
import type { FabricView } from '../../src/contract';
export type {
  Catalog,
  EventView as JobEvent,
  FabricView as Fabric,
  HistoryResponse,
  HistorySample,
  InputIssue as Issue,
  JobPlan as Plan,
  JobView as Job,
  Me,
  MeasuredView as Measured,
  SiteStatusView as SiteStatus,
  Telemetry,
  TenantView,
  TokenIssued,
  TokenView,
} from '../../src/contract';
export type { JobState, Role } from '../../src/contract/states';
export { JOB_STATES, ROLES, TERMINAL_JOB_STATES as TERMINAL } from '../../src/contract/states';
export type FabricSite = FabricView['sites'][number];
export type FabricLink = FabricView['wanLinks'][number];
import type { InputIssue as Issue, JobView as Job } from '../../src/contract';

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

/** A text body (the logs route answers text/plain), never parsed as JSON. */
export async function getText(path: string): Promise<string> {
  const t = token.get();
  const res = await fetch(apiUrl(path), { headers: t ? { authorization: `Bearer ${t}` } : {} }).catch((err: Error) => {
    throw new ApiError(0, [
      {
        path: 'network',
        message: `cannot reach the control plane: ${err.message}`,
        hint: 'check that the server is running',
      },
    ]);
  });
  const text = await res.text();
  if (!res.ok) {
    let issues: Issue[] = [{ path: '(server)', message: `HTTP ${res.status}`, hint: text.slice(0, 200) }];
    try {
      issues = (JSON.parse(text) as { errors?: Issue[] }).errors ?? issues;
    } catch {
      /* not JSON: the status says it */
    }
    throw new ApiError(res.status, issues);
  }
  return text;
}
