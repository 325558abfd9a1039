// Test support: hand-built replica timings and a two-site, two-region twin input (linear time laws, not the serving
// model's: the tests check the twin's queueing and accounting rules, not the model's numbers).
import type { ReplicaTimings } from '../../perf/serving/types.js';
import type { RequestTrace } from '../../workload/azure-llm.js';
import { constantGridSeries } from '../grid.js';
import type { InferenceTwinInputs, TwinReplicaSpec } from './types.js';

export function linearTimings(kvCapacityTokens = 400_000): ReplicaTimings {
  return {
    gpusPerReplica: 8,
    kvBytesPerToken: 327_680,
    kvCapacityTokens,
    prefillSeconds: (tokens) => 0.01 + tokens * 4e-5,
    decodeStepSeconds: (batch, contextTokens) => 0.012 + batch * 5e-5 + contextTokens * 2e-8,
    kvTransferSeconds: () => 0,
  };
}

export function replica(id: string, siteId: string, over: Partial<TwinReplicaSpec> = {}): TwinReplicaSpec {
  return { id, siteId, gpus: 8, timings: linearTimings(), maxBatch: 128, systemPowerPerGpuW: 1275, ...over };
}

/** Poisson-free, evenly spaced requests (deterministic): n at `ratePerS`, prompt/output cycling through a few shapes. */
export function evenTrace(n: number, ratePerS: number): RequestTrace {
  const at = Float64Array.from({ length: n }, (_, i) => i / ratePerS);
  const prompts = [200, 1200, 3000, 600];
  const outputs = [40, 250, 12, 500];
  return {
    arrivalS: at,
    promptTokens: Int32Array.from({ length: n }, (_, i) => prompts[i % 4]),
    outputTokens: Int32Array.from({ length: n }, (_, i) => outputs[(i * 7) % 4]),
    startEpochS: Date.UTC(2023, 10, 16, 18) / 1000,
    spanS: at[n - 1],
  };
}

/** Evenly spaced requests in phases of [seconds, requests/s] (the shapes as in evenTrace). */
export function stepTrace(phases: [number, number][]): RequestTrace {
  const at: number[] = [];
  let t0 = 0;
  for (const [s, rate] of phases) {
    for (let k = 0; k < s * rate; k++) at.push(t0 + k / rate);
    t0 += s;
  }
  const base = evenTrace(at.length, 1);
  return { ...base, arrivalS: Float64Array.from(at), spanS: at[at.length - 1] };
}

/** Sites east (RTT 10 ms from region east, 70 from west) and west (the reverse); 2 replicas each. */
export function twoSiteInputs(trace: RequestTrace, over: Partial<InferenceTwinInputs> = {}): InferenceTwinInputs {
  return {
    trace,
    sites: [
      { id: 'east', pue: 1.2, gridZone: 'PJM' },
      { id: 'west', pue: 1.1, gridZone: 'CISO' },
    ],
    regions: [
      { id: 'r-east', share: 0.6, rttMsBySite: { east: 10, west: 70 } },
      { id: 'r-west', share: 0.4, rttMsBySite: { east: 70, west: 12 } },
    ],
    replicas: [replica('e0', 'east'), replica('e1', 'east'), replica('w0', 'west'), replica('w1', 'west')],
    slo: { ttftP99Ms: 1500, tpotP99Ms: 60 },
    grid: { PJM: constantGridSeries('PJM', 400, 50), CISO: constantGridSeries('CISO', 200, 60) },
    gridOffsetS: 0,
    seed: 7,
    ...over,
  };
}
