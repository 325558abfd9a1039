// The digital twin as an incremental backend: the simulator's building blocks (the binary-heap
// event queue, the seeded RNG, the perf-model speed factor, the Young/Daly checkpoint model and
// sampled GPU failures) behind a small API that a caller advances in steps, instead of one
// `simulate()` call over a whole workload. The control plane's twin executor drives it in
// accelerated wall-clock time; what-if tools can drive it as fast as they like.
//
//   const twin = new TwinBackend({ fabric, seed: 1 });
//   twin.submit({ runId, modelId, gpus, placement, durationS, checkpointable }, nowS);
//   for (const e of twin.advanceTo(nowS + 3600)) ...   // checkpoints and ends, in time order
//   twin.status(runId); twin.cancel(runId);
//
// Progress model: the simulator's, src/core/progress.ts (one segment per run): a resumed run first pays the restart
// model's in-run parts (process start, reading its checkpoint back (one checkpoint cost C), warm-up), then computes at `speed` (the perf model's factor for its
// placement, 1 on an ideal one) and pauses C every tau of compute to write a checkpoint (tau = Young/Daly
// sqrt(2 C M), M the job MTBF at >= the Llama 3 failure rate, unless a fixed interval is given).
// Work is counted in seconds at full speed: a run of `durationS` finishes after
// startup + durationS / speed + (checkpoints before the end) x C. A sampled failure (Poisson at
// `failuresPerGpuHour` x GPUs, when enabled) ends the run as failed; its saved work is the last
// completed checkpoint. No wall clock and no Math.random: time is always the caller's argument.
import type { Fabric, Site } from '../fabric/types.js';
import type { ModelLookup } from '../perf/index.js';
import type { Allocation, AllocationPart, SpreadClass } from '../sched/types.js';
import {
  checkpointAtS,
  checkpointCostS,
  checkpointIntervalS,
  finishAtS,
  savedAtS,
  workAtS,
  type ProgressSegment,
} from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { EventQueue } from './event-queue.js';
import { SpeedModel } from './speed.js';
import { DEFAULT_RESTART, restartParts, type RestartModel } from './restart.js';
import { DEFAULT_FAILURE_MIX, LLAMA3_FAILURES_PER_GPU_HOUR } from './scenario.js';

/** GPUs of a run on one site, optionally down to the pod and scale-up domain the scheduler chose. */
export interface TwinPart {
  siteId: string;
  gpus: number;
  podId?: string;
  domain?: number;
}

export interface TwinRunSpec {
  /** Unique per attempt; submitting an id twice returns the existing run. */
  runId: string;
  /** Model zoo id (unknown models run at speed 1 with a 1B-parameter checkpoint). */
  modelId: string;
  gpus: number;
  placement: readonly TwinPart[];
  /** Work the whole job needs, in seconds at full speed (the planner's estimate). */
  durationS: number;
  /** Work already done and saved (s at full speed) when the run resumes from a checkpoint; 0 for a fresh start. */
  resumeWorkS?: number;
  checkpointable: boolean;
}

export type TwinPhase = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TwinRunStatus {
  runId: string;
  phase: TwinPhase;
  submittedS: number;
  /** When the run ended (s), or null while it runs. */
  endS: number | null;
  /** When it ends if nothing interrupts it (s). */
  expectedEndS: number;
  /** Perf-model speed factor on its placement, in (0, 1]. */
  speed: number;
  /** Seconds of compute between checkpoints (Infinity when not checkpointable). */
  checkpointIntervalS: number;
  /** Seconds to write (and to read back) one checkpoint. */
  checkpointCostS: number;
  /** Work done (s at full speed) at the backend's current time, or at the end. */
  workS: number;
  /** Work saved by the latest completed checkpoint (or the resume point). */
  savedWorkS: number;
  /** Checkpoints completed by this run. */
  checkpoints: number;
  durationS: number;
  exitCode: number | null;
  reason: string | null;
}

export type TwinEvent =
  | { type: 'checkpoint'; runId: string; tS: number; savedWorkS: number; n: number }
  | {
      type: 'end';
      runId: string;
      tS: number;
      phase: Exclude<TwinPhase, 'running'>;
      exitCode: number | null;
      reason: string | null;
      workS: number;
      savedWorkS: number;
    };

export interface TwinBackendOptions {
  /** The fabric runs are placed on: speed factors and checkpoint bandwidth come from it. Without one, speed 1 and free checkpoints. */
  fabric?: Fabric | null;
  /** Model lookup by id for the speed factors (`loadModel` at the edge); the twin reads no model files. */
  models: ModelLookup;
  seed?: number;
  /** Sampled failures per GPU-hour (Llama 3: 1.97e-5); 0 or absent: no failures. */
  failuresPerGpuHour?: number;
  /** A fixed checkpoint interval (s of compute) instead of Young/Daly. */
  checkpointIntervalS?: number;
  /** What a resume costs (restart.ts; default DEFAULT_RESTART): its in-run parts are charged, see `submit`. */
  restart?: RestartModel;
}

/**
 * Exit code of a run ended by a sampled hardware failure: what a gang killed by the launcher
 * (torchrun / srun --kill-on-bad-exit) reports, 128 + SIGKILL.
 */
export const FAILURE_EXIT_CODE = 137;

const enum Ev {
  Checkpoint,
  Finish,
  Failure,
}

interface Run {
  spec: TwinRunSpec;
  phase: TwinPhase;
  version: number;
  submittedS: number;
  /** Progress and checkpoints (src/core/progress.ts); startS = submittedS. */
  seg: ProgressSegment;
  endS: number | null;
  expectedEndS: number;
  checkpoints: number;
  exitCode: number | null;
  reason: string | null;
  /** Work and saved work frozen at the end. */
  finalWorkS: number;
  finalSavedS: number;
}

export class TwinBackend {
  private readonly q = new EventQueue();
  private readonly runs = new Map<number, Run>();
  private readonly index = new Map<string, number>();
  private next = 0;
  private readonly rng: Rng;
  private readonly speedModel: SpeedModel | null;
  private readonly sites: Map<string, Site>;
  private readonly failuresPerGpuHour: number;
  private readonly fixedIntervalS: number | undefined;
  private readonly restart: RestartModel;
  private readonly pending: TwinEvent[] = [];
  private t = 0;

  constructor(private readonly opts: TwinBackendOptions) {
    this.rng = new Rng(opts.seed ?? 1);
    this.speedModel = opts.fabric ? new SpeedModel(opts.fabric, opts.models) : null;
    this.sites = new Map((opts.fabric?.sites ?? []).map((s) => [s.id, s]));
    this.failuresPerGpuHour = opts.failuresPerGpuHour ?? 0;
    this.fixedIntervalS = opts.checkpointIntervalS;
    this.restart = opts.restart ?? DEFAULT_RESTART;
  }

  /** The backend's current simulated time (s). */
  get nowS(): number {
    return this.t;
  }

  /**
   * A resume's startup: the restart model's process start + reading the checkpoint back + warm-up (restart.ts, as the
   * simulator). Detection and rescheduling are not charged here: in the control plane they are its own real time
   * (the failure is seen and the job requeued before this attempt is submitted).
   */
  private resumeStartupS(gpus: number, ckptS: number): number {
    const p = restartParts(this.restart, gpus, ckptS, 'preempt');
    return p.startS + p.loadS + p.warmupS;
  }

  /** Starts a run at `nowS` (>= the current time; the clock moves there first). Idempotent per runId. */
  submit(spec: TwinRunSpec, nowS: number = this.t): TwinRunStatus {
    const existing = this.index.get(spec.runId);
    if (existing !== undefined) return this.view(this.runs.get(existing)!);
    if (nowS > this.t) this.pending.push(...this.advanceTo(nowS));
    const t0 = this.t;
    const i = this.next++;
    const base = spec.checkpointable ? Math.max(0, Math.min(spec.resumeWorkS ?? 0, spec.durationS)) : 0;
    const alloc = this.allocation(spec);
    const speed = alloc && this.speedModel ? this.speedModel.factor(spec.modelId, alloc) : 1;
    const ckptS = spec.checkpointable ? this.checkpointCost(spec) : 0;
    const intervalS = checkpointIntervalS({
      checkpointable: spec.checkpointable,
      checkpointS: ckptS,
      failuresPerGpuHour: Math.max(this.failuresPerGpuHour, LLAMA3_FAILURES_PER_GPU_HOUR),
      gpus: spec.gpus,
      ...(this.fixedIntervalS !== undefined ? { fixedIntervalS: this.fixedIntervalS } : {}),
    });
    const seg: ProgressSegment = {
      startS: t0,
      startupS: base > 0 ? this.resumeStartupS(spec.gpus, ckptS) : 0,
      baseWorkS: base,
      savedWorkS: base,
      speed,
      intervalS,
      checkpointS: ckptS,
      totalWorkS: spec.durationS,
    };
    const r: Run = {
      spec,
      phase: 'running',
      version: 0,
      submittedS: t0,
      seg,
      endS: null,
      expectedEndS: finishAtS(seg),
      checkpoints: 0,
      exitCode: null,
      reason: null,
      finalWorkS: 0,
      finalSavedS: 0,
    };
    this.runs.set(i, r);
    this.index.set(spec.runId, i);
    this.q.push(r.expectedEndS, Ev.Finish, i, r.version);
    this.scheduleCheckpoint(i, r, 1);
    if (this.failuresPerGpuHour > 0 && spec.gpus > 0) {
      const ttf = this.rng.fork(`failure:${spec.runId}`).exp(3600 / (this.failuresPerGpuHour * spec.gpus));
      if (t0 + ttf < r.expectedEndS) this.q.push(t0 + ttf, Ev.Failure, i, r.version);
    }
    return this.view(r);
  }

  /** Moves simulated time forward to `simTimeS` and returns what happened, in time order (ties by insertion). */
  advanceTo(simTimeS: number): TwinEvent[] {
    const out = this.pending.splice(0);
    if (!(simTimeS > this.t)) return out;
    for (let e = this.q.peek(); e !== undefined && e.t <= simTimeS; e = this.q.peek()) {
      this.q.pop();
      const r = this.runs.get(e.a);
      if (!r || r.version !== e.b || r.phase !== 'running') continue; // stale (cancelled, ended, forgotten)
      this.t = e.t;
      if (e.kind === Ev.Checkpoint) {
        r.checkpoints++;
        out.push({
          type: 'checkpoint',
          runId: r.spec.runId,
          tS: e.t,
          savedWorkS: this.saved(r, e.t),
          n: r.checkpoints,
        });
        this.scheduleCheckpoint(e.a, r, r.checkpoints + 1);
      } else if (e.kind === Ev.Finish) {
        out.push(this.end(r, e.t, 'succeeded', 0, null));
      } else {
        const w = DEFAULT_FAILURE_MIX;
        const kind = (['gpu', 'node', 'rack'] as const)[
          this.rng.fork(`failure-kind:${r.spec.runId}`).weighted([w.gpu, w.node, w.rack])
        ];
        out.push(this.end(r, e.t, 'failed', FAILURE_EXIT_CODE, `simulated ${kind} failure at t=${Math.round(e.t)} s`));
      }
    }
    this.t = simTimeS;
    return out;
  }

  /** Stops a run now; its saved work is its latest checkpoint. Unknown or ended runs are ignored. */
  cancel(runId: string): void {
    const i = this.index.get(runId);
    const r = i === undefined ? undefined : this.runs.get(i);
    if (!r || r.phase !== 'running') return;
    this.pending.push(this.end(r, this.t, 'cancelled', null, 'cancelled'));
  }

  status(runId: string): TwinRunStatus | undefined {
    const i = this.index.get(runId);
    return i === undefined ? undefined : this.view(this.runs.get(i)!);
  }

  /** Ids of the runs still running. */
  active(): string[] {
    const out: string[] = [];
    for (const r of this.runs.values()) if (r.phase === 'running') out.push(r.spec.runId);
    return out;
  }

  /** Drops an ended run's record (memory bound for long-lived callers). */
  forget(runId: string): void {
    const i = this.index.get(runId);
    if (i === undefined || this.runs.get(i)!.phase === 'running') return;
    this.runs.delete(i);
    this.index.delete(runId);
  }

  get size(): number {
    return this.runs.size;
  }

  // ---- model ----

  private end(
    r: Run,
    t: number,
    phase: Exclude<TwinPhase, 'running'>,
    exitCode: number | null,
    reason: string | null,
  ): TwinEvent & { type: 'end' } {
    r.finalWorkS = phase === 'succeeded' ? r.spec.durationS : this.work(r, t);
    r.finalSavedS = phase === 'succeeded' ? r.spec.durationS : this.saved(r, t);
    r.phase = phase;
    r.endS = t;
    r.exitCode = exitCode;
    r.reason = reason;
    r.version++;
    return {
      type: 'end',
      runId: r.spec.runId,
      tS: t,
      phase,
      exitCode,
      reason,
      workS: r.finalWorkS,
      savedWorkS: r.finalSavedS,
    };
  }

  /** The k-th checkpoint of the current run, if it comes before the end. */
  private scheduleCheckpoint(i: number, r: Run, k: number): void {
    const at = checkpointAtS(r.seg, k);
    if (at !== null) this.q.push(at, Ev.Checkpoint, i, r.version);
  }

  private work(r: Run, t: number): number {
    return workAtS(r.seg, t);
  }

  private saved(r: Run, t: number): number {
    return savedAtS(r.seg, t);
  }

  private checkpointCost(spec: TwinRunSpec): number {
    const site = this.sites.get(spec.placement[0]?.siteId ?? '');
    if (!site || !this.speedModel) return 0;
    const bytes = this.speedModel.checkpointBytes(spec.modelId) ?? 16e9; // unknown model: 1B params x 16 B (as the simulator)
    return checkpointCostS(bytes, spec.gpus, site);
  }

  /** The sched Allocation the speed model reads; parts without a pod are packed into the site's first pod. */
  private allocation(spec: TwinRunSpec): Allocation | null {
    if (!this.opts.fabric || spec.placement.length === 0) return null;
    const parts: AllocationPart[] = [];
    for (const p of spec.placement) {
      const site = this.sites.get(p.siteId);
      if (!site) return null;
      if (p.podId !== undefined && p.domain !== undefined) {
        parts.push({ siteId: p.siteId, podId: p.podId, domain: p.domain, gpus: p.gpus });
        continue;
      }
      const pod = site.pods[0];
      if (!pod) return null;
      const D = Math.max(1, pod.system.scaleUpDomainGpus);
      for (let left = p.gpus, d = 0; left > 0; d++) {
        const g = Math.min(D, left);
        parts.push({ siteId: p.siteId, podId: pod.id, domain: d, gpus: g });
        left -= g;
      }
    }
    const sites = [...new Set(parts.map((p) => p.siteId))];
    const pods = new Set(parts.map((p) => `${p.siteId}/${p.podId}`)).size;
    const spread: SpreadClass =
      sites.length > 1 ? 'multi-site' : pods > 1 ? 'site' : parts.length > 1 ? 'pod' : 'domain';
    return { jobId: spec.runId, gpus: spec.gpus, parts, sites, pods, domains: parts.length, spread };
  }

  private view(r: Run): TwinRunStatus {
    const running = r.phase === 'running';
    return {
      runId: r.spec.runId,
      phase: r.phase,
      submittedS: r.submittedS,
      endS: r.endS,
      expectedEndS: r.expectedEndS,
      speed: r.seg.speed,
      checkpointIntervalS: r.seg.intervalS,
      checkpointCostS: r.seg.checkpointS,
      workS: running ? this.work(r, this.t) : r.finalWorkS,
      savedWorkS: running ? this.saved(r, this.t) : r.finalSavedS,
      checkpoints: r.checkpoints,
      durationS: r.spec.durationS,
      exitCode: r.exitCode,
      reason: r.reason,
    };
  }
}
