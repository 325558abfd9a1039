import { describe, expect, it } from 'vitest';
import type { SimSummary } from '../sim/metrics.js';
import { formatCompareTable, num } from './sim-commands.js';

describe('simulate and compare number formatting', () => {
  it('writes thousands separators and a fixed number of decimals', () => {
    expect(num(82182)).toBe('82,182');
    expect(num(3998.92, 1)).toBe('3,998.9');
    expect(num(10084145.36)).toBe('10,084,145');
    expect(num(0.31864, 2)).toBe('0.32');
    expect(num(0, 2)).toBe('0.00');
  });

  it('formats the compare table with separators in counts, energy, emissions and cost', () => {
    const s = {
      policy: 'fifo',
      jobsFinished: 19876,
      jobsUnfinished: 124,
      meanJctHours: 3.67241,
      p99JctHours: 71.1782,
      meanQueueHours: 0,
      gpuUtilization: 0.0037,
      goodput: 0.99481,
      preemptions: 1203,
      energyMWh: 163288.587,
      emissionsTCO2e: 69085.668,
      jobEmissionsTCO2e: 709.594,
      costUsd: 10084145.36,
    } as SimSummary;
    const [head, , row] = formatCompareTable([s]).split('\n');
    expect(head).toMatch(/finished\s+unfinished/);
    for (const cell of [
      '19,876',
      '124',
      '3.67',
      '71.18',
      '0.00',
      '1,203',
      '163,288.6',
      '69,085.7',
      '709.6',
      '10,084,145',
    ])
      expect(row.split(/\s{2,}/)).toContain(cell);
  });
});
