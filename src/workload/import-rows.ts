// What the trace importers share: time parsing, per-row error collection (stop or drop and list),
// header lookup, and turning raw rows into sorted JobSpecs with the seeded attribute rule.
import type { InputIssue } from '../fabric/types.js';
import { assignAttributes, DEFAULT_ASSIGN_RULE, type AssignRule } from './assign.js';
import type { CsvRow } from './csv.js';
import type { ImportOptions } from './importers.js';
import type { DroppedRow, ImportResult, JobSpec } from './types.js';

/** Seconds, or an ISO-8601 / "YYYY-MM-DD HH:MM:SS" time (UTC unless a zone is given) as epoch seconds. */
export function parseTime(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac, zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se) + (frac ? Number('0.' + frac) * 1000 : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const z = zone.slice(1).replace(':', '');
    ms -= sign * (Number(z.slice(0, 2)) * 60 + Number(z.slice(2, 4))) * 60_000;
  }
  if (!Number.isFinite(ms)) return null;
  return ms / 1000;
}

export interface RawJob {
  line: number;
  submit: number;
  durationS: number;
  gpus: number;
  tenant?: string;
  kind?: JobSpec['kind'];
  priority?: number;
  /** From a trace column; absent: the attribute rule decides. */
  checkpointable?: boolean;
}

export class RowErrors {
  issues: InputIssue[] = [];
  dropped: DroppedRow[] = [];
  constructor(
    private file: string,
    private skip: boolean,
  ) {}
  bad(line: number, column: string, message: string, hint: string): void {
    if (this.skip) this.dropped.push({ line, reason: `bad ${column}: ${message}` });
    else this.issues.push({ path: `${this.file}:${line}: ${column}`, message, hint });
  }
}

export function colIndex(header: string[], name: string, file: string, issues: InputIssue[], hint: string): number {
  const i = header.indexOf(name);
  if (i < 0)
    issues.push({
      path: `${file}:1: header`,
      message: `column "${name}" not found (have: ${header.join(', ')})`,
      hint,
    });
  return i;
}

export function finish(
  raw: RawJob[],
  errs: RowErrors,
  opts: ImportOptions,
  prefix: string,
  rowsRead: number,
  absolute: boolean,
): ImportResult {
  if (errs.issues.length > 0) return { jobs: [], dropped: errs.dropped, issues: errs.issues, ok: false, rowsRead };
  raw.sort((a, b) => a.submit - b.submit || a.line - b.line);
  const start = raw.length ? raw[0].submit : 0;
  const rule: AssignRule = { ...DEFAULT_ASSIGN_RULE, ...opts.rule };
  const n = opts.limit !== undefined ? Math.min(opts.limit, raw.length) : raw.length;
  const jobs: JobSpec[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = raw[i];
    const submitTimeS = r.submit - start;
    const a = assignAttributes(r.line, r.gpus, r.durationS, submitTimeS, rule, {
      ...(r.tenant ? { tenant: r.tenant } : {}),
      ...(r.kind ? { kind: r.kind } : {}),
    });
    const j: JobSpec = {
      id: `${prefix}-${r.line}`,
      tenant: a.tenant,
      priority: r.priority ?? a.priority,
      gpus: r.gpus,
      kind: a.kind,
      modelId: a.modelId,
      preemptible: r.priority !== undefined ? r.priority === 0 && a.kind !== 'inference' : a.preemptible,
      checkpointable: r.checkpointable ?? a.checkpointable,
      submitTimeS,
      durationS: r.durationS,
      sourceLine: r.line,
    };
    if (a.allowedJurisdictions) j.allowedJurisdictions = a.allowedJurisdictions;
    if (a.deadlineS !== undefined) j.deadlineS = a.deadlineS;
    jobs[i] = j;
  }
  const res: ImportResult = {
    jobs,
    dropped: errs.dropped.sort((a, b) => a.line - b.line),
    issues: [],
    ok: true,
    rowsRead,
  };
  if (absolute && raw.length) res.traceStartIso = new Date(start * 1000).toISOString();
  return res;
}

export function checkFields(row: CsvRow, header: string[], errs: RowErrors): boolean {
  if (row.fields.length === 0) {
    errs.dropped.push({ line: row.line, reason: 'blank line' });
    return false;
  }
  if (row.fields.length !== header.length) {
    errs.bad(
      row.line,
      'row',
      `has ${row.fields.length} fields, the header has ${header.length}`,
      'fix the row or pass --skip-bad-rows',
    );
    return false;
  }
  return true;
}
