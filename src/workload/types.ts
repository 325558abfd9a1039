// Job specs: the workload a simulation replays. A JobSpec is a sched JobRequest plus provenance.
import { z } from 'zod';
import { zodIssues } from '../core/issues.js';
import type { InputIssue } from '../fabric/types.js';
import type { JobRequest } from '../sched/types.js';

export const JOB_KINDS = ['pretraining', 'finetune', 'inference'] as const;

export const jobSpecSchema = z
  .object({
    id: z.string().min(1),
    tenant: z.string().min(1),
    priority: z.number().finite(),
    gpus: z.number().int().positive(),
    kind: z.enum(JOB_KINDS),
    modelId: z.string().min(1),
    allowedJurisdictions: z.array(z.string().min(1)).optional(),
    preemptible: z.boolean(),
    checkpointable: z.boolean(),
    checkpointIntervalS: z.number().finite().positive().optional(),
    submitTimeS: z.number().finite().nonnegative(),
    deadlineS: z.number().finite().optional(),
    durationS: z.number().finite().positive().optional(),
    tokens: z.number().finite().positive().optional(),
    allowMultiSite: z.boolean().optional(),
    datasetGB: z.number().finite().positive().optional(),
    datasetSites: z.array(z.string().min(1)).min(1).optional(),
    sourceLine: z.number().int().positive().optional(),
  })
  .refine((j) => (j.datasetGB === undefined) === (j.datasetSites === undefined), {
    message: 'datasetGB and datasetSites go together',
    path: ['datasetSites'],
  })
  .refine((j) => j.durationS !== undefined || j.tokens !== undefined, {
    message: 'a job needs durationS or tokens',
    path: ['durationS'],
  });

export type JobSpec = JobRequest & {
  /** Fixed checkpoint interval (s) of a checkpointable job; absent: the scenario's, else Young/Daly (core/progress.ts). */
  checkpointIntervalS?: number;
  /** 1-based line in the source trace, when imported. */
  sourceLine?: number;
  /** The job's dataset (GB) and the sites holding a replica at submit; the twin stages it (src/sim/engine/staging.ts). */
  datasetGB?: number;
  datasetSites?: string[];
};

export interface DroppedRow {
  line: number;
  reason: string;
}

export interface ImportResult {
  jobs: JobSpec[];
  /** Rows skipped on purpose (duplicates, blank, CPU-only) or bad rows skipped with skipBadRows. */
  dropped: DroppedRow[];
  /** Bad input. Non-empty with ok=false means the import stopped (no skipBadRows). */
  issues: InputIssue[];
  ok: boolean;
  /** ISO time of submit 0 when the trace has absolute times. */
  traceStartIso?: string;
  rowsRead: number;
}

/** Validate job specs coming from JSON/YAML; returns issues with paths like jobs[3].gpus. */
export function validateJobs(input: unknown): { jobs: JobSpec[]; issues: InputIssue[] } {
  const arr = z.array(jobSpecSchema).safeParse(input);
  if (arr.success) return { jobs: arr.data as JobSpec[], issues: [] };
  return {
    jobs: [],
    issues: zodIssues(arr.error, {
      pathPrefix: 'jobs',
      defaultHint: 'see src/workload/README.md for the job spec fields',
    }),
  };
}
