// The CLI's HTTP client for a control plane: where the server is and which token to send (flags, then
// SUPERFACTORY_URL / SUPERFACTORY_TOKEN, then the `superfactory login` profile), and every failure as the
// common `{path, message, hint}` issues (exit 2 for bad input, 1 when the server itself fails).
import type { ErrorBody, InputIssue } from '../contract/index.js';
import { CliInputError, printIssues } from './errors.js';
import { profileFile, readProfile } from './login-profile.js';

/** Flags every remote command takes. */
export interface RemoteFlags {
  server?: string;
  token?: string;
  profile?: string;
}

export interface Remote {
  url: string;
  token: string | undefined;
  /** Where each came from, for messages ("--server", "SUPERFACTORY_URL", "profile default"). */
  from: string;
}

/** A server that answered 5xx: the CLI prints its issues and exits 1 (not the user's input). */
export class ServerFailure extends Error {
  constructor(readonly issues: InputIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

export function normalizeUrl(raw: string, from: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliInputError([
      {
        path: 'server',
        message: `${from} is not a URL: "${raw}"`,
        hint: 'give the base URL, e.g. http://localhost:8080',
      },
    ]);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CliInputError([
      {
        path: 'server',
        message: `${from} must be http or https (got ${u.protocol})`,
        hint: 'e.g. http://localhost:8080',
      },
    ]);
  }
  return u.toString().replace(/\/+$/, '');
}

/** Resolves the server and token: flags win, then the environment, then the profile. */
export function resolveRemote(flags: RemoteFlags, env: NodeJS.ProcessEnv = process.env): Remote {
  const name = flags.profile ?? env.SUPERFACTORY_PROFILE ?? 'default';
  const profile = readProfile(name, env);
  if (flags.profile && !profile) {
    throw new CliInputError([
      {
        path: 'profile',
        message: `no profile "${flags.profile}" in ${profileFile(env)}`,
        hint: `run superfactory login URL --profile ${flags.profile}`,
      },
    ]);
  }
  const url = flags.server ?? env.SUPERFACTORY_URL ?? profile?.url;
  if (!url) {
    throw new CliInputError([
      {
        path: 'server',
        message: 'no control-plane server given',
        hint: 'pass --server URL, set SUPERFACTORY_URL, or run superfactory login URL once',
      },
    ]);
  }
  const from = flags.server ? '--server' : env.SUPERFACTORY_URL ? 'SUPERFACTORY_URL' : `profile ${name}`;
  const token = flags.token ?? env.SUPERFACTORY_TOKEN ?? (url === profile?.url ? profile.token : undefined);
  return { url: normalizeUrl(url, from), token: token || undefined, from };
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Read the answer as text (logs) instead of JSON. */
  text?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Issues of an error answer: the server's own when it sent the common body, else one made from the status. */
function issuesOfAnswer(status: number, body: unknown, method: string, path: string, remote: Remote): InputIssue[] {
  const errors = (body as Partial<ErrorBody> | null)?.errors;
  const tokenHint = 'pass --token, set SUPERFACTORY_TOKEN, or run superfactory login URL';
  // The server's 401 speaks of headers; a CLI user fixes it with a flag.
  if (status === 401 && Array.isArray(errors) && errors.length > 0)
    return errors.map((e) => ({ path: 'token', message: e.message, hint: tokenHint }));
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e) =>
      e.path === 'url' && /^no route/.test(e.message)
        ? {
            path: 'server',
            message: `${remote.url} does not offer ${method} ${path.split('?')[0]}`,
            hint: 'this server is older than the CLI: upgrade it, or use a command it supports',
          }
        : e,
    );
  }
  if (status === 401)
    return [
      {
        path: 'token',
        message: remote.token ? 'the server refused the token' : 'the server wants a token',
        hint: tokenHint,
      },
    ];
  return [
    {
      path: 'server',
      message: `${method} ${path} answered ${status}`,
      hint: status >= 500 ? 'the server failed: retry, or read its log' : 'see the server /docs for this route',
    },
  ];
}

export class ApiClient {
  constructor(readonly remote: Remote) {}

  static fromFlags(flags: RemoteFlags): ApiClient {
    return new ApiClient(resolveRemote(flags));
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined && v !== '') qs.set(k, String(v));
    const full = `${this.remote.url}${path}${qs.size ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: o.text ? 'text/plain' : 'application/json', ...o.headers };
    if (this.remote.token) headers.authorization = `Bearer ${this.remote.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(full, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: o.signal ?? AbortSignal.timeout(60_000),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (err as Error).message;
      throw new CliInputError([
        {
          path: 'server',
          message: `cannot reach ${this.remote.url} (${cause}; from ${this.remote.from})`,
          hint: 'check the URL and that the server runs (superfactory start), or pass --server',
        },
      ]);
    }
    const raw = await res.text();
    let body: unknown = raw;
    if (!o.text || !res.ok) {
      try {
        body = raw === '' ? null : JSON.parse(raw);
      } catch {
        if (res.ok) {
          throw new ServerFailure([
            {
              path: 'server',
              message: `${method} ${path} answered non-JSON`,
              hint: 'check --server points at a control plane',
            },
          ]);
        }
      }
    }
    if (!res.ok) {
      const issues = issuesOfAnswer(res.status, body, method, path, this.remote);
      if (res.status >= 500) throw new ServerFailure(issues);
      throw new CliInputError(issues);
    }
    return body as T;
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {}, headers });
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
  text(path: string): Promise<string> {
    return this.request<string>('GET', path, { text: true });
  }
}

/** Runs a remote command: a failing server prints its issues and exits 1; bad input goes on to runCommand (exit 2). */
export async function remoteCommand(body: () => Promise<number | void>): Promise<number | void> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof ServerFailure)) throw err;
    printIssues(err.issues);
    return 1;
  }
}

/** `encodeURIComponent` for ids in paths (a user's typo must not change the route). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
