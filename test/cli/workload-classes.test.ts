// `simulate` and `compare` with --workload print per-class queueing (p50/p95 wait, jobs never started, GPU-hours
// held). The printed figures are checked against the run's own jobs.csv (--out): counts and GPU-hours summed here
// from the rows, the quantiles through classStats over those rows.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classStats, type ClassStats, type ReplayedJob } from '../../src/workload/index.js';
import { runCli } from './run-cli.js';

// Two days of the mix on fairwater: the frontier runs take half the fleet and the mid-size runs queue behind them.
const MIX_ARGS = ['--fabric', 'fairwater', '--workload', 'superfactory:days=2', '--horizon-days', '0'];
const SEED_ARGS = ['--workload-seed', '3', '--seed', '3'];
const CLASSES = ['eval', 'finetune', 'midsize', 'batch-inference', 'frontier'];

/** A CSV line split into cells, double-quoted cells with commas and "" inside read as one. */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  return [...cells, cur];
}

function jobsCsv(file: string): { id: string; queueS: number | null; gpuSeconds: number }[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const col = csvCells(head);
  const at = (name: string): number => {
    const i = col.indexOf(name);
    if (i < 0) throw new Error(`jobs.csv has no ${name} column`);
    return i;
  };
  const [id, queue, gpuS] = [at('id'), at('queueS'), at('gpuSeconds')];
  return rows.map((r) => {
    const c = csvCells(r);
    return { id: c[id], queueS: c[queue] === '' ? null : Number(c[queue]), gpuSeconds: Number(c[gpuS]) };
  });
}

/** The rows of the printed class table: class -> [jobs, never started, p50 h, p95 h, GPU-h held]. */
function printedClasses(stdout: string, withPolicy: string | undefined): Map<string, number[]> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('queueing by class'));
  expect(start, 'the class table title').toBeGreaterThanOrEqual(0);
  const out = new Map<string, number[]>();
  for (const l of lines.slice(start + 3)) {
    if (!l.trim() || l.startsWith('wrote ')) break;
    const cells = l.trim().split(/\s{2,}/);
    if (withPolicy !== undefined && cells.shift() !== withPolicy) continue;
    out.set(
      cells[0],
      cells.slice(1).map((c) => Number(c.replace(/,/g, ''))),
    );
  }
  return out;
}

/** A printed figure rounded to `digits` decimals is within half a unit of the last place of the exact one. */
function expectPrinted(printed: number, exact: number, digits: number, what: string): void {
  expect(Math.abs(printed - exact), `${what}: printed ${printed}, exact ${exact}`).toBeLessThanOrEqual(
    0.5 * 10 ** -digits + 1e-9,
  );
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('per-class queueing of a workload mix', () => {
  it('simulate prints every class, its figures those of the run’s jobs.csv', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'sf-classes-'));
    dirs.push(out);
    const r = runCli(['simulate', ...MIX_ARGS, ...SEED_ARGS, '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const printed = printedClasses(r.stdout, undefined);
    expect([...printed.keys()].sort()).toEqual([...CLASSES].sort());

    const rows = jobsCsv(path.join(out, 'jobs.csv'));
    const stats = classStats(rows as ReplayedJob[]);
    let someQueue = false;
    for (const cls of CLASSES) {
      const mine = rows.filter((j) => j.id.replace(/-\d+$/, '') === cls);
      const [jobs, never, p50, p95, gpuH] = printed.get(cls)!;
      expect(jobs, cls).toBe(mine.length);
      expect(never, cls).toBe(mine.filter((j) => j.queueS === null).length);
      expectPrinted(gpuH, mine.reduce((s, j) => s + j.gpuSeconds, 0) / 3600, 1, `${cls} GPU-h`);
      expectPrinted(p50, stats.get(cls)!.queueP50Hours, 2, `${cls} p50`);
      expectPrinted(p95, stats.get(cls)!.queueP95Hours, 2, `${cls} p95`);
      someQueue ||= p95 > 0;
    }
    // the run is busy enough that queueing shows: the mid-size runs wait behind the frontier runs
    expect(someQueue).toBe(true);
    expect(printed.get('midsize')![3]).toBeGreaterThan(1);
  }, 240_000);

  it('simulate --json and compare (text and --json) carry the same classes per policy', () => {
    const sim = runCli(['simulate', ...MIX_ARGS, ...SEED_ARGS, '--json']);
    expect(sim.code).toBe(0);
    const fifo = JSON.parse(sim.stdout.trim()).classes as Record<string, ClassStats>;
    expect(Object.keys(fifo).sort()).toEqual([...CLASSES].sort());
    expect(fifo.midsize.queueP95Hours).toBeGreaterThan(1);

    const cmpJson = runCli(['compare', ...MIX_ARGS, ...SEED_ARGS, '--policies', 'fifo,priority', '--json']);
    expect(cmpJson.code).toBe(0);
    const policies = JSON.parse(cmpJson.stdout.trim()).policies as Record<
      string,
      { classes: Record<string, ClassStats> }
    >;
    expect(policies.fifo.classes).toEqual(fifo); // the same run, the same figures
    expect(Object.keys(policies.priority.classes).sort()).toEqual([...CLASSES].sort());

    const cmp = runCli(['compare', ...MIX_ARGS, ...SEED_ARGS, '--policies', 'fifo,priority']);
    expect(cmp.code).toBe(0);
    for (const policy of ['fifo', 'priority']) {
      const printed = printedClasses(cmp.stdout, policy);
      expect([...printed.keys()].sort(), policy).toEqual([...CLASSES].sort());
      for (const [cls, s] of Object.entries(policies[policy].classes)) {
        const [jobs, never, p50, p95, gpuH] = printed.get(cls)!;
        expect([jobs, never], `${policy} ${cls}`).toEqual([s.jobs, s.neverStarted]);
        expectPrinted(p50, s.queueP50Hours, 2, `${policy} ${cls} p50`);
        expectPrinted(p95, s.queueP95Hours, 2, `${policy} ${cls} p95`);
        expectPrinted(gpuH, s.gpuHoursHeld, 1, `${policy} ${cls} GPU-h`);
      }
    }
  }, 480_000);

  it('a trace or synthetic workload prints no class table', () => {
    const r = runCli(['simulate', '--fabric', 'fairwater', '--synthetic', 'jobs=50', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).not.toHaveProperty('classes');
    const t = runCli(['simulate', '--fabric', 'fairwater', '--synthetic', 'jobs=50']);
    expect(t.stdout).not.toMatch(/queueing by class/);
  }, 120_000);
});
