// What the scheduler's parts share: the control plane, resolved options, the logger, the injected
// clock, and the set of launches in flight in this process (so that no part launches a run twice).
import type { PlacementPart } from '../domain.js';
import type { ControlPlane } from '../control-plane.js';
import { ExecutorUnavailableError } from '../executors/types.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Options every part reads (defaults resolved by the Scheduler). */
export interface ResolvedOptions {
  /** Where jobs write checkpoints: <checkpointRoot>/<jobId> (shared by all attempts and sites). */
  checkpointRoot: string;
  heartbeatTimeoutMs: number;
  checkpointWaitMs: number;
  executorTimeoutMs: number;
  /** Planning budget per tick (ms of the injected clock). */
  planBudgetMs: number;
  /** How long every part of a cross-site gang may take to be allocated before the gang is released (ms). */
  gangStartTimeoutMs: number;
}

export interface SchedulerContext {
  readonly cp: ControlPlane;
  readonly opts: ResolvedOptions;
  readonly log: Logger;
  /** Monotonic milliseconds, injected by the edge (budgets and phase timings; never the wall clock). */
  readonly clock: () => number;
  /** Run keys with a start() in flight in this process. */
  readonly inflight: Set<string>;
  /** Run keys whose start() returned in this process (a pending one is just waiting, e.g. in Slurm's queue). */
  readonly launchedHere: Set<string>;
}

/** Placement parts as stored: site and GPUs, plus the pod/domain the policy chose. */
export interface StoredPart extends PlacementPart {
  pod?: string;
  domain?: number;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new ExecutorUnavailableError(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Awaits a best-effort side effect; a failure is logged with its context instead of thrown. */
export async function bestEffort(log: Logger, what: string, ctx: object, p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    log.warn({ ...ctx, err: (err as Error).message }, `${what} failed (best effort)`);
  }
}
