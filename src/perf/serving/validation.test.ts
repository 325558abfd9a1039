import { describe, expect, it } from 'vitest';
import { runServingValidation, SERVING_TOLERANCE_PERCENT } from './validation.js';

describe('serving validation (data/validation/serving*.json)', () => {
  const rows = runServingValidation();

  it('covers at least 10 published cases over 3 GPUs, 4 models (one MoE), BF16 and FP8, TP 1 to 8', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(new Set(rows.map((r) => r.system)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(rows.map((r) => r.model)).size).toBeGreaterThanOrEqual(4);
    expect(rows.some((r) => r.moe)).toBe(true);
    expect(new Set(rows.map((r) => r.plan.precision))).toEqual(new Set(['bf16', 'fp8']));
    expect(new Set(rows.map((r) => r.plan.tp))).toEqual(new Set([1, 2, 4, 8]));
  });

  it(`predicts every case within ${SERVING_TOLERANCE_PERCENT}%`, () => {
    const off = rows.filter((r) => Math.abs(r.errorPercent) > SERVING_TOLERANCE_PERCENT);
    expect(off.map((r) => `${r.id}: ${r.errorPercent.toFixed(1)}%`)).toEqual([]);
  });

  it('mean absolute error at most 5%', () => {
    const mean = rows.reduce((a, r) => a + Math.abs(r.errorPercent), 0) / rows.length;
    expect(mean).toBeLessThanOrEqual(5);
  });
});
