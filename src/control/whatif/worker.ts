// Long computations of the dashboard off the event loop. A what-if plans every (model, GPU count)
// class it meets and a WAN sweep bisects its thresholds: seconds of CPU on a 100k-GPU fabric. They run
// one at a time in a worker thread so the API, the event stream and the scheduler loop stay responsive.
// The worker is this very module (the guard below; src/control/worker-thread.ts starts it). Where no worker can
// load this module (a test runner's in-memory transform), the task runs inline, yielding between steps.
import { parentPort } from 'node:worker_threads';
import type { WhatIfBody } from '../../contract/dashboard.js';
import type { SweepView, WhatIfResult } from '../../contract/responses.js';
import type { InputIssue } from '../../core/issues.js';
import type { Fabric } from '../../fabric/types.js';
import type { ModelSpec } from '../../perf/types.js';
import { DomainError, InvalidInputError } from '../domain.js';
import { runInWorker, workerTaskFor } from '../worker-thread.js';
import { simIssues } from './inputs.js';
import { whatIfOn } from './run.js';
import { sweepOn, type SweepRequest } from './sweep.js';

export type Task =
  | { kind: 'whatif'; fabric: Fabric; body: WhatIfBody }
  | { kind: 'sweep'; model: ModelSpec; fabric: Fabric; request: SweepRequest };
type Output<T extends Task> = T extends { kind: 'whatif' }
  ? Omit<WhatIfResult, 'wallMs'>
  : Omit<SweepView, 'searchSeconds'>;
type Reply = { ok: unknown } | { issues: InputIssue[]; status: 400 | 422 } | { error: string };

const WORKER_KIND = 'superfactory-dashboard-task';
export const TASK_TIMEOUT_MS = 300_000;

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs a task here (in the worker, or inline on the main thread). */
async function compute(t: Task, between: () => Promise<void>): Promise<unknown> {
  if (t.kind === 'whatif') return whatIfOn(t.fabric, t.body, between);
  await between();
  return sweepOn(t.model, t.fabric, t.request);
}

const workerTask = workerTaskFor<Task>(WORKER_KIND);
if (workerTask) {
  const reply = (m: Reply) => parentPort!.postMessage(m);
  compute(workerTask, async () => {}).then(
    (ok) => reply({ ok }),
    (err: unknown) => {
      const e = simIssues(err);
      if (e instanceof InvalidInputError) reply({ issues: e.issues, status: e.status === 400 ? 400 : 422 });
      else reply({ error: (e as Error)?.stack ?? String(e) });
    },
  );
}

/** The task's output from a worker, or null when this runtime cannot load the module in one. */
async function inWorker(task: Task): Promise<unknown | null> {
  const m = await runInWorker<Reply>({
    url: import.meta.url,
    kind: WORKER_KIND,
    data: task,
    timeoutMs: TASK_TIMEOUT_MS,
    timeoutError: () =>
      new DomainError('whatif_timeout', 503, `the computation ran longer than ${TASK_TIMEOUT_MS / 1000} s`),
    name: 'dashboard',
  });
  if (m === null) return null;
  if ('ok' in m) return m.ok;
  if ('issues' in m) throw new InvalidInputError(m.issues, m.status);
  throw new Error(`dashboard worker: ${m.error}`);
}

/** Runs tasks one at a time (each uses a core for seconds), in a worker when one can load this module. */
export class TaskRunner {
  private queue: Promise<unknown> = Promise.resolve();

  /** The task's output, whether it ran in a worker, and how long it ran (ms on `clock`, queueing excluded). */
  run<T extends Task>(task: T, clock: () => number): Promise<{ value: Output<T>; isolated: boolean; ms: number }> {
    const run = this.queue.then(async () => {
      const t0 = clock();
      const out = await inWorker(task);
      const value = (out ?? (await compute(task, yieldToLoop))) as Output<T>;
      return { value, isolated: out !== null, ms: clock() - t0 };
    });
    // the next task waits for this one to settle, whatever its outcome (the caller gets the outcome)
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
