// What a restart costs a training job after an interruption, per job size: the time from the interruption until
// the job computes at full speed again, spent holding its new GPUs. Sources and assumptions: docs/sources.md,
// "Restart cost". The sum at 16,384 GPUs (about 15 min) is what makes the Llama 3 case land at Meta's ~90%
// effective training time with 419 interruptions in 54 days (docs/twin-validation.md).

/** The parts of a restart (s); scale-dependent parts as a + b x log2(GPUs). */
export interface RestartModel {
  /**
   * Seconds until the failure is noticed. ASSUMPTION 300 s: half the 10-minute default of PyTorch's NCCL watchdog
   * (pytorch/pytorch#110947): a hung collective waits for the timeout, a crash or an Xid error is seen within
   * seconds (FlashRecovery, arXiv 2509.03047). Only after failures: a preemption or drain is the scheduler's act.
   */
  detectionS: number;
  /** Seconds to requeue the gang and replace the failed nodes (hot spares). ASSUMPTION 120 s. */
  schedulingS: number;
  /**
   * Process start, rendezvous and communicator setup: startBaseS + startPerLog2GpuS x log2(GPUs). ASSUMPTION
   * 30 s + 30 s per doubling (450 s at 16,384 GPUs, 530 s at 100k): restart time grows with scale (FlashRecovery,
   * arXiv 2509.03047: traditional restarts grow with the cluster; Meta FT-HSDP, arXiv 2602.00277: a 10-minute
   * recovery stall at ~100k GPUs before their fix).
   */
  startBaseS: number;
  startPerLog2GpuS: number;
  /** Seconds of slow first steps (allocator, compile caches, data-loader fill), at no progress. ASSUMPTION 60 s. */
  warmupS: number;
}

export const DEFAULT_RESTART: RestartModel = {
  detectionS: 300,
  schedulingS: 120,
  startBaseS: 30,
  startPerLog2GpuS: 30,
  warmupS: 60,
};

export type StopKind = 'failure' | 'preempt' | 'drain';

/** The restart's parts for a job of `gpus` GPUs that reads its checkpoint back in `loadS` (0: from scratch). */
export function restartParts(
  m: RestartModel,
  gpus: number,
  loadS: number,
  after: StopKind,
): { detectionS: number; schedulingS: number; startS: number; loadS: number; warmupS: number; totalS: number } {
  const detectionS = after === 'failure' ? m.detectionS : 0;
  const startS = m.startBaseS + m.startPerLog2GpuS * Math.log2(Math.max(1, gpus));
  const totalS = detectionS + m.schedulingS + startS + loadS + m.warmupS;
  return { detectionS, schedulingS: m.schedulingS, startS, loadS, warmupS: m.warmupS, totalS };
}
