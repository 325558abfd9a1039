// Cost and energy on the wire: per job (GET /v1/jobs/:id `usage`) and per tenant for a period (GET /v1/usage):
// the query schema, the response types and their schemas for /openapi.json (checked against each other).
import { z } from 'zod';
import { ID } from './requests.js';

/** Compile-time: A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(_: T) => _;

export const UsageQuery = z
  .object({
    /** Start of the period (ISO-8601); default 24 hours before `to`. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** End of the period (ISO-8601); default now. */
    to: z.iso.datetime({ offset: true }).optional(),
    /** One tenant only (operators; anyone else sees only their own tenant). */
    tenant: ID.optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['from'],
  });
export type UsageParams = z.infer<typeof UsageQuery>;

/** What a job's GPUs used in a period: the time they ran (running or checkpointing) at busy power. */
export interface UsageFigures {
  /** GPUs x hours in a running or checkpointing state. */
  gpuHours: number;
  /** Facility energy: GPU-hours x busy power per GPU (rated system W x the busy fraction) x the site's PUE. */
  energyMWh: number;
  /** Energy x the site's hourly electricity price; null when a site used has no price series. */
  costUsd: number | null;
  /** Energy x the site's hourly grid carbon intensity; null when a site used has no carbon series. */
  emissionsKgCO2e: number | null;
}

export interface JobUsage extends UsageFigures {
  /** The period counted (ISO-8601): the job's whole life on GET /v1/jobs/:id. */
  from: string;
  to: string;
}

export interface JobUsageRow extends UsageFigures {
  id: string;
  name: string;
  state: string;
  gpus: number | null;
  sites: string[];
}

export interface TenantUsage {
  tenant: string;
  name: string;
  quotaGpus: number | null;
  /** GPUs its jobs hold now (admitted, starting, running, checkpointing). */
  activeGpus: number;
  /** Its queued jobs now, and the GPUs they ask for (null GPUs: the planner chooses). */
  queue: { jobs: number; gpus: number };
  totals: UsageFigures;
  /** Its jobs that ran in the period, most used first. */
  jobs: JobUsageRow[];
  /** True when more jobs than one summary reads may have run in the period (the totals cover the newest). */
  truncated: boolean;
}

export interface UsageResponse {
  from: string;
  to: string;
  /** How the figures are made, in a sentence (the dashboard shows it). */
  method: string;
  tenants: TenantUsage[];
}

const FIGURES = {
  gpuHours: z.number(),
  energyMWh: z.number(),
  costUsd: z.number().nullable(),
  emissionsKgCO2e: z.number().nullable(),
};
export const JobUsageSchema = z.object({ ...FIGURES, from: z.string(), to: z.string() });
same<Same<z.infer<typeof JobUsageSchema>, JobUsage>>(true);
const JobUsageRowSchema = z.object({
  ...FIGURES,
  id: z.string(),
  name: z.string(),
  state: z.string(),
  gpus: z.number().nullable(),
  sites: z.array(z.string()),
});
same<Same<z.infer<typeof JobUsageRowSchema>, JobUsageRow>>(true);
const TenantUsageSchema = z.object({
  tenant: z.string(),
  name: z.string(),
  quotaGpus: z.number().nullable(),
  activeGpus: z.number(),
  queue: z.object({ jobs: z.number(), gpus: z.number() }),
  totals: z.object(FIGURES),
  jobs: z.array(JobUsageRowSchema),
  truncated: z.boolean(),
});
same<Same<z.infer<typeof TenantUsageSchema>, TenantUsage>>(true);
export const UsageResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  method: z.string(),
  tenants: z.array(TenantUsageSchema),
});
same<Same<z.infer<typeof UsageResponseSchema>, UsageResponse>>(true);
