import { describe, expect, it } from 'vitest';
import { applyDiurnal, percentile, REQ_DONE, REQ_FAILED, simulateInference } from './index.js';
import { diurnalMultiplier } from './diurnal.js';
import { evenTrace, linearTimings, replica, stepTrace, twoSiteInputs } from './twin.fixture.js';
import type { SharingSpec } from './types.js';

describe('inference twin', () => {
  it('conserves requests: each finishes or is counted failed (one too big for any KV cache)', () => {
    const trace = evenTrace(2000, 20);
    trace.promptTokens[5] = 500_000; // beyond the 400k-token cache of every replica
    const r = simulateInference(twoSiteInputs(trace));
    const s = r.summary;
    expect(s.requestsTotal).toBe(2000);
    expect(s.requestsFinished + s.requestsFailed).toBe(2000);
    expect(s.requestsFailed).toBe(1);
    expect(r.requests.status[5]).toBe(REQ_FAILED);
    expect(r.failed).toEqual([{ reason: 'needs more KV cache than any healthy replica holds', count: 1 }]);
    let done = 0;
    for (const st of r.requests.status) if (st === REQ_DONE) done++;
    expect(done).toBe(1999);
    expect(r.perSite.reduce((a, p) => a + p.requests, 0)).toBe(1999);
  });

  it('TTFT is at least the RTT plus the prompt prefill time; TPOT at least one decode step', () => {
    const inp = twoSiteInputs(evenTrace(3000, 40));
    const r = simulateInference(inp);
    const t = linearTimings();
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      if (r.requests.status[i] !== REQ_DONE) continue;
      const site = inp.sites[r.requests.siteOf[i]].id;
      const rttMs = inp.regions[r.requests.regionOf[i]].rttMsBySite[site];
      const floorMs = rttMs + t.prefillSeconds(inp.trace.promptTokens[i]) * 1000;
      expect(r.requests.ttftMs[i]).toBeGreaterThanOrEqual(floorMs - 1e-6);
      if (inp.trace.outputTokens[i] > 1)
        expect(r.requests.tpotMs[i]).toBeGreaterThanOrEqual(t.decodeStepSeconds(1, 0) * 1000 - 1e-6);
      checked++;
    }
    expect(checked).toBe(3000);
  });

  it('is deterministic per seed; another seed draws other regions', () => {
    const a = simulateInference(twoSiteInputs(evenTrace(1500, 30), { seed: 3 }));
    const b = simulateInference(twoSiteInputs(evenTrace(1500, 30), { seed: 3 }));
    const c = simulateInference(twoSiteInputs(evenTrace(1500, 30), { seed: 4 }));
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary));
    expect(Array.from(b.requests.ttftMs)).toEqual(Array.from(a.requests.ttftMs));
    expect(Array.from(c.requests.regionOf)).not.toEqual(Array.from(a.requests.regionOf));
    // the shares hold: ~60% east
    const east = a.requests.regionOf.reduce((n, g) => n + (g === 0 ? 1 : 0), 0);
    expect(east / 1500).toBeGreaterThan(0.55);
    expect(east / 1500).toBeLessThan(0.65);
  });

  it('lower load gives at least as good SLO attainment and TTFT (property over rates)', () => {
    const rates = [5, 20, 60, 120, 240];
    const res = rates.map((rate) => simulateInference(twoSiteInputs(evenTrace(3000, rate))).summary);
    for (let i = 1; i < res.length; i++) {
      expect(res[i].sloAttainment).toBeLessThanOrEqual(res[i - 1].sloAttainment + 1e-9);
      expect(res[i].ttftP99Ms).toBeGreaterThanOrEqual(res[i - 1].ttftP99Ms - 1e-9);
    }
    expect(res[0].sloAttainment).toBeGreaterThan(0.95);
    expect(res[res.length - 1].sloAttainment).toBeLessThan(res[0].sloAttainment);
  });

  it('routes each region to its nearest site while within the SLO', () => {
    const r = simulateInference(twoSiteInputs(evenTrace(1000, 5)));
    for (let i = 0; i < 1000; i++) expect(r.requests.siteOf[i]).toBe(r.requests.regionOf[i]);
  });

  it('a site loss mid-run shifts its traffic and raises TTFT by at least the added RTT', () => {
    const trace = evenTrace(4000, 10); // 400 s
    const base = simulateInference(twoSiteInputs(trace));
    const lost = simulateInference(twoSiteInputs(trace, { failures: [{ siteId: 'east', atS: 200 }] }));
    expect(lost.summary.requestsFinished + lost.summary.requestsFailed).toBe(4000);
    expect(lost.summary.requestsFailed).toBe(0);
    expect(lost.summary.requestsRetried).toBeGreaterThan(0);
    // the same requests (same seed: same regions) after the loss, region east: served by west now
    const rise: number[] = [];
    for (let i = 0; i < 4000; i++) {
      if (lost.requests.regionOf[i] !== 0 || trace.arrivalS[i] <= 210) continue;
      expect(lost.requests.siteOf[i]).toBe(1);
      rise.push(lost.requests.ttftMs[i] - base.requests.ttftMs[i]);
    }
    expect(rise.length).toBeGreaterThan(100);
    const addedRttMs = 70 - 10;
    expect(percentile(Float64Array.from(rise).sort(), 0.5)).toBeGreaterThanOrEqual(addedRttMs - 1e-6);
    expect(lost.perSite[0].gpuHours).toBeLessThan(base.perSite[0].gpuHours);
  });

  it('counts GPU-hours, energy and carbon from the replicas and the grid', () => {
    const r = simulateInference(twoSiteInputs(evenTrace(1000, 10)));
    const s = r.summary;
    expect(s.gpuHours).toBeCloseTo((4 * 8 * s.durationS) / 3600, 2);
    // energy between all-idle and all-busy draw
    const idleMWh = (4 * 8 * 1275 * 1.15 * 0.3 * s.durationS) / 3.6e9;
    expect(s.energyMWh).toBeGreaterThan(idleMWh * 0.95);
    expect(s.energyMWh).toBeLessThan(idleMWh * (0.8 / 0.3) * 1.05);
    // carbon between the two zones' intensities (200 and 400 g/kWh)
    expect(s.emissionsTCO2e).toBeGreaterThan((s.energyMWh * 200) / 1000);
    expect(s.emissionsTCO2e).toBeLessThan((s.energyMWh * 400) / 1000);
  });

  it('names bad input', () => {
    const inp = twoSiteInputs(evenTrace(10, 1), {
      replicas: [replica('x', 'nowhere', { maxBatch: 0 })],
      slo: { ttftP99Ms: -1, tpotP99Ms: 50 },
    });
    expect(() => simulateInference(inp)).toThrow(/replicas\[0\]\.siteId.*nowhere/);
    try {
      simulateInference(inp);
    } catch (e) {
      const paths = (e as { issues: { path: string }[] }).issues.map((i) => i.path);
      expect(paths).toEqual(['replicas[0].siteId', 'replicas[0].maxBatch', 'slo.ttftP99Ms']);
    }
  });
});

describe('diurnal curve', () => {
  it('keeps the requests and their order, denser at the peak', () => {
    const trace = evenTrace(86_400, 1); // one a second for a day
    const d = applyDiurnal(trace, { peakToTrough: 3, peakHourUtc: 14 });
    expect(d.arrivalS.length).toBe(86_400);
    let sorted = true;
    for (let i = 1; i < d.arrivalS.length; i++) sorted &&= d.arrivalS[i] >= d.arrivalS[i - 1];
    expect(sorted).toBe(true);
    const countIn = (fromH: number) => {
      // trace starts at 18:00 UTC; the hour starting at UTC hour h is trace time ((h - 18 + 24) % 24) h
      const t0 = (((fromH - 18 + 24) % 24) * 3600) as number;
      let n = 0;
      for (const t of d.arrivalS) if (t >= t0 && t < t0 + 3600) n++;
      return n;
    };
    const peak = countIn(14);
    const trough = countIn(2);
    expect(peak / trough).toBeGreaterThan(2.5);
    expect(peak / trough).toBeLessThan(3.2);
    expect(diurnalMultiplier({ peakToTrough: 3, peakHourUtc: 14 }, trace.startEpochS, 20 * 3600)).toBeCloseTo(1.5, 6);
  });
});

describe('training lends GPUs to serving at a peak', () => {
  const sharing = (maxCheckpointWaitS: number): SharingSpec => ({
    siteId: 'east',
    jobs: [0, 1, 2, 3].map((k) => ({ id: `train-${k}`, gpus: 16, intervalS: 600, checkpointS: 25 })),
    replica: { gpus: 8, timings: linearTimings(), maxBatch: 128, systemPowerPerGpuW: 1275 },
    controlIntervalS: 60,
    targetUtilization: 0.7,
    maxCheckpointWaitS,
    replicaStartS: 60,
    minLendS: 300,
  });
  // calm 2/s for 10 min, a 30/s peak for 20 min (beyond the two fixed replicas), calm again for 20 min
  const trace = stepTrace([
    [600, 2],
    [1200, 30],
    [1200, 2],
  ]);
  const inputs = (s?: SharingSpec) =>
    twoSiteInputs(trace, {
      replicas: [replica('e0', 'east'), replica('w0', 'west')],
      regions: [{ id: 'r-east', share: 1, rttMsBySite: { east: 10, west: 70 } }],
      ...(s ? { sharing: s } : {}),
    });

  it('lends at the peak, gives back after it, and keeps more of the SLO than without lending', () => {
    const without = simulateInference(inputs()).summary;
    const r = simulateInference(inputs(sharing(900)));
    const l = r.lending!;
    expect(l.suspensions).toBeGreaterThan(0);
    expect(l.returns).toBeGreaterThan(0);
    expect(l.events[0].kind).toBe('lend');
    expect(l.events[0].tS).toBeGreaterThan(600);
    // all lent GPUs are back after the peak
    expect(Math.max(...l.events.filter((e) => e.kind === 'return').map((e) => e.tS))).toBeGreaterThan(600 + 1200);
    expect(r.summary.sloAttainment).toBeGreaterThan(without.sloAttainment + 0.2);
    expect(r.summary.requestsFinished).toBe(r.summary.requestsTotal);
    expect(l.trainingGoodput).toBeLessThan(1);
    expect(l.trainingGoodputLostGpuHours).toBeGreaterThan(l.gpuHoursLent * 0.5);
    // waiting for the checkpoint loses no work
    expect(l.maxLostWorkS).toBeLessThan(1e-6);
  });

  it('never loses more than one checkpoint interval, even when it cannot wait for the checkpoint', () => {
    const r = simulateInference(inputs(sharing(0)));
    const l = r.lending!;
    const lends = l.events.filter((e) => e.kind === 'lend');
    expect(lends.length).toBeGreaterThan(0);
    expect(lends.some((e) => e.lostWorkS > 0)).toBe(true);
    for (const e of lends) expect(e.lostWorkS).toBeLessThanOrEqual(600);
    expect(l.maxLostWorkS).toBeLessThanOrEqual(600);
    expect(l.workLostGpuHours).toBeGreaterThan(0);
  });
});

describe('percentiles', () => {
  it('the summary percentiles are the nearest-rank values of the per-request samples', () => {
    const r = simulateInference(twoSiteInputs(evenTrace(2500, 60)));
    const ttft = Float64Array.from(r.requests.ttftMs).sort();
    const tpot = Float64Array.from(r.requests.tpotMs.filter((x) => !Number.isNaN(x))).sort();
    expect(r.summary.ttftP50Ms).toBeCloseTo(ttft[Math.ceil(0.5 * ttft.length) - 1], 3);
    expect(r.summary.ttftP99Ms).toBeCloseTo(ttft[Math.ceil(0.99 * ttft.length) - 1], 3);
    expect(r.summary.tpotP99Ms).toBeCloseTo(tpot[Math.ceil(0.99 * tpot.length) - 1], 3);
    expect(r.summary.ttftP99Ms).toBeGreaterThan(r.summary.ttftP50Ms);
  });
});
