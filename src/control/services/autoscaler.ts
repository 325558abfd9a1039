// Autoscaling decisions (pure, the clock is an argument): how many replicas a service wants from its measured load
// (requests in flight per healthy replica) and measured p99 TTFT against its SLO, inside min..max, with
// hysteresis: up at once (after a short cooldown) when over a high mark, down one at a time only after the load
// stayed under a low mark for a whole down-window.

export interface ScalePolicy {
  /** Requests in flight per replica the service is sized for. Assumption: 2 (the reference server shares one core). */
  targetInflightPerReplica: number;
  /** Scale down only below this share of the target (the gap between the marks is the hysteresis). */
  lowWaterFraction: number;
  /** ... and only while the window's p99 TTFT is below this share of the SLO. */
  lowTtftFraction: number;
  upCooldownMs: number;
  /** The load must stay low this long before one replica goes. */
  downWindowMs: number;
}

export const DEFAULT_SCALE_POLICY: ScalePolicy = {
  targetInflightPerReplica: 2,
  lowWaterFraction: 0.25,
  lowTtftFraction: 0.5,
  upCooldownMs: 2_000,
  downWindowMs: 15_000,
};

export interface ScaleInput {
  /** The replica count wanted so far. */
  desired: number;
  min: number;
  max: number;
  healthy: number;
  /** Requests in flight now (through the router). */
  inflight: number;
  /** Measured p99 TTFT of the recent window (null: no requests in it). */
  ttftP99Ms: number | null;
  ttftSloMs: number;
  nowMs: number;
  /** When the desired count last changed. */
  lastChangeMs: number;
  /** Since when the load has been low (null: it is not). */
  lowSinceMs: number | null;
}

export interface ScaleDecision {
  desired: number;
  lowSinceMs: number | null;
  /** In words, for the API and the log (null: nothing changed). */
  reason: string | null;
}

export function decideScale(s: ScaleInput, p: ScalePolicy = DEFAULT_SCALE_POLICY): ScaleDecision {
  const clamped = Math.min(s.max, Math.max(s.min, s.desired));
  if (clamped !== s.desired)
    return { desired: clamped, lowSinceMs: null, reason: `bounds ${s.min}..${s.max}: ${s.desired} -> ${clamped}` };
  const perReplica = s.inflight / Math.max(1, s.healthy);
  const slow = s.ttftP99Ms !== null && s.ttftP99Ms > s.ttftSloMs;
  const busy = perReplica > p.targetInflightPerReplica;
  if ((slow || busy) && s.desired < s.max) {
    if (s.nowMs - s.lastChangeMs < p.upCooldownMs) return { desired: s.desired, lowSinceMs: null, reason: null };
    const needed = Math.ceil(s.inflight / p.targetInflightPerReplica);
    const desired = Math.min(s.max, Math.max(s.desired + 1, needed));
    const why = slow
      ? `p99 TTFT ${s.ttftP99Ms!.toFixed(0)} ms over the ${s.ttftSloMs} ms SLO`
      : `${perReplica.toFixed(1)} requests in flight per replica over ${p.targetInflightPerReplica}`;
    return { desired, lowSinceMs: null, reason: `up ${s.desired} -> ${desired}: ${why}` };
  }
  const low =
    perReplica < p.targetInflightPerReplica * p.lowWaterFraction &&
    (s.ttftP99Ms === null || s.ttftP99Ms < s.ttftSloMs * p.lowTtftFraction);
  if (!low || s.desired <= s.min) return { desired: s.desired, lowSinceMs: null, reason: null };
  const since = s.lowSinceMs ?? s.nowMs;
  if (s.nowMs - since < p.downWindowMs || s.nowMs - s.lastChangeMs < p.downWindowMs)
    return { desired: s.desired, lowSinceMs: since, reason: null };
  return {
    desired: s.desired - 1,
    lowSinceMs: null,
    reason: `down ${s.desired} -> ${s.desired - 1}: load under ${p.lowWaterFraction * p.targetInflightPerReplica} in flight per replica for ${p.downWindowMs / 1000} s`,
  };
}
