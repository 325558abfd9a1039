import { describe, expect, it } from 'vitest';
import { runServingValidation, SERVING_TOLERANCE_PERCENT } from './validation.js';

describe('serving validation (data/validation/serving*.json)', () => {
  const rows = runServingValidation();

  it('has at least 10 published cases on at least two GPUs and three models', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(new Set(rows.map((r) => r.system)).size).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r) => r.id.split('-').slice(2, 4).join('-'))).size).toBeGreaterThanOrEqual(3);
  });

  it(`predicts every case within ${SERVING_TOLERANCE_PERCENT}%`, () => {
    const off = rows.filter((r) => Math.abs(r.errorPercent) > SERVING_TOLERANCE_PERCENT);
    expect(off.map((r) => `${r.id}: ${r.errorPercent.toFixed(1)}%`)).toEqual([]);
  });

  it('mean absolute error at most 7%', () => {
    const mean = rows.reduce((a, r) => a + Math.abs(r.errorPercent), 0) / rows.length;
    expect(mean).toBeLessThanOrEqual(7);
  });
});
