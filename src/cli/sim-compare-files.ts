// The files `superfactory compare --out DIR` writes: the summaries as JSON, a bar chart of the headline metrics
// and a JCT CDF per policy.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { barChart, cdfChart } from '../sim/charts.js';
import type { SimResult } from '../sim/simulate.js';

/** Writes compare.json, compare.svg and compare-jct-cdf.svg into `out`; returns the paths written. */
export function writeCompareOutputs(out: string, results: readonly SimResult[]): string[] {
  const summaries = results.map((r) => r.summary);
  mkdirSync(out, { recursive: true });
  const metrics = ['mean JCT', 'p99 JCT', 'mean queue', 'utilization', 'goodput', 'energy', 'emissions', 'cost'];
  const svg = barChart(
    'Policy comparison',
    metrics,
    summaries.map((s) => ({
      name: s.policy,
      values: [
        s.meanJctHours,
        s.p99JctHours,
        s.meanQueueHours,
        s.gpuUtilization,
        s.goodput,
        s.energyMWh,
        s.emissionsTCO2e,
        s.costUsd,
      ],
    })),
  );
  const cdf = cdfChart(
    'JCT CDF by policy',
    'JCT hours',
    results.map((r) => ({
      name: r.summary.policy,
      values: r.jobs.filter((j) => j.jctS !== null).map((j) => j.jctS! / 3600),
    })),
  );
  const files: [string, string][] = [
    ['compare.json', JSON.stringify({ policies: summaries }, null, 2) + '\n'],
    ['compare.svg', svg],
    ['compare-jct-cdf.svg', cdf],
  ];
  const written: string[] = [];
  for (const [n, t] of files) {
    writeFileSync(path.join(out, n), t);
    written.push(path.join(out, n));
  }
  return written;
}
