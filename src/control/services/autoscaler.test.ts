import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALE_POLICY, decideScale, type ScaleInput } from './autoscaler.js';

const base: ScaleInput = {
  desired: 1,
  min: 1,
  max: 4,
  healthy: 1,
  inflight: 0,
  ttftP99Ms: null,
  ttftSloMs: 200,
  nowMs: 100_000,
  lastChangeMs: 0,
  lowSinceMs: null,
};

describe('autoscaler', () => {
  it('clamps into new bounds first', () => {
    expect(decideScale({ ...base, desired: 6 }).desired).toBe(4);
    expect(decideScale({ ...base, desired: 0, min: 2 }).desired).toBe(2);
  });

  it('scales up on requests in flight per replica, to what the load needs, within max', () => {
    const d = decideScale({ ...base, inflight: 7, healthy: 1 });
    expect(d.desired).toBe(4); // ceil(7 / 2) = 4
    expect(d.reason).toMatch(/up 1 -> 4/);
    expect(decideScale({ ...base, inflight: 30 }).desired).toBe(4);
    expect(decideScale({ ...base, desired: 4, healthy: 4, inflight: 30 }).desired).toBe(4);
  });

  it('scales up by one when the measured p99 TTFT misses the SLO at low concurrency', () => {
    const d = decideScale({ ...base, inflight: 1, ttftP99Ms: 350 });
    expect(d.desired).toBe(2);
    expect(d.reason).toMatch(/350 ms over the 200 ms SLO/);
  });

  it('waits for the up cooldown after a change', () => {
    const d = decideScale({ ...base, inflight: 7, lastChangeMs: base.nowMs - 500 });
    expect(d.desired).toBe(1);
    expect(d.reason).toBeNull();
  });

  it('has hysteresis: between the marks nothing changes; low load must last the down window', () => {
    const between = decideScale({ ...base, desired: 3, healthy: 3, inflight: 3, ttftP99Ms: 50 });
    expect(between).toEqual({ desired: 3, lowSinceMs: null, reason: null });
    const first = decideScale({ ...base, desired: 3, healthy: 3, inflight: 0 });
    expect(first.desired).toBe(3);
    expect(first.lowSinceMs).toBe(base.nowMs);
    const soon = decideScale({
      ...base,
      desired: 3,
      healthy: 3,
      nowMs: base.nowMs + DEFAULT_SCALE_POLICY.downWindowMs - 1,
      lowSinceMs: base.nowMs,
    });
    expect(soon.desired).toBe(3);
    const later = decideScale({
      ...base,
      desired: 3,
      healthy: 3,
      nowMs: base.nowMs + DEFAULT_SCALE_POLICY.downWindowMs,
      lowSinceMs: base.nowMs,
    });
    expect(later.desired).toBe(2);
    expect(later.reason).toMatch(/down 3 -> 2/);
  });

  it('does not scale down while the p99 TTFT is above half the SLO, nor below min', () => {
    const slowish = decideScale({ ...base, desired: 3, healthy: 3, ttftP99Ms: 150, lowSinceMs: 0 });
    expect(slowish).toEqual({ desired: 3, lowSinceMs: null, reason: null });
    expect(decideScale({ ...base, desired: 1, lowSinceMs: 0 }).desired).toBe(1);
  });
});
