// Trace importers: philly, alibaba2023 (openb pod list) and a generic csv with a column mapping.
// Pure functions of the file text (the CLI reads files). Bad rows are reported with their line
// number; the import stops at bad rows unless skipBadRows is set, in which case they are dropped
// and listed.
import type { InputIssue } from '../fabric/types.js';
import type { AssignRule } from './assign.js';
import { parseCsv } from './csv.js';
import { checkFields, colIndex, finish, parseTime, RowErrors, type RawJob } from './import-rows.js';
import type { ImportResult } from './types.js';

export { parseTime } from './import-rows.js';

export const TRACE_FORMATS = ['philly', 'alibaba2023', 'csv'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface ImportOptions {
  skipBadRows?: boolean;
  rule?: Partial<AssignRule>;
  /** Keep at most this many jobs (after sorting), for quick runs. */
  limit?: number;
  /** generic csv only: role -> column name (submit, duration, gpus required; tenant optional). */
  columns?: ColumnMap;
  /** Source name for messages. */
  fileName?: string;
}

export interface ColumnMap {
  submit: string;
  duration: string;
  gpus: string;
  tenant?: string;
  /** A column saying whether the job checkpoints (true/false, yes/no, 1/0). */
  checkpointable?: string;
}

const COLUMNS_HINT = 'use --columns submit=COL,duration=COL,gpus=COL[,tenant=COL][,checkpointable=COL]';

/** Parse "submit=COL,duration=COL,gpus=COL[,tenant=COL][,checkpointable=COL]". */
export function parseColumnMap(spec: string): { map?: ColumnMap; issues: InputIssue[] } {
  const out: Record<string, string> = {};
  const issues: InputIssue[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(submit|duration|gpus|tenant|checkpointable)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) {
      issues.push({ path: '--columns', message: `cannot read "${part}"`, hint: COLUMNS_HINT });
      continue;
    }
    out[m[1]] = m[2];
  }
  for (const k of ['submit', 'duration', 'gpus']) {
    if (!out[k])
      issues.push({ path: '--columns', message: `missing the ${k} column`, hint: `add ${k}=COLUMN_NAME to --columns` });
  }
  if (issues.length) return { issues };
  return {
    map: {
      submit: out.submit,
      duration: out.duration,
      gpus: out.gpus,
      ...(out.tenant ? { tenant: out.tenant } : {}),
      ...(out.checkpointable ? { checkpointable: out.checkpointable } : {}),
    },
    issues,
  };
}

/**
 * Philly (petuum/adaptdl philly.csv): timestamp, duration, num_gpus, gpu_time, cluster. Exact
 * duplicate rows are dropped (reported with the line they repeat), as are zero-duration rows.
 * The virtual cluster (VC) becomes the tenant.
 */
export function importPhilly(text: string, opts: ImportOptions = {}): ImportResult {
  const file = opts.fileName ?? 'philly.csv';
  const { header, rows } = parseCsv(text);
  const issues: InputIssue[] = [];
  const hint = 'expected the Philly columns timestamp,duration,num_gpus,gpu_time,cluster';
  const iT = colIndex(header, 'timestamp', file, issues, hint);
  const iD = colIndex(header, 'duration', file, issues, hint);
  const iG = colIndex(header, 'num_gpus', file, issues, hint);
  const iC = header.indexOf('cluster');
  if (issues.length) return { jobs: [], dropped: [], issues, ok: false, rowsRead: rows.length };
  const errs = new RowErrors(file, opts.skipBadRows ?? false);
  const seen = new Map<string, number>();
  const raw: RawJob[] = [];
  for (const row of rows) {
    if (!checkFields(row, header, errs)) continue;
    const first = seen.get(row.raw);
    if (first !== undefined) {
      errs.dropped.push({ line: row.line, reason: `duplicate of line ${first}` });
      continue;
    }
    seen.set(row.raw, row.line);
    const submit = parseTime(row.fields[iT]);
    const dur = Number(row.fields[iD]);
    const gpus = Number(row.fields[iG]);
    if (submit === null) {
      errs.bad(row.line, 'timestamp', `"${row.fields[iT]}" is not a time`, 'use YYYY-MM-DD HH:MM:SS (UTC)');
      continue;
    }
    if (!Number.isFinite(dur) || dur < 0 || row.fields[iD].trim() === '') {
      errs.bad(
        row.line,
        'duration',
        `"${row.fields[iD]}" is not a non-negative number of seconds`,
        'give the run time in seconds',
      );
      continue;
    }
    if (!Number.isInteger(gpus) || gpus <= 0) {
      errs.bad(
        row.line,
        'num_gpus',
        `"${row.fields[iG]}" is not a positive integer`,
        'give the GPU count as a whole number',
      );
      continue;
    }
    if (dur === 0) {
      errs.dropped.push({ line: row.line, reason: 'zero duration' });
      continue;
    }
    raw.push({
      line: row.line,
      submit,
      durationS: dur,
      gpus,
      ...(iC >= 0 && row.fields[iC] ? { tenant: row.fields[iC] } : {}),
    });
  }
  return finish(raw, errs, opts, 'philly', rows.length, true);
}

/**
 * Alibaba cluster-trace-gpu-v2023 openb pod list. GPU pods only (CPU-only and never-scheduled pods
 * are dropped and counted). A fractional GPU (gpu_milli < 1000) is rounded up to one whole GPU.
 * Run time = deletion_time - scheduled_time (pods still running at the trace end are cut there).
 * QoS LS (latency-sensitive) and Guaranteed become inference at priority 2; Burstable priority 1;
 * BE (best effort) priority 0 and preemptible. Tenants by the seeded rule (the trace has none).
 */
export function importAlibaba2023(text: string, opts: ImportOptions = {}): ImportResult {
  const file = opts.fileName ?? 'openb_pod_list.csv';
  const { header, rows } = parseCsv(text);
  const issues: InputIssue[] = [];
  const hint =
    'expected the openb pod list columns name,…,num_gpu,gpu_milli,…,qos,pod_phase,creation_time,deletion_time,scheduled_time';
  const iG = colIndex(header, 'num_gpu', file, issues, hint);
  const iM = colIndex(header, 'gpu_milli', file, issues, hint);
  const iQ = colIndex(header, 'qos', file, issues, hint);
  const iC = colIndex(header, 'creation_time', file, issues, hint);
  const iD = colIndex(header, 'deletion_time', file, issues, hint);
  const iS = colIndex(header, 'scheduled_time', file, issues, hint);
  if (issues.length) return { jobs: [], dropped: [], issues, ok: false, rowsRead: rows.length };
  const errs = new RowErrors(file, opts.skipBadRows ?? false);
  const raw: RawJob[] = [];
  for (const row of rows) {
    if (!checkFields(row, header, errs)) continue;
    const f = row.fields;
    const ng = Number(f[iG]);
    const milli = Number(f[iM]);
    if (!Number.isFinite(ng) || ng < 0) {
      errs.bad(row.line, 'num_gpu', `"${f[iG]}" is not a GPU count`, 'give a non-negative integer');
      continue;
    }
    if (ng === 0) {
      errs.dropped.push({ line: row.line, reason: 'CPU-only pod' });
      continue;
    }
    if (f[iS].trim() === '') {
      errs.dropped.push({ line: row.line, reason: 'never scheduled (pending)' });
      continue;
    }
    const c = Number(f[iC]);
    const d = Number(f[iD]);
    const s = Number(f[iS]);
    if (![c, d, s].every(Number.isFinite)) {
      errs.bad(
        row.line,
        'creation_time/deletion_time/scheduled_time',
        'not numbers',
        'times are seconds from trace start',
      );
      continue;
    }
    if (d - s <= 0) {
      errs.dropped.push({ line: row.line, reason: 'zero duration' });
      continue;
    }
    // a fractional share (gpu_milli < 1000) still occupies one whole GPU here
    const gpus = Number.isFinite(milli) && milli > 0 && milli < 1000 ? Math.max(1, ng) : ng;
    const q = f[iQ];
    const kind = q === 'LS' || q === 'Guaranteed' ? 'inference' : 'finetune';
    const priority = kind === 'inference' ? 2 : q === 'Burstable' ? 1 : 0;
    raw.push({ line: row.line, submit: c, durationS: d - s, gpus: Math.ceil(gpus), kind, priority });
  }
  return finish(raw, errs, opts, 'alibaba', rows.length, false);
}

/** Generic CSV: the user maps submit, duration, gpus (and optionally tenant) to column names. */
export function importCsv(text: string, opts: ImportOptions = {}): ImportResult {
  const file = opts.fileName ?? 'trace.csv';
  const cols = opts.columns;
  if (!cols) {
    return {
      jobs: [],
      dropped: [],
      issues: [
        {
          path: '--columns',
          message: 'the csv format needs a column mapping',
          hint: 'pass --columns submit=COL,duration=COL,gpus=COL[,tenant=COL]',
        },
      ],
      ok: false,
      rowsRead: 0,
    };
  }
  const { header, rows } = parseCsv(text);
  const issues: InputIssue[] = [];
  const hint = 'check --columns against the header line of the file';
  const iS = colIndex(header, cols.submit, file, issues, hint);
  const iD = colIndex(header, cols.duration, file, issues, hint);
  const iG = colIndex(header, cols.gpus, file, issues, hint);
  const iT = cols.tenant ? colIndex(header, cols.tenant, file, issues, hint) : -1;
  const iC = cols.checkpointable ? colIndex(header, cols.checkpointable, file, issues, hint) : -1;
  if (issues.length) return { jobs: [], dropped: [], issues, ok: false, rowsRead: rows.length };
  const errs = new RowErrors(file, opts.skipBadRows ?? false);
  const raw: RawJob[] = [];
  let absolute = false;
  for (const row of rows) {
    if (!checkFields(row, header, errs)) continue;
    const f = row.fields;
    const sub = parseTime(f[iS]);
    if (sub === null) {
      errs.bad(
        row.line,
        cols.submit,
        `"${f[iS]}" is neither seconds nor an ISO time`,
        'use seconds or e.g. 2024-03-01T12:00:00Z',
      );
      continue;
    }
    if (!/^-?[\d.]+([eE][+-]?\d+)?$/.test(f[iS].trim())) absolute = true;
    const dur = Number(f[iD]);
    if (f[iD].trim() === '' || !Number.isFinite(dur) || dur <= 0) {
      errs.bad(
        row.line,
        cols.duration,
        `"${f[iD]}" is not a positive number of seconds`,
        'give the run time in seconds',
      );
      continue;
    }
    const g = Number(f[iG]);
    if (f[iG].trim() === '' || !Number.isInteger(g) || g <= 0) {
      errs.bad(row.line, cols.gpus, `"${f[iG]}" is not a positive integer`, 'give the GPU count as a whole number');
      continue;
    }
    const ckpt = iC >= 0 ? parseFlag(f[iC]) : undefined;
    if (ckpt === null) {
      errs.bad(row.line, cols.checkpointable!, `"${f[iC]}" is not a yes/no value`, 'use true/false, yes/no or 1/0');
      continue;
    }
    raw.push({
      line: row.line,
      submit: sub,
      durationS: dur,
      gpus: g,
      ...(iT >= 0 && f[iT].trim() ? { tenant: f[iT].trim() } : {}),
      ...(ckpt !== undefined ? { checkpointable: ckpt } : {}),
    });
  }
  return finish(raw, errs, opts, 'csv', rows.length, absolute);
}

/** true/false, yes/no, 1/0 (any case); an empty cell is undefined (the rule decides); anything else null. */
function parseFlag(cell: string): boolean | undefined | null {
  const v = cell.trim().toLowerCase();
  if (v === '') return undefined;
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return null;
}

export function importTraceText(format: TraceFormat, text: string, opts: ImportOptions = {}): ImportResult {
  switch (format) {
    case 'philly':
      return importPhilly(text, opts);
    case 'alibaba2023':
      return importAlibaba2023(text, opts);
    case 'csv':
      return importCsv(text, opts);
  }
}
