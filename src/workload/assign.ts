// The stated, seeded rule that fills in what a trace lacks (model, tenant, kind, flags).
// Each job draws from its own stream, Rng(seed ^ hash("assign:" + index)), so a job's attributes do
// not depend on the other rows.
import { Rng, hashString } from '../core/rng.js';
import type { JobKind } from '../sched/types.js';

export interface AssignRule {
  seed: number;
  /** Tenants to draw from when the trace has none (default 8: tenant-0 … tenant-7). */
  tenants: number;
  /** Fraction of jobs that checkpoint (default 0.9: assumption; most training frameworks checkpoint). */
  checkpointableFraction: number;
  /** Fraction marked high priority (priority 2) (default 0.1). */
  highPriorityFraction: number;
  /** Fraction restricted to a jurisdiction (default 0). */
  sovereignFraction: number;
  /** Jurisdictions drawn for sovereign jobs. */
  jurisdictions: string[];
  /** Deadline = submit + duration x this, for time-shiftable training jobs (default 3). */
  deadlineFactor: number;
}

export const DEFAULT_ASSIGN_RULE: AssignRule = {
  seed: 1,
  tenants: 8,
  checkpointableFraction: 0.9,
  highPriorityFraction: 0.1,
  sovereignFraction: 0,
  jurisdictions: ['US'],
  deadlineFactor: 3,
};

/**
 * Training jobs on at least this many GPUs always checkpoint (unless the trace says otherwise): a large
 * pre-training run that restarts from zero after every failure never finishes (a 16,384-GPU job sees a failure
 * every ~3 h, Llama 3 Table 5). ASSUMPTION: 256 GPUs, the threshold; below it the draw decides.
 */
export const ALWAYS_CHECKPOINT_GPUS = 256;

/** Whether a job checkpoints: never for inference, always for large training jobs, else the draw (u in [0, 1)). */
export function checkpointsByRule(kind: JobKind, gpus: number, u: number, fraction: number): boolean {
  if (kind === 'inference') return false;
  return gpus >= ALWAYS_CHECKPOINT_GPUS || u < fraction;
}

/** Model of 1-2 GPU trace jobs: fits one 80 GB GPU (1.7B x 16 B/param = 27 GB of model states). */
export const SMALL_MODEL = 'megatron-core-2024-1.7b';

export interface Assigned {
  tenant: string;
  modelId: string;
  kind: JobKind;
  priority: number;
  preemptible: boolean;
  checkpointable: boolean;
  allowedJurisdictions?: string[];
  deadlineS?: number;
}

/**
 * Model by job size (bigger gangs train bigger models): 1-2 GPUs megatron-core-2024-1.7b (a GPT
 * 1.7B: Llama 3 8B's weights, gradients and Adam states alone are 128 GB, more than one or two
 * 80 GB GPUs hold, so the planner finds no plan for it there); 3-8 GPUs llama3-8b; 9-64 GPUs
 * llama3-8b or mixtral-8x7b (even odds); > 64 GPUs llama3-70b. Kind: pretraining when it runs at
 * least a day on 8+ GPUs, else finetune (training traces have no inference). High-priority jobs
 * are not preemptible.
 */
export function assignAttributes(
  index: number,
  gpus: number,
  durationS: number,
  submitTimeS: number,
  rule: AssignRule,
  given: { tenant?: string; kind?: JobKind } = {},
): Assigned {
  const r = new Rng((rule.seed ^ hashString('assign:' + index)) >>> 0);
  const tenantDraw = r.int(Math.max(1, rule.tenants));
  const modelDraw = r.next();
  const ckptDraw = r.next();
  const prioDraw = r.next();
  const sovDraw = r.next();
  const jurDraw = r.int(Math.max(1, rule.jurisdictions.length));
  const modelId =
    gpus <= 2
      ? SMALL_MODEL
      : gpus <= 8
        ? 'llama3-8b'
        : gpus <= 64
          ? modelDraw < 0.5
            ? 'llama3-8b'
            : 'mixtral-8x7b'
          : 'llama3-70b';
  const kind: JobKind = given.kind ?? (durationS >= 86_400 && gpus >= 8 ? 'pretraining' : 'finetune');
  const priority = prioDraw < rule.highPriorityFraction ? 2 : 0;
  const out: Assigned = {
    tenant: given.tenant ?? `tenant-${tenantDraw}`,
    modelId,
    kind,
    priority,
    preemptible: priority === 0 && kind !== 'inference',
    checkpointable: checkpointsByRule(kind, gpus, ckptDraw, rule.checkpointableFraction),
  };
  if (sovDraw < rule.sovereignFraction && rule.jurisdictions.length > 0)
    out.allowedJurisdictions = [rule.jurisdictions[jurDraw]];
  if (kind !== 'inference' && rule.deadlineFactor > 0) out.deadlineS = submitTimeS + durationS * rule.deadlineFactor;
  return out;
}
