// Request schemas of the dashboard's routes: the plan explorer, the WAN sweep and what-if runs of the twin.
import { z } from 'zod';
import { planFields } from '../core/plan-request.js';
import { POLICY_NAMES } from '../sched/index.js';
import { ID } from './requests.js';

// Plan and sweep fields take the one plan request's limits (src/core/plan-request.ts).

export const MODEL_ID = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'a zoo model id');
export const FABRIC_ID = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'a fabric preset id');
export const FabricIdParam = z.object({ id: FABRIC_ID });

const FabricChoice = {
  /** A preset id (data/fabrics); absent: the server's fabric. */
  fabric: FABRIC_ID.optional(),
  /** A whole fabric as YAML or JSON text (the plan explorer's "edit"); wins over `fabric`. */
  fabricText: z.string().min(1).max(60_000).optional(),
};

export const ExplorePlansSchema = z
  .object({
    model: MODEL_ID,
    ...FabricChoice,
    gpus: planFields.gpus.optional(),
    tokens: planFields.tokens.optional(),
    sites: planFields.sites.optional(),
    top: planFields.top.optional(),
    wanCapacityGbps: planFields.wanCapacityGbps.optional(),
    wanLatencyMs: planFields.wanLatencyMs.optional(),
    strategies: planFields.strategies.optional(),
  })
  .strict();
export type ExplorePlansBody = z.infer<typeof ExplorePlansSchema>;

export const ExploreSweepSchema = z
  .object({
    model: MODEL_ID,
    ...FabricChoice,
    gpus: planFields.gpus.optional(),
    sites: planFields.sites.min(2).optional(),
    wanGbpsList: planFields.wanGbpsList.optional(),
    wanLatencyMsList: planFields.wanLatencyMsList.optional(),
  })
  .strict();
export type ExploreSweepBody = z.infer<typeof ExploreSweepSchema>;

const Workload = z
  .object({
    jobs: z.number().int().min(1).max(3000).optional(),
    ratePerHour: z.number().positive().max(10_000).optional(),
    maxGpus: z.number().int().positive().max(1_000_000).optional(),
    medianHours: z.number().positive().max(1000).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .optional(),
  })
  .strict();

/**
 * Fabrics whose what-if runs a workload mix of data/workloads by default (a request without medianHours; that knob
 * asks for the synthetic generator): the server generates it, the dashboard labels and sizes its form by it.
 */
export const WHATIF_DEFAULT_MIX: Readonly<Record<string, string>> = {
  fairwater: 'superfactory',
  'fairwater+local': 'superfactory', // `superfactory start`: fairwater plus this machine's site (src/cli/start-fabric.ts)
};

export const WhatIfSchema = z
  .object({
    mode: z.enum(['outage', 'policies']),
    fabric: FABRIC_ID.optional(),
    /** outage: the policy of both runs (default priority). */
    policy: z.enum(POLICY_NAMES).optional(),
    /** policies: the two policies to compare (default priority, carbon-aware). */
    policies: z.array(z.enum(POLICY_NAMES)).min(2).max(4).optional(),
    site: ID.optional(),
    downHours: z
      .number()
      .positive()
      .max(24 * 30)
      .optional(),
    /** Hours after the simulation start when the site goes down (default 24). */
    atHours: z
      .number()
      .nonnegative()
      .max(24 * 60)
      .optional(),
    /** 2022 date that simulation time 0 maps to in the grid series (default 2022-07-01). */
    start: z
      .string()
      .regex(/^2022-\d{2}-\d{2}$/, 'a 2022 date such as 2022-07-01')
      .optional(),
    horizonDays: z.number().positive().max(60).optional(),
    failures: z.boolean().optional(),
    workload: Workload.optional(),
  })
  .strict();
export type WhatIfBody = z.infer<typeof WhatIfSchema>;
