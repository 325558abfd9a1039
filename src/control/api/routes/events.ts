// Events: a page after a sequence number, and the server-sent event stream.
// The stream never reads the whole table: without a position it starts at the newest event (one
// indexed MAX), a resume replays at most `replayMax` events in pages of `PAGE`, each page awaited, and
// the number of open streams is capped per token and in total, so viewers cannot stall the server.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventsQuery } from '../../../contract/requests.js';
import type { EventsResponse } from '../../../contract/responses.js';
import { isOperator } from '../../auth.js';
import type { JobEvent, Principal } from '../../domain.js';
import { parse } from '../../schemas.js';
import { AUDIT_PREFIX } from '../audit.js';
import { doc, needOperator, principal, type ApiContext } from '../context.js';
import { eventView } from '../views.js';

export interface StreamLimits {
  /** Open streams per token (default 4). */
  perToken: number;
  /** Open streams on this replica (default 256). */
  total: number;
  /** Most events a resumed stream replays before going live (default 10,000); older ones are skipped, said in a comment. */
  replayMax: number;
  /** Poll interval of a live stream in ms (default 200). */
  pollMs: number;
  /** Keep-alive comment interval in ms (default 15,000). */
  keepAliveMs: number;
}
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  perToken: 4,
  total: 256,
  replayMax: 10_000,
  pollMs: 200,
  keepAliveMs: 15_000,
};
const PAGE = 500;

/** Operators see every tenant's events; everyone else their own tenant's. */
const tenantFilter = (p: Principal): string | undefined => (isOperator(p) ? undefined : p.tenantId);

function tooMany(reply: FastifyReply, message: string): void {
  void reply
    .code(429)
    .header('Retry-After', '5')
    .send({ errors: [{ path: 'authorization', message, hint: 'close another event stream, or retry later' }] });
}

/** Open streams per token and in all, on this replica. */
interface StreamCounts {
  perToken: Map<string, number>;
  total: number;
}

async function listAfter(c: ApiContext, req: FastifyRequest): Promise<EventsResponse> {
  const q = parse(EventsQuery, req.query);
  const p = principal(req);
  const events = await c.store.listEvents({
    afterSeq: q.after,
    jobId: q.job,
    tenantId: tenantFilter(p),
    limit: q.limit ?? 200,
  });
  return { events: events.map(eventView), last: events.length ? events[events.length - 1].seq : (q.after ?? 0) };
}

async function auditLog(c: ApiContext, req: FastifyRequest): Promise<EventsResponse> {
  needOperator(req);
  const q = parse(EventsQuery, req.query);
  const events = await c.store.listEvents({ afterSeq: q.after, typePrefix: AUDIT_PREFIX, limit: q.limit ?? 200 });
  return { events: events.map(eventView), last: events.length ? events[events.length - 1].seq : (q.after ?? 0) };
}

/** Writes events after `after` as they come until the client goes; pages of PAGE, a keep-alive now and then. */
async function pump(
  c: ApiContext,
  req: FastifyRequest,
  res: FastifyReply['raw'],
  o: { after: number; job: string | undefined; tenantId: string | undefined; limits: StreamLimits },
): Promise<void> {
  let after = o.after;
  let closed = false;
  req.raw.on('close', () => (closed = true));
  let lastBeat = c.now();
  while (!closed) {
    let events: JobEvent[] = [];
    try {
      events = await c.store.listEvents({ afterSeq: after, jobId: o.job, tenantId: o.tenantId, limit: PAGE });
    } catch (err) {
      // the store is briefly unavailable: keep the stream and try again at the next poll
      req.log.warn({ err: (err as Error).message }, 'event stream: cannot read events');
    }
    for (const e of events) {
      res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(eventView(e))}\n\n`);
      after = e.seq;
    }
    if (c.now() - lastBeat > o.limits.keepAliveMs) {
      res.write(': keep-alive\n\n');
      lastBeat = c.now();
    }
    if (events.length < PAGE) await new Promise((r) => setTimeout(r, o.limits.pollMs));
    else await new Promise((r) => setImmediate(r)); // a full page: let other requests in before the next
  }
}

async function stream(
  c: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  limits: StreamLimits,
  open: StreamCounts,
): Promise<void> {
  const q = parse(EventsQuery, req.query);
  const p = principal(req);
  if (open.total >= limits.total) return tooMany(reply, `this server has ${limits.total} event streams open`);
  if ((open.perToken.get(p.tokenId) ?? 0) >= limits.perToken)
    return tooMany(reply, `this token has ${limits.perToken} event streams open`);
  const lastId = Number(req.headers['last-event-id']);
  const tail = await c.store.lastEventSeq();
  let after = Number.isFinite(lastId) && lastId > 0 ? lastId : (q.after ?? tail);
  const skippedTo = Math.max(after, tail - limits.replayMax);

  open.perToken.set(p.tokenId, (open.perToken.get(p.tokenId) ?? 0) + 1);
  open.total++;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(': connected\n\n');
  if (skippedTo > after) {
    res.write(`: replay limited to the last ${limits.replayMax} events: skipped ${after + 1}..${skippedTo}\n\n`);
    after = skippedTo;
  }
  try {
    await pump(c, req, res, { after, job: q.job, tenantId: tenantFilter(p), limits });
  } finally {
    const n = (open.perToken.get(p.tokenId) ?? 1) - 1;
    if (n > 0) open.perToken.set(p.tokenId, n);
    else open.perToken.delete(p.tokenId);
    open.total--;
    res.end();
  }
}

export function registerEventRoutes(c: ApiContext, limits: StreamLimits = DEFAULT_STREAM_LIMITS): void {
  const open: StreamCounts = { perToken: new Map(), total: 0 };
  c.app.get('/v1/events', doc('Events after a sequence number (your tenant’s; all for operators)', ['events']), (req) =>
    listAfter(c, req),
  );
  c.app.get(
    '/v1/audit',
    doc('The audit log: operator and tenant-admin actions with who, what and when (operators)', ['events']),
    (req) => auditLog(c, req),
  );
  c.app.get(
    '/v1/events/stream',
    doc('Server-sent events stream (Last-Event-ID or ?after= to resume; bounded replay)', ['events']),
    (req, reply) => stream(c, req, reply, limits, open),
  );
}
