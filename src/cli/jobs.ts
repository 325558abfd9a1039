// `superfactory jobs submit|list|show|cancel|suspend|resume|events` against a control plane's /v1/jobs routes.
// Every verb prints a short view for people, or with --json the API's own response body.
import {
  JOB_STATES,
  TERMINAL_JOB_STATES,
  type EventsResponse,
  type EventView,
  type JobPageResponse,
  type JobResponse,
  type JobView,
} from '../contract/index.js';
import { ApiClient, seg, type RemoteFlags } from './client.js';
import { CliInputError } from './errors.js';
import { buildSubmitRequest, type SubmitFlags } from './jobs-file.js';
import { EVENT_HEADER, eventLine, eventRow, eventsTable, jobDetail, jobsTable } from './jobs-format.js';

export interface JsonFlag {
  json?: boolean;
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSubmit(
  file: string | undefined,
  command: string[],
  o: SubmitFlags & RemoteFlags & JsonFlag & { idempotencyKey?: string },
): Promise<number> {
  const body = buildSubmitRequest(file, o, command);
  const client = ApiClient.fromFlags(o);
  const headers = o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : undefined;
  const { job } = await client.post<JobResponse>('/v1/jobs', body, headers);
  if (o.json) json(job);
  else {
    out(`submitted ${job.id} (${job.name}): ${job.state}`);
    process.stderr.write(
      `follow it: superfactory jobs logs ${job.id} -f   (events: superfactory jobs events ${job.id})\n`,
    );
  }
  return 0;
}

export interface ListFlags extends RemoteFlags, JsonFlag {
  state?: string;
  site?: string;
  tenant?: string;
  name?: string;
  limit?: string;
  all?: boolean;
}

function positiveInt(flag: string, v: string | undefined, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new CliInputError([
      { path: flag, message: `${flag} must be an integer from 1 to ${max} (got "${v}")`, hint: `e.g. ${flag} ${dflt}` },
    ]);
  return n;
}

/** Checks the list filters here, so a typo in --state is named before a request is made. */
function listQuery(o: ListFlags, limit: number) {
  if (o.state !== undefined) {
    const bad = o.state.split(',').filter((s) => !(JOB_STATES as readonly string[]).includes(s.trim()));
    if (bad.length)
      throw new CliInputError([
        {
          path: '--state',
          message: `unknown state ${bad.map((b) => `"${b}"`).join(', ')}`,
          hint: `use ${JOB_STATES.join(', ')} (comma-separated)`,
        },
      ]);
  }
  return { state: o.state?.replace(/\s+/g, ''), site: o.site, tenant: o.tenant, limit: Math.min(limit, 1000) };
}

/** Newest first; --name filters by substring here (the API filters by state, site and tenant). */
export async function runList(o: ListFlags): Promise<number> {
  const limit = positiveInt('--limit', o.limit, 50);
  const client = ApiClient.fromFlags(o);
  const query = listQuery(o, o.name ? 1000 : limit);
  const jobs: JobView[] = [];
  let cursor: string | undefined;
  let nextCursor: string | null;
  for (;;) {
    const page = await client.get<JobPageResponse>('/v1/jobs', { ...query, cursor });
    const needle = o.name?.toLowerCase();
    jobs.push(...(needle ? page.jobs.filter((j) => j.name.toLowerCase().includes(needle)) : page.jobs));
    nextCursor = page.nextCursor;
    if (!nextCursor || (!o.all && jobs.length >= limit)) break;
    cursor = nextCursor;
  }
  const shown = o.all ? jobs : jobs.slice(0, limit);
  if (o.json) json({ jobs: shown, nextCursor: o.all ? null : nextCursor });
  else {
    out(jobsTable(shown, Date.now()));
    if (!o.all && nextCursor) process.stderr.write(`more jobs: pass --all, or a larger --limit\n`);
  }
  return 0;
}

export async function runShow(id: string, o: RemoteFlags & JsonFlag): Promise<number> {
  const { job } = await ApiClient.fromFlags(o).get<JobResponse>(`/v1/jobs/${seg(id)}`);
  if (o.json) json(job);
  else out(jobDetail(job, Date.now()));
  return 0;
}

const ACTIONS = {
  cancel: { method: 'DELETE', suffix: '', done: 'cancel requested' },
  suspend: { method: 'POST', suffix: '/suspend', done: 'suspend requested' },
  resume: { method: 'POST', suffix: '/resume', done: 'resumed' },
} as const;

/** cancel / suspend / resume one or more jobs; prints each job as it stands after the request. */
export async function runAction(verb: keyof typeof ACTIONS, ids: string[], o: RemoteFlags & JsonFlag): Promise<number> {
  const a = ACTIONS[verb];
  const client = ApiClient.fromFlags(o);
  const jobs: JobView[] = [];
  for (const id of ids) {
    const path = `/v1/jobs/${seg(id)}${a.suffix}`;
    const { job } = await (a.method === 'DELETE' ? client.delete<JobResponse>(path) : client.post<JobResponse>(path));
    jobs.push(job);
    if (!o.json) out(`${job.id} (${job.name}): ${a.done}, now ${job.state}`);
  }
  if (o.json) json(ids.length === 1 ? jobs[0] : { jobs });
  return 0;
}

export interface EventsFlags extends RemoteFlags, JsonFlag {
  follow?: boolean;
  interval?: string;
}

/** A job's events; with -f, new ones as they happen until the job ends (NDJSON with --json). */
export async function runEvents(id: string, o: EventsFlags): Promise<number> {
  const client = ApiClient.fromFlags(o);
  const intervalMs = positiveInt('--interval', o.interval, 1, 3600) * 1000;
  const first = await client.get<EventsResponse>(`/v1/jobs/${seg(id)}/events`);
  if (!o.follow) {
    if (o.json) json(first);
    else out(eventsTable(first.events));
    return 0;
  }
  const print = (e: EventView) => (o.json ? json(e) : out(eventLine(eventRow(e))));
  if (!o.json) out(eventLine(EVENT_HEADER));
  first.events.forEach(print);
  let last = first.events.length ? first.events[first.events.length - 1].seq : 0;
  for (;;) {
    const { job } = await client.get<JobResponse>(`/v1/jobs/${seg(id)}`);
    // Read the events after the state: a job that ended has written its last event by now.
    for (;;) {
      const page = await client.get<EventsResponse>('/v1/events', { job: job.id, after: last, limit: 1000 });
      page.events.forEach(print);
      last = page.last;
      if (page.events.length < 1000) break;
    }
    if (TERMINAL_JOB_STATES.includes(job.state)) return 0;
    await sleep(intervalMs);
  }
}
