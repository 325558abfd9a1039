// Request statistics of one service (pure: times are arguments): the measured record of each routed request,
// a bounded log of them, EWMAs per replica, and the window summary (rate, TTFT/TPOT p50/p99, SLO attainment).
import type { ServiceMetricsView, ServiceRequestView } from '../../contract/services.js';

/** The router's record of one request: the wire view's fields, with `at` as epoch ms (the router received it). */
export type RequestRecord = Omit<ServiceRequestView, 'at'> & { at: number };

export interface Slo {
  ttftP99Ms: number;
  tpotP99Ms: number;
}

/** Weight of the newest sample in the replica EWMAs: 0.3 follows a change within ~5 requests. Assumption, tunable. */
export const EWMA_ALPHA = 0.3;

export function ewma(prev: number | null, sample: number, alpha = EWMA_ALPHA): number {
  return prev === null ? sample : prev + alpha * (sample - prev);
}

/** Nearest-rank percentile of an ascending array (null when empty). */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Whether a finished request met both bounds; the user sees the network round trip on top of the TTFT. */
export function meetsSlo(r: Pick<RequestRecord, 'ttftMs' | 'tpotMs' | 'networkRttMs' | 'error'>, slo: Slo): boolean {
  if (r.error !== null || r.ttftMs === null) return false;
  return r.ttftMs + r.networkRttMs <= slo.ttftP99Ms && (r.tpotMs ?? 0) <= slo.tpotP99Ms;
}

/** The newest `capacity` requests of a service, oldest first when read. */
export class RequestLog {
  private readonly buf: RequestRecord[] = [];
  private next = 0;
  total = 0;
  constructor(readonly capacity = 10_000) {}

  add(r: RequestRecord): void {
    if (this.buf.length < this.capacity) this.buf.push(r);
    else this.buf[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Oldest first. */
  all(): RequestRecord[] {
    return this.buf.length < this.capacity
      ? [...this.buf]
      : [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
  }

  since(atMs: number): RequestRecord[] {
    return this.all().filter((r) => r.at >= atMs);
  }
}

/** The service's numbers over the last `windowS` seconds before `nowMs`. */
export function summarize(
  records: readonly RequestRecord[],
  nowMs: number,
  windowS: number,
  live: { inflight: number; healthyReplicas: number },
): ServiceMetricsView {
  const from = nowMs - windowS * 1000;
  const w = records.filter((r) => r.at >= from && r.at <= nowMs);
  const ok = w.filter((r) => r.error === null);
  const ttft = ok.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs])).sort((a, b) => a - b);
  const tpot = ok.flatMap((r) => (r.tpotMs === null ? [] : [r.tpotMs])).sort((a, b) => a - b);
  return {
    windowS,
    requests: w.length,
    errors: w.length - ok.length,
    requestsPerSecond: w.length / windowS,
    ttftP50Ms: percentile(ttft, 0.5),
    ttftP99Ms: percentile(ttft, 0.99),
    tpotP50Ms: percentile(tpot, 0.5),
    tpotP99Ms: percentile(tpot, 0.99),
    sloAttainment: w.length === 0 ? null : w.filter((r) => r.withinSlo).length / w.length,
    inflight: live.inflight,
    healthyReplicas: live.healthyReplicas,
  };
}

export function requestView(r: RequestRecord): ServiceRequestView {
  return { ...r, at: new Date(r.at).toISOString() };
}
