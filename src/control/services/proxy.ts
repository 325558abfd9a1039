// The router's data path: sends one generate request to the replica the router chose, streams the replica's
// token lines back as they come, and measures what the caller sees (TTFT at the first token line, TPOT between
// the first and the last). A replica that refuses the connection or answers an error before its first byte is
// taken out of the rotation and the next best one is tried, so a lost site costs no request.
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Fabric } from '../../fabric/types.js';
import type { GenerateBody } from '../../contract/services.js';
import { DomainError } from '../domain.js';
import type { ServiceRecord } from '../store/services.js';
import { rttTable } from './latency.js';
import type { ServiceManager } from './manager.js';
import type { Replica } from './replica.js';
import { chooseReplica } from './router.js';
import { meetsSlo, type RequestRecord } from './stats.js';

/** Replicas tried for one request before it fails (each failure takes that replica out of the rotation). */
const MAX_TRIES = 3;
const DEFAULT_MAX_TOKENS = 16;

export class ServiceUnavailableError extends DomainError {
  constructor(message: string) {
    super('service_unavailable', 503, message);
  }
}

/** Opens the upstream generate call; resolves once the replica answered 200 (its stream then follows). */
function openUpstream(r: Replica, body: string, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: r.host,
        port: r.port,
        method: 'POST',
        path: '/v1/generate',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        if (res.statusCode === 200) return resolve(res);
        res.resume();
        reject(new Error(`replica answered ${res.statusCode}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface RouteResult {
  /** The stream the caller reads: application/x-ndjson token lines, then a summary line. */
  stream: PassThrough;
  replica: Replica;
}

export class ServiceRouter {
  constructor(
    private readonly manager: ServiceManager,
    private readonly fabric: Fabric,
    private readonly now: () => number,
    private readonly upstreamTimeoutMs = 30_000,
  ) {}

  async route(s: ServiceRecord, b: GenerateBody): Promise<RouteResult> {
    const st = this.manager.state(s.id);
    const at = this.now();
    const t0 = performance.now();
    const rtt = rttTable(this.fabric, b.origin ?? null);
    const body = JSON.stringify({ prompt: b.prompt, maxTokens: b.maxTokens ?? DEFAULT_MAX_TOKENS });
    const measured = [...st.replicas.values()].flatMap((r) => (r.ttftEwmaMs === null ? [] : [r.ttftEwmaMs]));
    const prior = measured.length ? measured.reduce((a, x) => a + x, 0) / measured.length : s.spec.slo.ttftP99Ms / 4;
    const tried = new Set<string>();
    const base = { id: randomBytes(6).toString('hex'), at, promptTokens: b.prompt.length };
    let lastError = 'no healthy replica';
    for (let i = 0; i < MAX_TRIES; i++) {
      const choice = chooseReplica({
        candidates: [...st.replicas.values()].map((r) => ({ ...r, healthy: r.state === 'healthy' })),
        allowedSites: s.spec.allowedSites,
        allowedJurisdictions: s.spec.allowedJurisdictions,
        ttftSloMs: s.spec.slo.ttftP99Ms,
        rttMs: rtt,
        priorTtftMs: prior,
        exclude: tried,
      });
      if (!choice) break;
      const r = st.replicas.get(choice.candidate.id)!;
      tried.add(r.id);
      r.inflight++;
      st.inflight++;
      let res: IncomingMessage;
      try {
        res = await openUpstream(r, body, this.upstreamTimeoutMs);
      } catch (err) {
        r.inflight--;
        st.inflight--;
        lastError = `replica ${r.id} on ${r.site}: ${(err as Error).message}`;
        this.manager.suspect(r, lastError);
        continue;
      }
      const stream = new PassThrough();
      this.pipe(s, r, res, stream, { ...base, t0, networkRttMs: choice.networkRttMs });
      return { stream, replica: r };
    }
    if (st.replicas.size === 0) this.manager.wantOne(s);
    const rec: RequestRecord = {
      ...base,
      site: null,
      replica: null,
      outputTokens: 0,
      ttftMs: null,
      tpotMs: null,
      networkRttMs: 0,
      withinSlo: false,
      error: lastError,
    };
    this.manager.record(s.id, rec, null);
    throw new ServiceUnavailableError(`service ${s.name}: ${lastError} (tried ${tried.size})`);
  }

  /** Forwards token lines as they arrive; the last line the caller reads is the router's own summary. */
  private pipe(
    s: ServiceRecord,
    r: Replica,
    res: IncomingMessage,
    out: PassThrough,
    base: { id: string; at: number; promptTokens: number; t0: number; networkRttMs: number },
  ): void {
    const st = this.manager.state(s.id);
    let first: number | null = null;
    /** The replica's own time to its first token, when its token lines say (serve.py's atMs). */
    let replicaTtftMs: number | null = null;
    let last = 0;
    let tokens = 0;
    let pending = '';
    let done = false;
    const finish = (error: string | null) => {
      if (done) return;
      done = true;
      r.inflight--;
      st.inflight--;
      const ttftMs = first === null ? null : first - base.t0;
      const tpotMs = first !== null && tokens > 1 ? (last - first) / (tokens - 1) : null;
      const rec: RequestRecord = {
        id: base.id,
        at: base.at,
        site: r.site,
        replica: r.id,
        promptTokens: base.promptTokens,
        outputTokens: tokens,
        ttftMs,
        tpotMs,
        networkRttMs: base.networkRttMs,
        withinSlo: false,
        error,
      };
      rec.withinSlo = meetsSlo(rec, s.spec.slo);
      this.manager.record(s.id, rec, error === null ? r : null, replicaTtftMs);
      // a caller that went away says nothing about the replica
      if (error !== null && !callerGone) this.manager.suspect(r, error);
      if (!callerGone)
        out.end(JSON.stringify({ done: true, error, replica: r.id, site: r.site, ...summary(rec) }) + '\n');
    };
    let callerGone = false;
    // the caller disconnected (fastify destroys the stream): stop the replica's work for it
    out.on('close', () => {
      if (done) return;
      callerGone = true;
      res.destroy();
      finish('the caller disconnected');
    });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        if (line.includes('"done"')) continue; // the replica's own summary: the router writes its measured one
        const t = performance.now();
        if (first === null) replicaTtftMs = ownFirstTokenMs(line);
        first ??= t;
        last = t;
        tokens++;
        out.write(line + '\n');
      }
    });
    res.on('end', () => finish(null));
    res.on('error', (err) => finish(`stream from replica ${r.id} broke: ${err.message}`));
    res.on('close', () => finish(res.complete ? null : `stream from replica ${r.id} ended early`));
  }
}

/** `atMs` of a token line (ms from the request's arrival at the replica to this token), or null. */
function ownFirstTokenMs(line: string): number | null {
  try {
    const at = (JSON.parse(line) as { atMs?: unknown }).atMs;
    return typeof at === 'number' && Number.isFinite(at) && at >= 0 ? at : null;
  } catch {
    return null; // a replica command whose lines are not JSON: the router's own measurement is used
  }
}

function summary(r: RequestRecord) {
  return {
    outputTokens: r.outputTokens,
    ttftMs: r.ttftMs === null ? null : round3(r.ttftMs),
    tpotMs: r.tpotMs === null ? null : round3(r.tpotMs),
    networkRttMs: round3(r.networkRttMs),
    withinSlo: r.withinSlo,
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
