// Importer for the Azure LLM inference trace 2023 (Patel et al., Splitwise, ISCA 2024; CC-BY-4.0; shipped in
// data/traces/azure-llm-2023-{conv,code}.csv). Columns TIMESTAMP ("2023-11-16 18:15:46.6805900", UTC),
// ContextTokens (prompt), GeneratedTokens (output). Pure: the text comes in, typed arrays go out (a million requests
// as objects would dominate the inference twin's memory).
import type { InputIssue } from '../core/issues.js';
import { parseTime } from './import-rows.js';

export const REQUEST_TRACE_FORMATS = ['azure-llm'] as const;
export type RequestTraceFormat = (typeof REQUEST_TRACE_FORMATS)[number];

/** Requests sorted by arrival, arrival 0 at the first one. */
export interface RequestTrace {
  arrivalS: Float64Array;
  promptTokens: Int32Array;
  outputTokens: Int32Array;
  /** Epoch seconds (UTC) of the first request: the edge maps it onto the grid series' hour of the year. */
  startEpochS: number;
  /** Last arrival minus first, s. */
  spanS: number;
}

export interface RequestTraceResult {
  trace: RequestTrace | null;
  issues: InputIssue[];
}

const HINT_FILE = 'use the Azure LLM inference trace 2023 layout: TIMESTAMP,ContextTokens,GeneratedTokens';
const MAX_ISSUES = 20;

/** Parse an Azure LLM inference trace; every bad row is an issue `FILE:LINE: COLUMN` (the first 20 are kept). */
export function parseAzureLlmTrace(text: string, fileName = 'trace'): RequestTraceResult {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const issues: InputIssue[] = [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0)
      issues.push({
        path: `${fileName}:1: ${name}`,
        message: `column "${name}" not found (have: ${header.join(', ') || 'nothing'})`,
        hint: HINT_FILE,
      });
    return i;
  };
  const iT = col('TIMESTAMP');
  const iP = col('ContextTokens');
  const iO = col('GeneratedTokens');
  if (issues.length) return { trace: null, issues };

  const n = lines.length;
  const at = new Float64Array(n);
  const prompt = new Int32Array(n);
  const output = new Int32Array(n);
  let k = 0;
  let sorted = true;
  for (let li = 1; li < n && issues.length < MAX_ISSUES; li++) {
    const line = lines[li];
    if (line.trim() === '') continue;
    const f = line.split(',');
    const bad = (column: string, message: string, hint: string): void => {
      issues.push({ path: `${fileName}:${li + 1}: ${column}`, message, hint });
    };
    const t = parseTime(f[iT] ?? '');
    if (t === null) {
      bad('TIMESTAMP', `"${f[iT] ?? ''}" is not a time`, 'write it as YYYY-MM-DD HH:MM:SS[.fraction] (UTC)');
      continue;
    }
    const p = Number(f[iP]);
    if (!Number.isInteger(p) || p < 1) {
      bad('ContextTokens', `"${f[iP] ?? ''}" is not a whole number >= 1`, 'prompt tokens must be a positive integer');
      continue;
    }
    const o = Number(f[iO]);
    if (!Number.isInteger(o) || o < 1) {
      bad('GeneratedTokens', `"${f[iO] ?? ''}" is not a whole number >= 1`, 'output tokens must be a positive integer');
      continue;
    }
    if (k > 0 && t < at[k - 1]) sorted = false;
    at[k] = t;
    prompt[k] = p;
    output[k] = o;
    k++;
  }
  if (issues.length) return { trace: null, issues };
  if (k === 0)
    return { trace: null, issues: [{ path: `${fileName}:2`, message: 'the trace has no requests', hint: HINT_FILE }] };
  return { trace: sortAndRebase(at.slice(0, k), prompt.slice(0, k), output.slice(0, k), sorted), issues };
}

/** Arrival 0 at the first request; rows sorted by time (stable) when the file was not. */
function sortAndRebase(at: Float64Array, prompt: Int32Array, output: Int32Array, sorted: boolean): RequestTrace {
  let a = at;
  let p = prompt;
  let o = output;
  if (!sorted) {
    const order = Array.from(at.keys()).sort((x, y) => at[x] - at[y] || x - y);
    a = Float64Array.from(order, (i) => at[i]);
    p = Int32Array.from(order, (i) => prompt[i]);
    o = Int32Array.from(order, (i) => output[i]);
  }
  const t0 = a[0];
  for (let i = 0; i < a.length; i++) a[i] -= t0;
  return { arrivalS: a, promptTokens: p, outputTokens: o, startEpochS: t0, spanS: a[a.length - 1] };
}

/** Parse a request trace of a named format; an unknown format is an issue naming the flag. */
export function parseRequestTrace(format: string, text: string, fileName = 'trace'): RequestTraceResult {
  if (format === 'azure-llm') return parseAzureLlmTrace(text, fileName);
  return {
    trace: null,
    issues: [
      {
        path: '--trace-format',
        message: `unknown request trace format "${format}"`,
        hint: `use one of ${REQUEST_TRACE_FORMATS.join(', ')}`,
      },
    ],
  };
}

/**
 * The trace with its rate scaled (arrival times divided by `rateScale`) and tiled `repeat` times back to back
 * (each copy starts one mean inter-arrival gap after the previous one ends), for load studies and the 1M-request
 * bench. Issues name the option when a value is not a positive number.
 */
export function scaleTrace(trace: RequestTrace, rateScale = 1, repeat = 1): RequestTraceResult {
  const issues: InputIssue[] = [];
  if (!(Number.isFinite(rateScale) && rateScale > 0))
    issues.push({
      path: '--rate-scale',
      message: `${rateScale} is not a positive number`,
      hint: 'pass e.g. --rate-scale 2',
    });
  if (!(Number.isInteger(repeat) && repeat >= 1))
    issues.push({ path: '--repeat', message: `${repeat} is not a whole number >= 1`, hint: 'pass e.g. --repeat 10' });
  if (issues.length) return { trace: null, issues };
  const n = trace.arrivalS.length;
  const gapS = n > 1 ? trace.spanS / (n - 1) : 1;
  const periodS = (trace.spanS + gapS) / rateScale;
  const at = new Float64Array(n * repeat);
  const p = new Int32Array(n * repeat);
  const o = new Int32Array(n * repeat);
  for (let r = 0; r < repeat; r++) {
    const off = r * n;
    for (let i = 0; i < n; i++) at[off + i] = r * periodS + trace.arrivalS[i] / rateScale;
    p.set(trace.promptTokens, off);
    o.set(trace.outputTokens, off);
  }
  return {
    trace: { arrivalS: at, promptTokens: p, outputTokens: o, startEpochS: trace.startEpochS, spanS: at[at.length - 1] },
    issues,
  };
}
