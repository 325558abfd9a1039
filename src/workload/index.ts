// Public surface of src/workload: job specs, trace importers and the synthetic generator.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importTraceText, type ImportOptions, type TraceFormat } from './importers.js';
import type { ImportResult } from './types.js';

export * from './types.js';
export * from './importers.js';
export * from './synthetic.js';
export * from './superfactory.js';
export { classStats, type ClassStats, type ReplayedJob } from './superfactory-stats.js';
export { listWorkloadMixes, loadWorkloadMix, mixQuotaTenants, parseWorkloadArg } from './superfactory-file.js';
export { ALWAYS_CHECKPOINT_GPUS, assignAttributes, checkpointsByRule, DEFAULT_ASSIGN_RULE } from './assign.js';
export type { AssignRule, Assigned } from './assign.js';

/** Read and import a trace file (the only I/O in this folder). A missing file is an issue, not a throw. */
export function importTraceFile(format: TraceFormat, file: string, opts: ImportOptions = {}): ImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      jobs: [],
      dropped: [],
      ok: false,
      rowsRead: 0,
      issues: [
        {
          path: '--trace',
          message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          hint: 'check the path to the trace file',
        },
      ],
    };
  }
  return importTraceText(format, text, { fileName: path.basename(file), ...opts });
}
