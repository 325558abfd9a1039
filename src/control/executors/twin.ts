// Twin executor: runs jobs in the digital twin's accelerated time instead of on hardware, for demos
// and what-if. A run advances `speedup` simulated seconds per wall second, writes a simulated
// checkpoint every `checkpointEveryS` simulated seconds (step = simulated seconds of progress), and
// succeeds when it has done its expected duration. A resumed run starts from its checkpoint's step.
import type { Executor, RunSpec, RunStatus } from './types.js';
import { ExecutorUnavailableError, unknownStatus } from './types.js';

export interface TwinExecutorOptions {
  /** Simulated seconds per wall second (default 3600: an hour per second). */
  speedup?: number;
  /** Simulated seconds between checkpoints (default 1800). */
  checkpointEveryS?: number;
  /** Duration for runs whose plan gave none (simulated seconds, default 6 h). */
  defaultDurationS?: number;
  /** Injected wall clock (ms). */
  now?: () => number;
}

interface TwinRun {
  spec: RunSpec;
  startedAtMs: number;
  startStep: number;
  durationS: number;
  cancelledAtMs: number | null;
}

export class TwinExecutor implements Executor {
  readonly kind = 'twin' as const;
  readonly needsCommand = false;
  readonly knownGaps = [
    'simulates runs: the command is not executed, no environment, no logs',
    'checkpoints are simulated at a fixed interval of simulated time',
    'runs live in memory: after a control-plane restart they are reported unknown and requeued from their last checkpoint',
  ] as const;
  private readonly runs = new Map<string, TwinRun>();
  private readonly speedup: number;
  private readonly every: number;
  private readonly defaultDurationS: number;
  private readonly now: () => number;
  private reachable = true;

  constructor(opts: TwinExecutorOptions = {}) {
    this.speedup = opts.speedup ?? 3600;
    this.every = opts.checkpointEveryS ?? 1800;
    this.defaultDurationS = opts.defaultDurationS ?? 6 * 3600;
    this.now = opts.now ?? Date.now;
  }

  /** What-if: make the site unreachable (missed heartbeats) or bring it back. */
  setReachable(up: boolean): void {
    this.reachable = up;
  }

  async start(spec: RunSpec): Promise<RunStatus> {
    this.check();
    if (!this.runs.has(spec.runKey)) {
      this.runs.set(spec.runKey, {
        spec,
        startedAtMs: this.now(),
        startStep: spec.resumeFrom?.step ?? 0,
        durationS: spec.expectedDurationS && spec.expectedDurationS > 0 ? spec.expectedDurationS : this.defaultDurationS,
        cancelledAtMs: null,
      });
    }
    return this.read(spec.runKey);
  }

  private check(): void {
    if (!this.reachable) throw new ExecutorUnavailableError('twin site marked unreachable');
  }

  private read(runKey: string): RunStatus {
    const r = this.runs.get(runKey);
    if (!r) return unknownStatus(runKey);
    const until = r.cancelledAtMs ?? this.now();
    const progress = Math.min(r.durationS, r.startStep + ((until - r.startedAtMs) / 1000) * this.speedup);
    const done = progress >= r.durationS;
    const ckStep = r.spec.checkpointable ? Math.floor(progress / this.every) * this.every : 0;
    const checkpoint = ckStep > 0 ? { step: ckStep, path: `twin://${r.spec.jobId}/step-${ckStep}` } : null;
    const base = { runKey, externalId: `twin:${runKey}`, checkpoint };
    if (r.cancelledAtMs !== null && !done) return { ...base, phase: 'cancelled', exitCode: null, reason: 'cancelled' };
    if (done) return { ...base, phase: 'succeeded', exitCode: 0, reason: null };
    return { ...base, phase: 'running', exitCode: null, reason: null };
  }

  async status(runKeys: readonly string[]): Promise<Map<string, RunStatus>> {
    this.check();
    const out = new Map<string, RunStatus>();
    for (const k of runKeys) out.set(k, this.read(k));
    return out;
  }

  async list(): Promise<RunStatus[]> {
    this.check();
    const out: RunStatus[] = [];
    for (const k of this.runs.keys()) {
      const s = this.read(k);
      if (s.phase === 'running' || s.phase === 'pending') out.push(s);
      else if (this.runs.size > 10_000) this.runs.delete(k);
    }
    return out;
  }

  async cancel(runKey: string): Promise<void> {
    this.check();
    const r = this.runs.get(runKey);
    if (r && r.cancelledAtMs === null) r.cancelledAtMs = this.now();
  }

  async heartbeat(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {}
}
