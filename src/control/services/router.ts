// The router's choice (pure): the lowest-latency healthy replica within the service's sites and jurisdictions.
// Predicted latency = network round trip (fiber model) + the replica's measured TTFT EWMA scaled by the requests
// it already serves. The lowest prediction wins (so one within the TTFT SLO whenever any is); when none is, the
// fastest still serves and the choice says it is predicted outside the SLO.
import { jurisdictionAllowed } from '../../core/jurisdiction.js';

export interface Candidate {
  id: string;
  site: string;
  jurisdiction: string;
  healthy: boolean;
  inflight: number;
  /** Router-measured TTFT EWMA (ms); null before the replica's first request. */
  ttftEwmaMs: number | null;
}

export interface RouteInput {
  candidates: readonly Candidate[];
  allowedSites: readonly string[] | null;
  allowedJurisdictions: readonly string[] | null;
  ttftSloMs: number;
  /** Round trip from the caller to each site, ms (missing: 0). */
  rttMs: ReadonlyMap<string, number>;
  /** TTFT assumed for a replica not yet measured: the service's own EWMA over replicas, else a quarter of the SLO. */
  priorTtftMs: number;
  /** Replicas already tried for this request (a failed connection): skipped. */
  exclude?: ReadonlySet<string>;
}

export interface RouteChoice {
  candidate: Candidate;
  predictedTtftMs: number;
  networkRttMs: number;
  withinSlo: boolean;
}

/**
 * Processor sharing: a replica serving n requests gives each about 1/(n+1) of its compute, so a new request's
 * TTFT is about EWMA x (n + 1). An assumption (the reference server runs requests in parallel threads), stated here.
 */
export function predictTtftMs(c: Candidate, priorTtftMs: number): number {
  return (c.ttftEwmaMs ?? priorTtftMs) * (c.inflight + 1);
}

/** Eligible replicas ranked best first (ties by id, so the choice is deterministic). */
export function rankReplicas(input: RouteInput): RouteChoice[] {
  const out: RouteChoice[] = [];
  for (const c of input.candidates) {
    if (!c.healthy || input.exclude?.has(c.id)) continue;
    if (input.allowedSites && !input.allowedSites.includes(c.site)) continue;
    if (!jurisdictionAllowed(input.allowedJurisdictions, c.jurisdiction)) continue;
    const networkRttMs = input.rttMs.get(c.site) ?? 0;
    const predictedTtftMs = networkRttMs + predictTtftMs(c, input.priorTtftMs);
    out.push({ candidate: c, predictedTtftMs, networkRttMs, withinSlo: predictedTtftMs <= input.ttftSloMs });
  }
  return out.sort(
    (a, b) =>
      a.predictedTtftMs - b.predictedTtftMs ||
      (a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0),
  );
}

export function chooseReplica(input: RouteInput): RouteChoice | null {
  return rankReplicas(input)[0] ?? null;
}
