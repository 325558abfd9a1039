import { describe, expect, it } from 'vitest';
import { RequestLog, ewma, meetsSlo, percentile, summarize, type RequestRecord } from './stats.js';

const rec = (at: number, ttftMs: number | null, tpotMs: number | null, over: Partial<RequestRecord> = {}) => ({
  id: `r${at}`,
  at,
  site: 'atl',
  replica: 'x',
  promptTokens: 5,
  outputTokens: 8,
  ttftMs,
  tpotMs,
  networkRttMs: 0,
  withinSlo: true,
  error: null,
  ...over,
});

describe('service statistics', () => {
  it('percentile is nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('ewma starts at the first sample and moves by alpha', () => {
    expect(ewma(null, 10)).toBe(10);
    expect(ewma(10, 20, 0.5)).toBe(15);
  });

  it('meetsSlo counts the network round trip and fails errors', () => {
    const slo = { ttftP99Ms: 100, tpotP99Ms: 10 };
    expect(meetsSlo({ ttftMs: 90, tpotMs: 5, networkRttMs: 10, error: null }, slo)).toBe(true);
    expect(meetsSlo({ ttftMs: 90, tpotMs: 5, networkRttMs: 11, error: null }, slo)).toBe(false);
    expect(meetsSlo({ ttftMs: 10, tpotMs: 11, networkRttMs: 0, error: null }, slo)).toBe(false);
    expect(meetsSlo({ ttftMs: 10, tpotMs: 1, networkRttMs: 0, error: 'boom' }, slo)).toBe(false);
  });

  it('the log keeps the newest records, oldest first', () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 5; i++) log.add(rec(i, 1, 1));
    expect(log.all().map((r) => r.at)).toEqual([3, 4, 5]);
    expect(log.total).toBe(5);
    expect(log.since(4).map((r) => r.at)).toEqual([4, 5]);
  });

  it('summarizes a window: rate, percentiles of successes, attainment over all', () => {
    const now = 100_000;
    const rs = [
      rec(now - 70_000, 999, 999), // outside the 60 s window
      rec(now - 1000, 10, 2),
      rec(now - 900, 30, 4, { withinSlo: false }),
      rec(now - 800, null, null, { error: 'replica gone', withinSlo: false }),
      rec(now - 700, 20, 3),
    ];
    const m = summarize(rs, now, 60, { inflight: 1, healthyReplicas: 2 });
    expect(m.requests).toBe(4);
    expect(m.errors).toBe(1);
    expect(m.requestsPerSecond).toBeCloseTo(4 / 60);
    expect(m.ttftP50Ms).toBe(20);
    expect(m.ttftP99Ms).toBe(30);
    expect(m.tpotP50Ms).toBe(3);
    expect(m.sloAttainment).toBe(0.5);
    expect(m.healthyReplicas).toBe(2);
    expect(summarize([], now, 60, { inflight: 0, healthyReplicas: 0 }).sloAttainment).toBeNull();
  });
});
