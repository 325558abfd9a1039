// GET /v1/jobs/:id/logs: the job's current run output, paged by byte offset so that a whole log can be read
// and downloaded. Without `offset`: the last `limit` bytes (default 64 KiB), as a live tail. With `offset`:
// `limit` bytes from there. `download=1`: the whole log as an attachment. `format=json`: the page with its
// offsets as JSON (the CLI); otherwise text with X-Log-Offset / X-Log-Next-Offset / X-Log-Size headers.
// A page never ends inside a UTF-8 character, so pages joined are the log byte for byte.
// Offsets are stable while the log only grows: a one-process run, or any run once ended (the local executor
// groups a gang's lines by rank, so a running gang's log is a snapshot).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogsQuery } from '../../../contract/requests.js';
import type { JobLogPage } from '../../../contract/responses.js';
import type { Job } from '../../domain.js';
import { parse } from '../../schemas.js';
import { doc, idOf, principal, type ApiContext } from '../context.js';

export const LOG_TAIL_BYTES = 64 * 1024;

/** Bytes [start, end) of `buf`, both moved off UTF-8 continuation bytes (start forward, end back); never empty before the end. */
export function logPage(buf: Buffer, offset: number | undefined, limit: number): { start: number; end: number } {
  let start = offset === undefined ? Math.max(0, buf.length - limit) : Math.min(offset, buf.length);
  while (start < buf.length && (buf[start] & 0xc0) === 0x80) start++;
  let end = Math.min(buf.length, start + limit);
  if (end < buf.length) while (end > start && (buf[end] & 0xc0) === 0x80) end--;
  // a limit below one character's bytes: the page holds that one character, so a reader always moves on
  if (end === start && start < buf.length) for (end = start + 1; (buf[end] & 0xc0) === 0x80;) end++;
  return { start, end };
}

/** The whole log of the job's current run ('' when its executor keeps none, or the run's folder is gone). */
async function runLog(c: ApiContext, req: FastifyRequest, job: Job): Promise<Buffer> {
  const b = job.placement?.[0] ? c.cp.bindings.get(job.placement[0].site) : undefined;
  if (!b?.executor.logs || !job.runId) return Buffer.alloc(0);
  try {
    // the executors read the whole file either way: slicing here costs no more I/O
    return Buffer.from(await b.executor.logs(job.runId, Number.MAX_SAFE_INTEGER), 'utf8');
  } catch (err) {
    // the run's folder may be gone (finished and cleaned, or another replica's): no lines, said in the log
    req.log.warn({ job: job.id, run: job.runId, err: (err as Error).message }, 'cannot read run logs');
    return Buffer.alloc(0);
  }
}

async function serveLogs(c: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<JobLogPage | Buffer> {
  const job = await c.cp.visibleJob(principal(req), idOf(req));
  const q = parse(LogsQuery, req.query);
  const all = await runLog(c, req, job);
  const download = q.download === '1' || q.download === 'true';
  const { start, end } = download ? { start: 0, end: all.length } : logPage(all, q.offset, q.limit ?? LOG_TAIL_BYTES);
  const page = all.subarray(start, end);
  if (q.format === 'json')
    return { job: job.id, runId: job.runId, offset: start, nextOffset: end, size: all.length, text: page.toString() };
  reply
    .type('text/plain; charset=utf-8')
    .header('X-Log-Offset', String(start))
    .header('X-Log-Next-Offset', String(end))
    .header('X-Log-Size', String(all.length));
  if (download) reply.header('Content-Disposition', `attachment; filename="${job.id}.log"`);
  return page;
}

export function registerJobLogRoutes(c: ApiContext): void {
  c.app.get(
    '/v1/jobs/:id/logs',
    doc('The job’s current run output: a tail, a page by byte offset, or the whole log (download=1)', ['jobs']),
    (req, reply) => serveLogs(c, req, reply),
  );
}
