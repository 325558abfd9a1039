// Log lines for people: on a terminal the server's pino JSON lines are turned into one readable line each
// (`12:00:01.234Z INFO  request done  GET /v1/jobs 200 3.1 ms  req=ab12`), as pino-pretty would, without the
// dependency; anywhere else (a pipe, a file, a log shipper) the JSON is written unchanged.
import { Writable } from 'node:stream';
import { InvalidInputError } from '../domain.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** pino's own fields, shown in the line's head or not at all. */
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v', 'reqId', 'req', 'res', 'responseTime', 'err']);

const value = (v: unknown): string => (typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v));

/**
 * One pino JSON record as one readable line (plus an error's stack below it); a line that is not JSON as is.
 * `requests` (request id -> "METHOD url") lets fastify's "request completed" line name its request too.
 */
export function formatLogLine(line: string, color = false, requests?: Map<string, string>): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof r !== 'object' || r === null || typeof r.level !== 'number') return line;
  const level = r.level;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const time = typeof r.time === 'number' ? new Date(r.time).toISOString().slice(11, 23) + 'Z' : '';
  const parts = [time, color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name, String(r.msg ?? '')];
  const req = r.req as { method?: string; url?: string } | undefined;
  const res = r.res as { statusCode?: number } | undefined;
  const id = typeof r.reqId === 'string' ? r.reqId : null;
  let what = req ? `${req.method} ${req.url}` : null;
  if (requests && id !== null) {
    if (what !== null && requests.size < 10_000) requests.set(id, what);
    if (res) {
      what ??= requests.get(id) ?? null;
      requests.delete(id);
    }
  }
  const http = [
    what,
    res?.statusCode ?? null,
    typeof r.responseTime === 'number' ? `${r.responseTime.toFixed(1)} ms` : null,
  ]
    .filter((x) => x !== null)
    .join(' ');
  if (http) parts.push(` ${http}`);
  const extras = Object.entries(r)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  if (r.reqId !== undefined) extras.push(`req=${value(r.reqId)}`);
  if (extras.length) parts.push(` ${extras.join(' ')}`);
  const err = r.err as { message?: string; stack?: string } | string | undefined;
  let out = parts.join(' ');
  if (typeof err === 'string') out += ` err=${value(err)}`;
  else if (err) out += `\n    ${(err.stack ?? err.message ?? JSON.stringify(err)).split('\n').join('\n    ')}`;
  return out;
}

/** A stream for pino that writes each record to `out` as a readable line. */
export function prettyStream(out: NodeJS.WritableStream, color = false): Writable {
  let rest = '';
  const requests = new Map<string, string>(); // requests in flight, bounded
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) out.write(`${formatLogLine(l, color, requests)}\n`);
      done();
    },
    final(done) {
      if (rest) out.write(`${formatLogLine(rest, color, requests)}\n`);
      done();
    },
  });
}

/**
 * Where the server logs: readable lines when `out` is a terminal (or SUPERFACTORY_LOG_FORMAT=pretty), pino's
 * JSON otherwise (or with SUPERFACTORY_LOG_FORMAT=json). `env` and `out.isTTY` are injectable for tests.
 */
export function logDestination(
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.WritableStream {
  const format = env.SUPERFACTORY_LOG_FORMAT || (out.isTTY ? 'pretty' : 'json');
  if (format !== 'pretty' && format !== 'json')
    throw new InvalidInputError([
      {
        path: 'SUPERFACTORY_LOG_FORMAT',
        message: `unknown log format "${format}"`,
        hint: 'use pretty (readable lines) or json, or unset it (pretty on a terminal, json otherwise)',
      },
    ]);
  return format === 'pretty' ? prettyStream(out, Boolean(out.isTTY) && env.NO_COLOR === undefined) : out;
}
