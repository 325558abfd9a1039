import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  generateSynthetic,
  importAlibaba2023,
  importCsv,
  importPhilly,
  parseColumnMap,
  parseSyntheticSpec,
  parseTime,
  validateJobs,
} from '../../src/workload/index.js';
import { loadModel } from '../../src/perf/index.js';
import { sharedDir } from '../../src/sim/paths.js';
import { traceDataPath } from '../../src/data-dir.js';

describe('philly importer', () => {
  const text = [
    'timestamp,duration,num_gpus,gpu_time,cluster',
    '2017-10-09 07:01:55,66.0,1,66.0,vcA',
    '2017-10-09 06:13:03,2951.0,2,5902.0,vcB',
    '2017-10-09 07:01:55,66.0,1,66.0,vcA',
    '2017-10-09 06:00:00,abc,1,0,vcB',
    '2017-10-09 05:00:00,10,0,0,vcB',
    '',
  ].join('\n');

  it('reports a malformed row with its line number and stops without skipBadRows', () => {
    const r = importPhilly(text);
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.path)).toEqual(['philly.csv:5: duration', 'philly.csv:6: num_gpus']);
  });

  it('drops bad rows and duplicates with reasons when skipBadRows is set, and sorts by submit time', () => {
    const r = importPhilly(text, { skipBadRows: true });
    expect(r.ok).toBe(true);
    expect(r.jobs.map((j) => j.sourceLine)).toEqual([3, 2]);
    expect(r.jobs[0].submitTimeS).toBe(0);
    expect(r.jobs[1].submitTimeS).toBe(2932);
    expect(r.jobs[0].tenant).toBe('vcB');
    expect(r.dropped).toEqual([
      { line: 4, reason: 'duplicate of line 2' },
      { line: 5, reason: expect.stringContaining('bad duration') },
      { line: 6, reason: expect.stringContaining('bad num_gpus') },
    ]);
    expect(r.traceStartIso).toBe('2017-10-09T06:13:03.000Z');
  });

  it('assigns the same model and flags for the same seed', () => {
    const a = importPhilly(text, { skipBadRows: true, rule: { seed: 7 } });
    const b = importPhilly(text, { skipBadRows: true, rule: { seed: 7 } });
    expect(a.jobs).toEqual(b.jobs);
  });

  // Shipped with the project (data/traces/README.md): this test always runs.
  const real = traceDataPath('philly_pollux.csv');
  it('imports the real Philly trace and reports its 65 duplicates', () => {
    const r = importPhilly(readFileSync(real, 'utf8'));
    expect(r.ok).toBe(true);
    const dups = r.dropped.filter((d) => d.reason.startsWith('duplicate')).length;
    expect(dups).toBe(65);
    expect(r.dropped.filter((d) => d.reason === 'blank line')).toHaveLength(1);
    expect(r.jobs.length + r.dropped.length - 1).toBe(82_247);
    for (let i = 1; i < r.jobs.length; i++)
      expect(r.jobs[i].submitTimeS).toBeGreaterThanOrEqual(r.jobs[i - 1].submitTimeS);
  });
});

describe('alibaba2023 importer', () => {
  it('keeps GPU pods, drops CPU-only and pending ones, and maps QoS to kind and priority', () => {
    const text = [
      'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time',
      'p0,1000,1,1,500,,LS,Running,10,110,20',
      'p1,1000,1,0,0,,BE,Running,10,110,20',
      'p2,1000,1,8,1000,,BE,Pending,30,40,',
      'p3,1000,1,8,1000,,BE,Succeeded,50,1050,60',
    ].join('\n');
    const r = importAlibaba2023(text);
    expect(r.ok).toBe(true);
    expect(r.jobs.map((j) => [j.gpus, j.kind, j.priority, j.durationS, j.submitTimeS])).toEqual([
      [1, 'inference', 2, 90, 0],
      [8, 'finetune', 0, 990, 40],
    ]);
    expect(r.dropped.map((d) => d.reason)).toEqual(['CPU-only pod', 'never scheduled (pending)']);
  });
});

describe('generic csv importer', () => {
  it('maps columns, reads ISO submit times and names the bad field with its line', () => {
    const text = 'when,secs,n,team\n2024-01-01T00:00:10Z,100,4,a\n2024-01-01T00:00:00Z,50,x,b\n';
    const cols = parseColumnMap('submit=when,duration=secs,gpus=n,tenant=team');
    expect(cols.issues).toEqual([]);
    const bad = importCsv(text, { columns: cols.map! });
    expect(bad.ok).toBe(false);
    expect(bad.issues[0].path).toBe('trace.csv:3: n');
    const ok = importCsv(text, { columns: cols.map!, skipBadRows: true });
    expect(ok.jobs).toHaveLength(1);
    expect(ok.jobs[0].tenant).toBe('a');
  });

  it('rejects a column map that lacks gpus with a hint', () => {
    const r = parseColumnMap('submit=a,duration=b');
    expect(r.issues[0].message).toContain('gpus');
  });

  it('reads seconds and ISO times', () => {
    expect(parseTime('12.5')).toBe(12.5);
    expect(parseTime('1970-01-01 00:01:00')).toBe(60);
    expect(parseTime('1970-01-01T01:00:00+01:00')).toBe(0);
    expect(parseTime('yesterday')).toBeNull();
  });
});

describe('synthetic generator', () => {
  it('is deterministic for a seed and respects the size cap', () => {
    const { spec } = parseSyntheticSpec('jobs=500,arrival=bursty,maxGpus=256,seed=3');
    const a = generateSynthetic(spec!, loadModel);
    const b = generateSynthetic(spec!, loadModel);
    expect(a).toEqual(b);
    expect(a).toHaveLength(500);
    expect(Math.max(...a.map((j) => j.gpus))).toBeLessThanOrEqual(256);
    for (let i = 1; i < a.length; i++) expect(a[i].submitTimeS).toBeGreaterThanOrEqual(a[i - 1].submitTimeS);
  });

  it('names the bad key of a synthetic spec', () => {
    const r = parseSyntheticSpec('jobs=-5');
    expect(r.issues[0].path).toBe('--synthetic jobs');
  });
});

describe('job spec validation', () => {
  it('names the bad field of a job given as JSON', () => {
    const r = validateJobs([
      {
        id: 'a',
        tenant: 't',
        priority: 0,
        gpus: 0,
        kind: 'training',
        modelId: 'm',
        preemptible: true,
        checkpointable: true,
        submitTimeS: 0,
        durationS: 5,
      },
    ]);
    expect(r.issues.map((i) => i.path).sort()).toEqual(['jobs[0].gpus', 'jobs[0].kind']);
  });
});

describe('real alibaba openb trace', () => {
  const f = path.join(sharedDir(), 'data/alibaba/v2023_openb_pod_list_default.csv');
  // The trace has no licence file, so the project does not ship it; the test runs where the shared collection is.
  const present = existsSync(f);
  if (!present) console.log(`[alibaba trace] skipping: ${f} not found (set SUPERFACTORY_SHARED_DIR to a copy)`);
  it.skipIf(!present)('imports the GPU pods and accounts for every row', () => {
    const r = importAlibaba2023(readFileSync(f, 'utf8'));
    expect(r.ok).toBe(true);
    expect(r.jobs.length + r.dropped.length).toBe(8152);
    expect(r.dropped.filter((d) => d.reason === 'CPU-only pod')).toHaveLength(1088);
  });
});
