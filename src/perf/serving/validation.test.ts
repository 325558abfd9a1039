import { describe, expect, it } from 'vitest';
import { runServingValidation, SERVING_LATENCY_TOLERANCE_PERCENT, SERVING_TOLERANCE_PERCENT } from './validation.js';

describe('serving validation (data/validation/serving*.json)', () => {
  const rows = runServingValidation();
  const throughput = rows.filter((r) => r.metric === 'throughput');
  const latency = rows.filter((r) => r.metric === 'tpot');
  const mean = (xs: typeof rows) => xs.reduce((a, r) => a + Math.abs(r.errorPercent), 0) / xs.length;

  it('covers at least 10 published throughput cases over 3 GPUs, 4 models (one MoE), BF16 and FP8, TP 1 to 8', () => {
    expect(throughput.length).toBeGreaterThanOrEqual(10);
    expect(new Set(throughput.map((r) => r.system)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(throughput.map((r) => r.model)).size).toBeGreaterThanOrEqual(4);
    expect(throughput.some((r) => r.moe)).toBe(true);
    expect(new Set(throughput.map((r) => r.plan.precision))).toEqual(new Set(['bf16', 'fp8']));
    expect(new Set(throughput.map((r) => r.plan.tp))).toEqual(new Set([1, 2, 4, 8]));
  });

  it(`predicts every throughput case within ${SERVING_TOLERANCE_PERCENT}%, mean at most 5%`, () => {
    const off = throughput.filter((r) => Math.abs(r.errorPercent) > SERVING_TOLERANCE_PERCENT);
    expect(off.map((r) => `${r.id}: ${r.errorPercent.toFixed(1)}%`)).toEqual([]);
    expect(mean(throughput)).toBeLessThanOrEqual(5);
  });

  it(`predicts TPOT under load within ${SERVING_LATENCY_TOLERANCE_PERCENT}% on at least 10 cases, TP 1 and 4`, () => {
    expect(latency.length).toBeGreaterThanOrEqual(10);
    expect(new Set(latency.map((r) => r.plan.tp))).toEqual(new Set([1, 4]));
    const off = latency.filter((r) => Math.abs(r.errorPercent) > SERVING_LATENCY_TOLERANCE_PERCENT);
    expect(off.map((r) => `${r.id}: ${r.errorPercent.toFixed(1)}%`)).toEqual([]);
    expect(mean(latency)).toBeLessThanOrEqual(12);
  });
});
