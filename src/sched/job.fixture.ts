// Test support: a small preemptible, checkpointable fine-tuning job request for the scheduler's unit tests.
import type { JobRequest } from './types.js';

export function job(id: string, gpus: number, extra: Partial<JobRequest> = {}): JobRequest {
  return {
    id,
    tenant: 't',
    priority: 0,
    gpus,
    kind: 'finetune',
    modelId: 'llama3-8b',
    preemptible: true,
    checkpointable: true,
    submitTimeS: 0,
    durationS: 100,
    ...extra,
  };
}
