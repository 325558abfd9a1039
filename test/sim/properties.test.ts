import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/perf/index.js';
import { createPolicy, POLICY_NAMES } from '../../src/sched/index.js';
import { constantGridSeries, type GridSeries } from '../../src/sim/grid.js';
import { jobsToCsv } from '../../src/sim/metrics.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { generateSynthetic, parseSyntheticSpec, type JobSpec } from '../../src/workload/index.js';
import { makeFabric } from './helpers.js';

const grid: Record<string, GridSeries> = {
  SOCO: constantGridSeries('SOCO', 420, 60),
  MISO: constantGridSeries('MISO', 440, 40),
  DE: constantGridSeries('DE', 300, 90),
};
const fabric = makeFabric([
  { id: 'atl', jurisdiction: 'US-GA', gridZone: 'SOCO', pods: 2, gpusPerPod: 64, domainGpus: 8 },
  { id: 'wi', jurisdiction: 'US-WI', gridZone: 'MISO', pods: 1, gpusPerPod: 72, domainGpus: 72 },
  { id: 'fra', jurisdiction: 'EU-DE', gridZone: 'DE', pods: 1, gpusPerPod: 32, domainGpus: 8 },
]);
// a harsh scenario: frequent failures, an outage, a WAN degradation and a drain
const harsh = parseScenario({
  failures: { perGpuHour: 2e-3, sitePerYear: 20 },
  events: [
    { site: 'atl', down: { from: 'day 0 06:00', to: 'day 0 12:00' } },
    { wan: 'atl-wi', capacity: 0.1, from: '2h', to: '1d' },
    { site: 'wi', drain: { from: '20h', to: '30h' } },
  ],
}).scenario!;

function workload(seed: number, n = 300): JobSpec[] {
  return generateSynthetic(
    parseSyntheticSpec(
      `jobs=${n},arrival=bursty,ratePerHour=40,maxGpus=128,medianHours=1,sovereignFraction=0.3,jurisdictions=US/US-GA/EU,seed=${seed}`,
    ).spec!,
    loadModel,
  );
}

describe('simulation invariants', () => {
  for (const p of POLICY_NAMES) {
    it(`never uses a GPU twice or more GPUs than exist, and ends every job exactly once (${p})`, () => {
      const jobs = workload(11);
      // audit checks per-domain used + free + failed == capacity after every event
      const res = simulate({
        models: loadModel,
        fabric,
        jobs,
        policy: createPolicy(p),
        scenario: harsh,
        grid,
        seed: 5,
        audit: true,
      });
      expect(res.jobs).toHaveLength(jobs.length);
      expect(new Set(res.jobs.map((j) => j.id)).size).toBe(jobs.length);
      expect(res.summary.jobsFinished + res.summary.jobsUnfinished).toBe(jobs.length);
      for (const b of res.series.busyGpus) expect(b).toBeLessThanOrEqual(fabric.gpus);
      for (const j of res.jobs) {
        if (j.status === 'finished') expect(j.endS).not.toBeNull();
        else expect(j.reason).not.toBe('');
      }
    });
  }

  it('gives a byte-identical summary and jobs table for the same seed', () => {
    const jobs = workload(3);
    const a = simulate({
      models: loadModel,
      fabric,
      jobs,
      policy: createPolicy('priority'),
      scenario: harsh,
      grid,
      seed: 9,
    });
    const b = simulate({
      models: loadModel,
      fabric,
      jobs,
      policy: createPolicy('priority'),
      scenario: harsh,
      grid,
      seed: 9,
    });
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary));
    expect(jobsToCsv(b.jobs)).toBe(jobsToCsv(a.jobs));
    const c = simulate({
      models: loadModel,
      fabric,
      jobs,
      policy: createPolicy('priority'),
      scenario: harsh,
      grid,
      seed: 10,
    });
    expect(JSON.stringify(c.summary)).not.toBe(JSON.stringify(a.summary));
  });

  it('never runs a job outside its allowed jurisdictions under any policy (property)', () => {
    const jur = fc.constantFrom(undefined, ['US'], ['US-GA'], ['US-WI'], ['EU'], ['EU', 'US-WI']);
    // The sites each allowed list admits, written out by hand (atl US-GA, wi US-WI, fra EU-DE) rather than
    // computed by the jurisdiction rule under test.
    const admits: Record<string, string[]> = {
      any: ['atl', 'wi', 'fra'],
      US: ['atl', 'wi'],
      'US-GA': ['atl'],
      'US-WI': ['wi'],
      EU: ['fra'],
      'EU,US-WI': ['fra', 'wi'],
    };
    let placed = 0;
    const jobArb = fc.record({
      gpus: fc.constantFrom(1, 2, 4, 8, 16, 64, 100, 200),
      durationS: fc.integer({ min: 60, max: 20_000 }),
      submitTimeS: fc.integer({ min: 0, max: 50_000 }),
      allowed: jur,
      kind: fc.constantFrom('pretraining', 'finetune', 'inference') as fc.Arbitrary<JobSpec['kind']>,
      priority: fc.integer({ min: 0, max: 3 }),
      checkpointable: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(jobArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(...POLICY_NAMES),
        fc.integer({ min: 1, max: 1000 }),
        (raw, policy, seed) => {
          const jobs: JobSpec[] = raw.map((r, i) => ({
            id: `j${i}`,
            tenant: `t${i % 3}`,
            priority: r.priority,
            gpus: r.gpus,
            kind: r.kind,
            modelId: 'llama3-8b',
            preemptible: r.priority < 2,
            checkpointable: r.checkpointable,
            submitTimeS: r.submitTimeS,
            durationS: r.durationS,
            deadlineS: r.submitTimeS + 3 * r.durationS,
            ...(r.allowed ? { allowedJurisdictions: [...r.allowed] } : {}),
          }));
          const res = simulate({
            models: loadModel,
            fabric,
            jobs,
            policy: createPolicy(policy),
            scenario: harsh,
            grid,
            seed,
          });
          for (const j of res.jobs) {
            const allowed = jobs.find((x) => x.id === j.id)!.allowedJurisdictions;
            for (const s of j.sites)
              expect(admits[allowed ? allowed.join(',') : 'any'], `${j.id} on ${s}`).toContain(s);
            placed += j.sites.length;
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
    expect(placed, 'the property checked no placement at all').toBeGreaterThan(0);
  });
});
