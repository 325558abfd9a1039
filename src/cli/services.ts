// `superfactory services create|list|show|scale|delete|requests|generate`: live services of a control plane
// (replicas of a model on real executors behind the router, issue 15). Every command talks to the API over HTTP.
import type { Command } from 'commander';
import type {
  CreateServiceBody,
  ServiceListResponse,
  ServiceRequestsResponse,
  ServiceResponse,
  ServiceView,
  ErrorBody,
  InputIssue,
} from '../contract/index.js';
import { ApiClient, ServerFailure, remoteCommand, seg, type RemoteFlags } from './client.js';
import { CliInputError, runCommand } from './errors.js';

type Flags = RemoteFlags & { json?: boolean };

function remote(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'control-plane URL (else SUPERFACTORY_URL, else the login profile)')
    .option('--token <token>', 'API token (else SUPERFACTORY_TOKEN, else the login profile)')
    .option('--profile <name>', 'login profile to use (else SUPERFACTORY_PROFILE, else "default")')
    .option('--json', 'print the API response as JSON');
}

const run = (body: () => Promise<number | void>) => runCommand(() => remoteCommand(body));
const collect = (v: string, prev: string[] = []) => [...prev, v];
const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').filter(Boolean));

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n))
    throw new CliInputError([{ path: flag, message: `"${v}" is not an integer`, hint: `e.g. ${flag} 2` }]);
  return n;
}

function num(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new CliInputError([{ path: flag, message: `"${v}" is not a number`, hint: `e.g. ${flag} 500` }]);
  return n;
}

function envOf(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(
    pairs.map((p) => {
      const i = p.indexOf('=');
      if (i <= 0)
        throw new CliInputError([
          {
            path: 'env',
            message: `"${p}" is not NAME=VALUE`,
            hint: 'e.g. --env SUPERFACTORY_SERVE_TOKEN_DELAY_S=0.01',
          },
        ]);
      return [p.slice(0, i), p.slice(i + 1)];
    }),
  );
}

const ms = (x: number | null) => (x === null ? '-' : x.toFixed(1));
const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

/** One line per service: replicas healthy/desired, rate, TTFT and TPOT p50/p99, SLO attainment (last 60 s). */
export function servicesTable(services: ServiceView[]): string {
  const head = ['ID', 'NAME', 'MODEL', 'REPLICAS', 'REQ/S', 'TTFT p50/p99 ms', 'TPOT p50/p99 ms', 'SLO MET', 'SITES'];
  const rows = services.map((s) => {
    const m = s.metrics;
    return [
      s.id,
      s.name,
      s.model,
      `${m.healthyReplicas}/${s.desiredReplicas} (${s.minReplicas}..${s.maxReplicas})`,
      m.requestsPerSecond.toFixed(2),
      `${ms(m.ttftP50Ms)}/${ms(m.ttftP99Ms)}`,
      `${ms(m.tpotP50Ms)}/${ms(m.tpotP99Ms)}`,
      pct(m.sloAttainment),
      [...new Set(s.replicas.map((r) => r.site))].join(',') || '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function showText(s: ServiceView): string {
  const lines = [
    servicesTable([s]),
    `slo: ttft p99 <= ${s.slo.ttftP99Ms} ms, tpot p99 <= ${s.slo.tpotP99Ms} ms; scaling: ${s.scaling ?? '-'}`,
    ...s.replicas.map(
      (r) =>
        `  replica ${r.id}  ${r.site}  ${r.state}  ${r.endpoint}  in flight ${r.inflight}  ttft ewma ${ms(r.ttftEwmaMs)} ms${r.reason ? `  (${r.reason})` : ''}`,
    ),
  ];
  return lines.join('\n');
}

const out = (o: Flags, json: unknown, text: string) =>
  process.stdout.write(`${o.json ? JSON.stringify(json) : text}\n`);

async function create(o: Flags & Record<string, string | string[] | undefined>, command: string[]): Promise<number> {
  const body: CreateServiceBody = {
    name: String(o.name),
    model: String(o.model ?? 'reference'),
    slo: { ttftP99Ms: num('--ttft-p99-ms', String(o.ttftP99Ms)), tpotP99Ms: num('--tpot-p99-ms', String(o.tpotP99Ms)) },
    ...(o.min !== undefined ? { minReplicas: int('--min', o.min as string) } : {}),
    ...(o.max !== undefined ? { maxReplicas: int('--max', o.max as string) } : {}),
    ...(o.sites ? { allowedSites: list(o.sites as string) } : {}),
    ...(o.jurisdictions ? { allowedJurisdictions: list(o.jurisdictions as string) } : {}),
    ...(command.length ? { command } : {}),
    ...(envOf((o.env as string[]) ?? []) ? { env: envOf(o.env as string[]) } : {}),
  };
  const r = await ApiClient.fromFlags(o).post<ServiceResponse>('/v1/services', body);
  out(
    o,
    r,
    `created service ${r.service.id} (${r.service.name}): replicas ${r.service.minReplicas}..${r.service.maxReplicas}`,
  );
  return 0;
}

/** Streams the tokens to stdout as they come; the router's summary goes to stderr (or the whole stream with --json). */
async function generate(
  id: string,
  o: Flags & { prompt: string; maxTokens?: string; origin?: string },
): Promise<number> {
  const c = ApiClient.fromFlags(o);
  const res = await fetch(`${c.remote.url}/v1/services/${seg(id)}/generate`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(c.remote.token ? { authorization: `Bearer ${c.remote.token}` } : {}),
    },
    body: JSON.stringify({ prompt: o.prompt, maxTokens: int('--max-tokens', o.maxTokens), origin: o.origin }),
  });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let issues: InputIssue[];
    try {
      issues = (JSON.parse(text) as ErrorBody).errors;
    } catch {
      issues = [{ path: 'server', message: `generate answered ${res.status}`, hint: 'see the server log' }];
    }
    if (res.status >= 500) throw new ServerFailure(issues);
    throw new CliInputError(issues);
  }
  let pending = '';
  const dec = new TextDecoder();
  for await (const chunk of res.body) {
    pending += dec.decode(chunk as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (o.json) process.stdout.write(`${line}\n`);
      else {
        const m = JSON.parse(line) as { token?: string; done?: boolean; [k: string]: unknown };
        if (m.done)
          process.stderr.write(
            `\n[${m.site} ${m.replica}: ttft ${m.ttftMs} ms, tpot ${m.tpotMs} ms, network rtt ${m.networkRttMs} ms, slo ${m.withinSlo ? 'met' : 'missed'}]\n`,
          );
        else process.stdout.write(JSON.stringify(m.token).slice(1, -1));
      }
    }
  }
  return 0;
}

export function registerServicesCommands(program: Command): void {
  const svc = program
    .command('services')
    .description('live services: replicas of a model behind the router (issue 15)');
  remote(
    svc
      .command('create')
      .description('create a service; the words after -- are a replica command (default examples/serve)')
      .requiredOption('--name <name>', 'service name (lower case, digits, dashes)')
      .option('--model <id>', 'reference (examples/serve) or a zoo id', 'reference')
      .requiredOption('--ttft-p99-ms <ms>', 'SLO: p99 time to first token')
      .requiredOption('--tpot-p99-ms <ms>', 'SLO: p99 time per output token')
      .option('--min <n>', 'fewest replicas (default 1)')
      .option('--max <n>', 'most replicas (default: min)')
      .option('--sites <a,b>', 'sites replicas may run on')
      .option('--jurisdictions <codes>', 'jurisdictions replicas may run in, e.g. US,EU')
      .option('--env <NAME=VALUE>', 'environment of every replica (repeat)', collect)
      .argument('[command...]', 'replica command after --'),
  ).action((command: string[], o) => run(() => create(o, command)));
  remote(
    svc.command('list', { isDefault: true }).description('services with replicas, rate, TTFT/TPOT, SLO met'),
  ).action((o: Flags) =>
    run(async () => {
      const r = await ApiClient.fromFlags(o).get<ServiceListResponse>('/v1/services');
      out(o, r, r.services.length ? servicesTable(r.services) : 'no services');
    }),
  );
  registerPerService(svc);
}

/** The commands on one service (by id). */
function registerPerService(svc: Command): void {
  remote(svc.command('show').description('one service and its replicas').argument('<id>')).action(
    (id: string, o: Flags) =>
      run(async () => {
        const r = await ApiClient.fromFlags(o).get<ServiceResponse>(`/v1/services/${seg(id)}`);
        out(o, r, showText(r.service));
      }),
  );
  remote(
    svc.command('scale').description('new replica bounds').argument('<id>').option('--min <n>').option('--max <n>'),
  ).action((id: string, o: Flags & { min?: string; max?: string }) =>
    run(async () => {
      const body = { minReplicas: int('--min', o.min), maxReplicas: int('--max', o.max) };
      const r = await ApiClient.fromFlags(o).request<ServiceResponse>('PATCH', `/v1/services/${seg(id)}`, { body });
      out(o, r, `service ${r.service.id}: replicas ${r.service.minReplicas}..${r.service.maxReplicas}`);
    }),
  );
  remote(svc.command('delete').description('delete a service (its replicas stop)').argument('<id>')).action(
    (id: string, o: Flags) =>
      run(async () => {
        const r = await ApiClient.fromFlags(o).delete<ServiceResponse>(`/v1/services/${seg(id)}`);
        out(o, r, `deleted service ${r.service.id} (${r.service.name})`);
      }),
  );
  remote(
    svc
      .command('requests')
      .description('the newest routed requests')
      .argument('<id>')
      .option('--limit <n>', 'how many (default 20)'),
  ).action((id: string, o: Flags & { limit?: string }) =>
    run(async () => {
      const r = await ApiClient.fromFlags(o).get<ServiceRequestsResponse>(`/v1/services/${seg(id)}/requests`, {
        limit: int('--limit', o.limit) ?? 20,
      });
      const text = r.requests
        .map(
          (q) =>
            `${q.at}  ${q.site ?? '-'}  ${q.replica ?? '-'}  out ${q.outputTokens}  ttft ${ms(q.ttftMs)} ms  tpot ${ms(q.tpotMs)} ms  rtt ${q.networkRttMs.toFixed(1)} ms  ${q.withinSlo ? 'met' : 'missed'}${q.error ? `  ${q.error}` : ''}`,
        )
        .join('\n');
      out(o, r, text || 'no requests yet');
    }),
  );
  remote(
    svc
      .command('generate')
      .description('send one request through the router; tokens stream to stdout')
      .argument('<id>')
      .requiredOption('--prompt <text>')
      .option('--max-tokens <n>', 'output tokens (default 16)')
      .option('--origin <site>', 'the site nearest you (the router adds its network latency)'),
  ).action((id: string, o: Flags & { prompt: string; maxTokens?: string; origin?: string }) =>
    run(() => generate(id, o)),
  );
}
