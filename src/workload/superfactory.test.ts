import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../perf/index.js';
import {
  classOfJobId,
  classStats,
  generateSuperfactory,
  loadWorkloadMix,
  mixQuotaTenants,
  parseWorkloadArg,
  parseWorkloadMix,
  type WorkloadMix,
} from './index.js';

const shipped = (): WorkloadMix => {
  const m = loadWorkloadMix('superfactory');
  expect(m.issues).toEqual([]);
  return m.mix!;
};

const gen = (mix: WorkloadMix, o: Parameters<typeof generateSuperfactory>[2] = {}) => {
  const g = generateSuperfactory(mix, loadModel, o);
  expect(g.issues).toEqual([]);
  return g.workload!;
};

/** Four binomial standard errors: the tolerance of an observed share p over n draws. */
const tol = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n);

describe('superfactory workload mix', () => {
  it('the shipped mix is valid and names a source or an assumption for its classes', () => {
    const mix = shipped();
    expect(mix.classes.map((c) => c.id)).toEqual(['frontier', 'midsize', 'finetune', 'eval', 'batch-inference']);
    expect(Object.keys(mix.sources ?? {})).toEqual(expect.arrayContaining(['LLAMA3', 'ACME24', 'ACME-SUMMARY']));
    const frontier = mix.classes[0];
    expect(frontier.runs).toBeGreaterThan(0);
    expect(Math.min(...frontier.gpus.values)).toBeGreaterThanOrEqual(16_384); // tens of thousands of GPUs
  });

  it('is deterministic per seed, and a different seed gives a different job list', () => {
    const mix = shipped();
    const a = gen(mix, { seed: 7, days: 2 }).jobs;
    expect(gen(mix, { seed: 7, days: 2 }).jobs).toEqual(a);
    expect(gen(mix, { seed: 8, days: 2 }).jobs).not.toEqual(a);
  });

  it('draws the open classes, GPU counts and median durations the data file states (20,000 jobs)', () => {
    const mix = shipped();
    const n = 20_000;
    const jobs = gen(mix, { jobs: n, seed: 3 }).jobs.filter((j) => !j.id.startsWith('frontier'));
    expect(jobs).toHaveLength(n);
    for (const c of mix.classes.filter((x) => x.share !== undefined)) {
      const mine = jobs.filter((j) => classOfJobId(j.id) === c.id);
      expect(Math.abs(mine.length / n - c.share!), `${c.id} share`).toBeLessThan(tol(c.share!, n));
      const wsum = c.gpus.weights.reduce((s, w) => s + w, 0);
      c.gpus.values.forEach((g, k) => {
        const p = c.gpus.weights[k] / wsum;
        const seen = mine.filter((j) => j.gpus === g).length / mine.length;
        expect(Math.abs(seen - p), `${c.id} ${g} GPUs`).toBeLessThan(tol(p, mine.length));
      });
      // median of a log-normal sample: standard error of log(median) is 1.2533 sigma / sqrt(n)
      const hours = mine.map((j) => j.durationS! / 3600).sort((a, b) => a - b);
      const median = hours[Math.floor(hours.length / 2)];
      const factor = Math.exp((4 * 1.2533 * c.hours.sigma) / Math.sqrt(mine.length));
      expect(median, `${c.id} median hours`).toBeGreaterThan(c.hours.median / factor);
      expect(median, `${c.id} median hours`).toBeLessThan(c.hours.median * factor);
      expect(Math.min(...hours)).toBeGreaterThanOrEqual(c.hours.min - 1 / 3600);
      expect(Math.max(...hours)).toBeLessThanOrEqual(c.hours.max + 1 / 3600);
      for (const j of mine) expect(c.models).toContain(j.modelId);
    }
  });

  it('offers targetLoad x the fleet over the window, frontier runs included (one year of arrivals)', () => {
    const mix = shipped();
    const days = 365;
    const w = gen(mix, { days, seed: 5, targetLoad: 0.8 });
    const windowS = days * 86_400;
    let gpuSeconds = 0;
    for (const j of w.jobs) {
      const end = j.id.startsWith('frontier') ? Math.min(windowS, j.submitTimeS + j.durationS!) : Infinity;
      gpuSeconds += j.gpus * (Number.isFinite(end) ? end - j.submitTimeS : j.durationS!);
    }
    // The open work is a compound Poisson sum dominated by mid-size runs (per-job CV^2 about 6.5, about 10,000
    // of them in a year): one standard deviation is about 2.5% of the open load, so 10% is four of them.
    expect(gpuSeconds / (w.fleetGpus * windowS)).toBeGreaterThan(0.8 * 0.9);
    expect(gpuSeconds / (w.fleetGpus * windowS)).toBeLessThan(0.8 * 1.1);
    expect(w.fixedGpus + w.openGpus).toBeCloseTo(0.8 * w.fleetGpus, 0);
  });

  it('keeps each open job’s attributes when only the arrival rate changes (own streams)', () => {
    const mix = shipped();
    const strip = (rate: number) =>
      gen(mix, { jobs: 300, ratePerHour: rate })
        .jobs.filter((j) => !j.id.startsWith('frontier'))
        .sort((a, b) => Number(a.id.split('-').pop()) - Number(b.id.split('-').pop()))
        .map((j) => [j.id, j.gpus, j.modelId, j.durationS, j.tenant]);
    const slow = strip(10);
    expect(strip(40)).toEqual(slow);
    const t = (rate: number) => gen(mix, { jobs: 300, ratePerHour: rate }).jobs.at(-1)!.submitTimeS;
    expect(t(40)).toBeLessThan(t(10) / 2);
  });

  it('gives frontier runs their GPUs for good and every training job of 256+ GPUs a checkpoint', () => {
    const w = gen(shipped(), { days: 7 });
    const frontier = w.jobs.filter((j) => j.id.startsWith('frontier'));
    expect(frontier).toHaveLength(2);
    for (const j of frontier)
      expect(j).toMatchObject({ preemptible: false, checkpointable: true, kind: 'pretraining' });
    for (const j of w.jobs.filter((x) => x.kind !== 'inference' && x.gpus >= 256)) expect(j.checkpointable).toBe(true);
  });

  it('leaves out a class whose GPU counts all exceed maxGpus, and says so', () => {
    const w = gen(shipped(), { days: 1, fleetGpus: 8192, maxGpus: 8192 });
    expect(w.jobs.some((j) => j.id.startsWith('frontier'))).toBe(false);
    expect(w.notes).toEqual(['class frontier left out: every GPU count of it is above 8192']);
    expect(Math.max(...w.jobs.map((j) => j.gpus))).toBeLessThanOrEqual(8192);
  });
});

describe('superfactory workload: bad input names the field', () => {
  const raw = (): Record<string, unknown> => JSON.parse(JSON.stringify(shipped()));
  const classes = (m: Record<string, unknown>) => m.classes as Record<string, unknown>[];

  it('open shares that do not sum to 1', () => {
    const m = raw();
    classes(m)[3].share = 0.5;
    const r = parseWorkloadMix(m, 'x.yaml: ');
    expect(r.mix).toBeUndefined();
    expect(r.issues[0].path).toBe('x.yaml: classes[].share');
    expect(r.issues[0].message).toMatch(/sum to 0\.6500, not 1/);
  });

  it('a missing median, both share and runs, and a weight count that does not match', () => {
    const m = raw();
    delete (classes(m)[1].hours as Record<string, unknown>).median;
    classes(m)[0].share = 0.1;
    (classes(m)[2].gpus as Record<string, unknown>).weights = [1, 2];
    const paths = parseWorkloadMix(m).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['classes[1].hours.median', 'classes[0].share', 'classes[2].gpus.weights']),
    );
  });

  it('an unknown model, and a GPU count no listed model fits', () => {
    const m = raw();
    classes(m)[2].models = ['llama3-8b', 'no-such-model'];
    const a = generateSuperfactory(parseWorkloadMix(m).mix!, loadModel);
    expect(a.issues[0].path).toBe('classes[2].models[1]');
    const b = raw();
    classes(b)[3].models = ['llama3-70b']; // 1.1 TB of model states on 1-8 GPUs
    const r = generateSuperfactory(parseWorkloadMix(b).mix!, loadModel);
    expect(r.issues[0]).toMatchObject({ path: 'classes[3].gpus.values[0]' });
    expect(r.issues[0].message).toMatch(/no model of eval fits 1 GPUs/);
  });

  it('overrides that are not positive numbers', () => {
    const r = generateSuperfactory(shipped(), loadModel, { days: 0, jobs: 2.5, seed: -1, targetLoad: Number.NaN });
    expect(r.issues.map((i) => i.path)).toEqual(['days', 'jobs', 'seed', 'targetLoad']);
    expect(r.issues[1].hint).toBe('give jobs a whole number above 0');
  });

  it('a target load the frontier runs alone exceed', () => {
    const r = generateSuperfactory(shipped(), loadModel, { targetLoad: 0.2 });
    expect(r.workload).toBeUndefined();
    expect(r.issues[0].path).toBe('targetLoad');
    expect(r.issues[0].hint).toMatch(/raise targetLoad/);
  });

  it('overrides on the flag: unknown keys and bad numbers', () => {
    expect(parseWorkloadArg('superfactory:days=3,targetLoad=0.9')).toEqual({
      name: 'superfactory',
      overrides: { days: 3, targetLoad: 0.9 },
      issues: [],
    });
    const bad = parseWorkloadArg('superfactory:dayz=3,jobs=1.5,seed=-1').issues;
    expect(bad.map((i) => i.path)).toEqual([
      '--workload superfactory',
      '--workload superfactory: jobs',
      '--workload superfactory: seed',
    ]);
    expect(bad[0].hint).toMatch(/keys seed, days, targetLoad, ratePerHour, jobs, maxGpus/);
  });

  it('an unknown mix name lists the shipped ones; a folder, an empty file and broken YAML say so', () => {
    const r = loadWorkloadMix('nosuch');
    expect(r.issues[0].path).toBe('--workload');
    expect(r.issues[0].hint).toBe('use one of superfactory or a file path'); // the quota scenario is not a mix
    const dir = mkdtempSync(join(tmpdir(), 'sf-mix-'));
    expect(loadWorkloadMix(dir).issues[0].message).toMatch(/is a folder, not a file/);
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(loadWorkloadMix(join(dir, 'empty.yaml')).issues[0].path).toMatch(/^empty\.yaml: /);
    writeFileSync(join(dir, 'bad.yaml'), 'classes: [\n');
    expect(loadWorkloadMix(join(dir, 'bad.yaml')).issues[0]).toMatchObject({ path: 'bad.yaml' });
    expect(loadWorkloadMix(join(dir, 'bad.yaml')).issues[0].message).toMatch(/not valid YAML/);
  });
});

describe('the quota scenario beside the mix', () => {
  it('gives the mix’s tenants quotas that add up to fairwater, the frontier lab one site’s worth', () => {
    const tenants = mixQuotaTenants('superfactory') as { id: string; quotaGpus: number }[];
    const mixTenants = new Set(shipped().classes.flatMap((c) => c.tenants));
    expect(new Set(tenants.map((t) => t.id))).toEqual(mixTenants);
    expect(tenants.reduce((s, t) => s + t.quotaGpus, 0)).toBe(100_800);
    expect(tenants.find((t) => t.id === 'frontier-lab')?.quotaGpus).toBe(50_400);
    expect(mixQuotaTenants('nosuch')).toBeUndefined();
  });
});

describe('classStats', () => {
  it('queueing quantiles by class over the jobs that started', () => {
    const jobs = [
      ...Array.from({ length: 20 }, (_, i) => ({ id: `eval-${i}`, gpus: 1, queueS: i * 360, gpuSeconds: 1800 })),
      { id: 'midsize-20', gpus: 512, queueS: null, gpuSeconds: 0 },
      { id: 'midsize-21', gpus: 512, queueS: 7200, gpuSeconds: 512 * 5400 },
    ];
    const s = classStats(jobs);
    expect(s.get('eval')).toMatchObject({ jobs: 20, neverStarted: 0, queueP50Hours: 0.9, queueP95Hours: 1.8 });
    expect(s.get('eval')?.gpuHoursHeld).toBeCloseTo(10, 9); // 20 jobs x half an hour
    expect(s.get('midsize')).toMatchObject({ jobs: 2, neverStarted: 1, queueP50Hours: 2, queueMeanHours: 2 });
    expect(s.get('midsize')?.gpuHoursHeld).toBeCloseTo(768, 9); // 512 GPUs x 1.5 h
  });
});
