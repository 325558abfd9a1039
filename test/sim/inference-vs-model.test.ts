// The inference twin against the serving model it drives (docs/twin-validation.md, "Inference", table "Against the
// serving model"): one H200 replica of Llama 3 70B FP8, TP1, batch <= 64 (the planner's smaller candidate), at
// fairwater-edge site sat, built as the CLI's `inference simulate` builds replicas (perf/serving replicaTimings on the
// pod's tiers, src/cli/inference-simulate.ts timingsFor; fields as src/sim/inference/from-placement.ts replicaSpec).
// Hand-built traces of prompts of 1,000 and outputs of 200 tokens, all arriving at 0, from a region 0 ms away.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import { loadModel, tiersForPod } from '../../src/perf/index.js';
import { estimateServing, meanContextTokens, replicaTimings } from '../../src/perf/serving/index.js';
import type { ReplicaTimings, ServingEstimate, ServingPlan } from '../../src/perf/serving/types.js';
import { constantGridSeries } from '../../src/sim/grid.js';
import { REQ_DONE, simulateInference, type InferenceTwinInputs } from '../../src/sim/inference/index.js';
import type { RequestTrace } from '../../src/workload/azure-llm.js';

const PLAN: ServingPlan = { tp: 1, pp: 1, ep: 1, precision: 'fp8', maxBatch: 64 };
const WORKLOAD = { promptTokensMean: 1000, outputTokensMean: 200 };
/** Requests at once for the throughput rows: 10 cohorts of the largest batch. */
const AT_ONCE = 640;

let estimate: ServingEstimate;
let timings: ReplicaTimings;
let inputsFor: (requests: number) => InferenceTwinInputs;

/** n requests of the workload's shape, all sent at t = 0. */
function cohortTrace(n: number): RequestTrace {
  return {
    arrivalS: new Float64Array(n),
    promptTokens: new Int32Array(n).fill(WORKLOAD.promptTokensMean),
    outputTokens: new Int32Array(n).fill(WORKLOAD.outputTokensMean),
    startEpochS: Date.UTC(2023, 10, 16, 18) / 1000,
    spanS: 0,
  };
}

beforeAll(async () => {
  const fabric = await loadFabric('fairwater-edge');
  const site = fabric.sites.find((s) => s.id === 'sat')!;
  const pod = site.pods[0];
  const model = loadModel('llama3-70b');
  const tiers = tiersForPod(pod);
  estimate = estimateServing({ model, system: tiers, plan: PLAN, workload: WORKLOAD });
  timings = replicaTimings(model, tiers, PLAN);
  inputsFor = (requests) => ({
    trace: cohortTrace(requests),
    sites: [{ id: site.id, pue: site.pue, gridZone: site.gridZone }],
    regions: [{ id: 'local', share: 1, rttMsBySite: { [site.id]: 0 } }],
    replicas: [
      {
        id: 'sat-0',
        siteId: site.id,
        gpus: timings.gpusPerReplica,
        timings,
        maxBatch: PLAN.maxBatch,
        disaggregated: false,
        systemPowerPerGpuW: pod.system.systemPowerPerGpuW,
      },
    ],
    // an SLO nothing breaks: the router's TPOT preference plays no part with one replica anyway
    slo: { ttftP99Ms: 1e9, tpotP99Ms: 1e9 },
    grid: { [site.gridZone]: constantGridSeries(site.gridZone, 400, 50) },
    gridOffsetS: 0,
    seed: 1,
  });
});

const relative = (x: number, ref: number) => Math.abs(x - ref) / ref;

let figures: ReturnType<typeof runTwin> | undefined;
/** The twin's figures for the table's rows (run once, shared by the tests). */
function twinFigures() {
  figures ??= runTwin();
  return figures;
}

function runTwin() {
  const alone = simulateInference(inputsFor(1));
  const full = simulateInference(inputsFor(AT_ONCE));
  expect(alone.requests.status[0]).toBe(REQ_DONE);
  expect(full.summary.requestsFinished).toBe(AT_ONCE);
  return {
    ttftAloneMs: alone.requests.ttftMs[0],
    tpotAloneMs: alone.requests.tpotMs[0],
    // every request is sent at 0, so the run's span is the time to serve them all
    outputTokensPerSecond: (AT_ONCE * WORKLOAD.outputTokensMean) / full.summary.durationS,
    tpotP50AtMaxBatchMs: full.summary.tpotP50Ms,
  };
}

describe('inference twin vs the serving model (one H200, Llama 3 70B FP8 TP1, 1,000 / 200 tokens)', () => {
  it('the plan fits and its largest batch is the plan cap of 64', () => {
    expect(estimate.infeasibleReason).toBeUndefined();
    expect(estimate.maxConcurrentBatch).toBe(64);
    expect(estimate.batchLimitedBy).toBe('maxBatch');
  });

  it('TTFT of one request on an idle replica (RTT 0) is the model TTFT to 1e-6 relative', () => {
    // 1e-6, not 0: the twin times a prefill-only iteration with the fused iteration function, which leaves out the
    // logits of the prompt's last token that prefillSeconds counts (0.1 us of 124 ms)
    const { ttftAloneMs } = twinFigures();
    expect(relative(ttftAloneMs, estimate.ttftIdleMs)).toBeLessThanOrEqual(1e-6);
  });

  it('TPOT of one request alone is one decode step at its mean context, to 1e-6 relative', () => {
    // the twin's 199 steps run at contexts 1,001..1,199; the step is linear in context at batch 1, so their mean is
    // the step at the mean context (prompt + output / 2 = 1,100), up to rounding
    const stepMs = 1e3 * timings.decodeStepSeconds(1, meanContextTokens(WORKLOAD));
    const { tpotAloneMs } = twinFigures();
    expect(relative(tpotAloneMs, stepMs)).toBeLessThanOrEqual(1e-6);
  });

  it(`${AT_ONCE} requests at once: output tokens/s within 12% below the model's, TPOT p50 within 5% of it`, () => {
    const t = twinFigures();
    // below, by at most 12%: the model's steady state carries the prompts that replace finishing requests in every
    // step, while the twin's cohorts finish together and the next 64 prompts are prefilled between cohorts
    const throughputRatio = t.outputTokensPerSecond / estimate.outputTokensPerSecond;
    expect(throughputRatio).toBeLessThanOrEqual(1);
    expect(throughputRatio).toBeGreaterThanOrEqual(0.88);
    expect(relative(t.tpotP50AtMaxBatchMs, estimate.tpotAtMaxBatchMs)).toBeLessThanOrEqual(0.05);
  });

  it("docs/twin-validation.md's table prints these figures (to the decimals it shows)", () => {
    const doc = readFileSync('docs/twin-validation.md', 'utf8');
    const t = twinFigures();
    const rows: [string, number, number][] = [
      ['| TTFT of one request on an idle replica', estimate.ttftIdleMs, t.ttftAloneMs],
      ['| TPOT of one request alone', 1e3 * timings.decodeStepSeconds(1, meanContextTokens(WORKLOAD)), t.tpotAloneMs],
      ['| output tokens/s at the largest batch', estimate.outputTokensPerSecond, t.outputTokensPerSecond],
      ['| TPOT at the largest batch', estimate.tpotAtMaxBatchMs, t.tpotP50AtMaxBatchMs],
    ];
    for (const [label, model, twin] of rows) {
      const line = doc.split('\n').find((l) => l.startsWith(label));
      expect(line, label).toBeDefined();
      const cells = line!.split('|').map((c) => c.trim());
      for (const [cell, value] of [
        [cells[2], model],
        [cells[3], twin],
      ] as const) {
        const shown = /(\d[\d,]*)(\.(\d+))?/.exec(cell.replace(/^[^\d]*/, ''));
        expect(shown, `${label}: ${cell}`).not.toBeNull();
        const decimals = shown![3]?.length ?? 0;
        const printed = Number(`${shown![1].replace(/,/g, '')}${shown![2] ?? ''}`);
        expect(Math.abs(printed - value), `${label}: ${cell} vs ${value}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals);
      }
    }
  });
});
