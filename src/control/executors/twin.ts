// Twin executor: runs jobs in the digital twin's accelerated time instead of on hardware, for demos
// and what-if. It drives the simulator's engine (src/sim/twin-backend.ts: the event queue, the
// seeded RNG, the perf-model speed factor of the run's placement, the Young/Daly checkpoint model
// and, when enabled, sampled failures): simulated time = wall time since the executor started x
// `speedup`; every call first advances the backend to that time, then reports from it. A run's
// checkpoint step is its saved work in simulated seconds at full speed, so a resumed attempt
// (resumeFrom.step) continues from there after reading the checkpoint back.
import type { Fabric } from '../../fabric/types.js';
import { TwinBackend, type TwinEvent, type TwinPart, type TwinRunStatus } from '../../sim/twin-backend.js';
import type { Executor, RunSpec, RunStatus } from './types.js';
import { ExecutorUnavailableError, unknownStatus } from './types.js';
import { loadModel } from '../../perf/index.js';

export interface TwinExecutorOptions {
  /** Simulated seconds per wall second (default 3600: an hour per second). */
  speedup?: number;
  /**
   * A fixed checkpoint interval (simulated seconds of compute). Default: Young/Daly from the
   * checkpoint cost on the run's site (with `fabric`), else 1800.
   */
  checkpointEveryS?: number;
  /** Work for runs whose plan gave no duration (simulated seconds at full speed, default 6 h). */
  defaultDurationS?: number;
  /**
   * The fabric the runs are placed on: the speed factor of each placement (perf model) and the
   * checkpoint cost (site checkpoint bandwidth). Without it runs go at full speed and checkpoints are free.
   */
  fabric?: Fabric;
  /** Sampled hardware failures per GPU-hour (e.g. 1.97e-5, Llama 3); default 0 (none). */
  failuresPerGpuHour?: number;
  /** Seed of the failure sampling (default 1). */
  seed?: number;
  /** Injected wall clock (ms). */
  now?: () => number;
}

/** Ended runs kept for status() before the oldest are forgotten. */
const KEEP_ENDED = 10_000;

export class TwinExecutor implements Executor {
  readonly kind = 'twin' as const;
  readonly needsCommand = false;
  /** One engine runs the whole gang, whatever sites its parts are on: started once (on the first part's site binding), reported once. */
  readonly spansSites = true;
  readonly knownGaps = [
    'simulates runs: the command is not executed, no environment, no logs',
    'runs live in memory: after a control-plane restart they are reported unknown and requeued from their last checkpoint',
    'sampled failures (off by default) end the run as failed: the control plane does not retry failed jobs, and the failed GPUs are not taken out of its cluster state',
    "a run placed without pod/domain is assumed packed into whole scale-up domains of the site's first pod",
  ] as const;
  readonly backend: TwinBackend;
  private readonly speedup: number;
  private readonly defaultDurationS: number;
  private readonly now: () => number;
  private readonly epochMs: number;
  private readonly jobOf = new Map<string, string>();
  private readonly ended: string[] = [];
  private reachable = true;
  /** Events seen so far, for observers (tests, what-if). */
  onEvent: ((e: TwinEvent) => void) | null = null;

  constructor(opts: TwinExecutorOptions = {}) {
    this.speedup = opts.speedup ?? 3600;
    this.defaultDurationS = opts.defaultDurationS ?? 6 * 3600;
    this.now = opts.now ?? Date.now;
    this.epochMs = this.now();
    this.backend = new TwinBackend({
      models: loadModel,
      fabric: opts.fabric ?? null,
      seed: opts.seed ?? 1,
      failuresPerGpuHour: opts.failuresPerGpuHour ?? 0,
      checkpointIntervalS: opts.checkpointEveryS ?? (opts.fabric ? undefined : 1800),
    });
  }

  /** What-if: make the site unreachable (missed heartbeats) or bring it back. */
  setReachable(up: boolean): void {
    this.reachable = up;
  }

  /** Current simulated time (s). */
  simNowS(): number {
    return (Math.max(0, this.now() - this.epochMs) / 1000) * this.speedup;
  }

  private check(): void {
    if (!this.reachable) throw new ExecutorUnavailableError('twin site marked unreachable');
  }

  /** Advances the engine to the current simulated time and books what ended. */
  private sync(): void {
    for (const e of this.backend.advanceTo(this.simNowS())) {
      if (e.type === 'end') this.ended.push(e.runId);
      this.onEvent?.(e);
    }
    while (this.ended.length > KEEP_ENDED) {
      const k = this.ended.shift()!;
      this.backend.forget(k);
      this.jobOf.delete(k);
    }
  }

  async start(spec: RunSpec): Promise<RunStatus> {
    this.check();
    this.sync();
    if (!this.backend.status(spec.runKey)) {
      const placement: TwinPart[] = spec.placement.map((p) => ({
        siteId: p.site,
        gpus: p.gpus,
        ...(p.pod !== undefined && p.domain !== undefined ? { podId: p.pod, domain: p.domain } : {}),
      }));
      if (placement.length === 0) placement.push({ siteId: spec.siteId, gpus: spec.gpus });
      this.jobOf.set(spec.runKey, spec.jobId);
      this.backend.submit(
        {
          runId: spec.runKey,
          modelId: spec.model,
          gpus: spec.gpus,
          placement,
          durationS:
            spec.expectedDurationS && spec.expectedDurationS > 0 ? spec.expectedDurationS : this.defaultDurationS,
          resumeWorkS: spec.checkpointable ? (spec.resumeFrom?.step ?? 0) : 0,
          checkpointable: spec.checkpointable,
        },
        this.backend.nowS,
      );
    }
    return this.read(spec.runKey);
  }

  private read(runKey: string): RunStatus {
    const s = this.backend.status(runKey);
    if (!s) return unknownStatus(runKey);
    return toRunStatus(s, this.jobOf.get(runKey) ?? runKey.replace(/\.\d+$/, ''));
  }

  async status(runKeys: readonly string[]): Promise<Map<string, RunStatus>> {
    this.check();
    this.sync();
    const out = new Map<string, RunStatus>();
    for (const k of runKeys) out.set(k, this.read(k));
    return out;
  }

  async list(): Promise<RunStatus[]> {
    this.check();
    this.sync();
    return this.backend.active().map((k) => this.read(k));
  }

  async cancel(runKey: string): Promise<void> {
    this.check();
    this.sync();
    this.backend.cancel(runKey);
    this.sync();
  }

  async heartbeat(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {}
}

/** The backend's view of a run in the Executor's terms. Step = saved work in whole simulated seconds. */
export function toRunStatus(s: TwinRunStatus, jobId: string): RunStatus {
  const step = Math.floor(s.savedWorkS + 1e-6);
  const checkpoint = s.checkpoints > 0 || step > 0 ? { step, path: `twin://${jobId}/step-${step}` } : null;
  return {
    runKey: s.runId,
    phase: s.phase,
    externalId: `twin:${s.runId}`,
    exitCode: s.exitCode,
    reason: s.reason,
    checkpoint: step > 0 ? checkpoint : null,
  };
}
