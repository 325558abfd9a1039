// Per-class queueing of a replayed workload mix (--workload): what `simulate` and `compare` print and add to
// --json. The figures are classStats (src/workload) over the twin's job results; job ids are CLASS-N.
import type { JobResult } from '../sim/metrics.js';
import { classStats, type ClassStats } from '../workload/index.js';
import { num } from './sim-outputs.js';

/** Class id -> its figures, classes in first-seen order (a plain object, as --json writes it). */
export type ClassTable = Record<string, ClassStats>;

export function classTableOf(jobs: readonly JobResult[]): ClassTable {
  return Object.fromEntries(classStats(jobs));
}

const CLASS_COLUMNS: [string, (c: ClassStats) => string][] = [
  ['jobs', (c) => num(c.jobs)],
  ['never started', (c) => num(c.neverStarted)],
  ['queue p50 h', (c) => num(c.queueP50Hours, 2)],
  ['queue p95 h', (c) => num(c.queueP95Hours, 2)],
  ['GPU-h held', (c) => num(c.gpuHoursHeld, 1)],
];

/** One row per class (and per policy when `policy` cells are given): a text table under a title line. */
export function formatClassTable(rows: readonly { policy?: string; cls: string; stats: ClassStats }[]): string {
  const withPolicy = rows.some((r) => r.policy !== undefined);
  const head = [...(withPolicy ? ['policy'] : []), 'class', ...CLASS_COLUMNS.map((c) => c[0])];
  const cells = rows.map((r) => [
    ...(withPolicy ? [r.policy ?? ''] : []),
    r.cls,
    ...CLASS_COLUMNS.map((c) => c[1](r.stats)),
  ]);
  const left = withPolicy ? 2 : 1; // text columns, left-aligned
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (cs: string[]): string =>
    cs.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const title = 'queueing by class (before the first start; GPU-hours held include lost and restart time)';
  return [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

/** The simulate table of one run. */
export function classLines(table: ClassTable): string {
  return formatClassTable(Object.entries(table).map(([cls, stats]) => ({ cls, stats })));
}

/** The compare table: every policy's classes, policy by policy. */
export function compareClassLines(tables: readonly { policy: string; table: ClassTable }[]): string {
  return formatClassTable(
    tables.flatMap(({ policy, table }) => Object.entries(table).map(([cls, stats]) => ({ policy, cls, stats }))),
  );
}
