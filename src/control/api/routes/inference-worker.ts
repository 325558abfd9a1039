// POST /v1/inference/plans off the event loop: the pure planner takes up to seconds of CPU (50 regions x 8 sites),
// so it runs in a worker thread and /healthz, the event stream and the scheduler loop stay responsive. The worker is
// this very module (the guard below; src/control/worker-thread.ts starts it). Where no worker can load the module
// (a test runner's in-memory transform), the plan runs inline.
import { parentPort } from 'node:worker_threads';
import type { InferencePlanBody, InferencePlanResponse } from '../../../contract/inference.js';
import { issuesOf, type InputIssue } from '../../../core/issues.js';
import type { Fabric } from '../../../fabric/types.js';
import { runInWorker, workerTaskFor } from '../../worker-thread.js';
import { inferencePlanFor } from './inference.js';

type Reply = { ok: InferencePlanResponse } | { issues: InputIssue[] } | { error: string };

const WORKER_KIND = 'superfactory-inference-plan';
/** Longest a plan may run before the request fails (the contract's limits keep plans to seconds; a choice). */
export const PLAN_TIMEOUT_MS = 120_000;

/** Thrown with the planner's input issues so the route answers 422. */
export class PlanIssuesError extends Error {
  constructor(readonly issues: InputIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

function planHere(body: InferencePlanBody, fabric: Fabric): Reply {
  try {
    return { ok: inferencePlanFor(body, fabric) };
  } catch (err) {
    const issues = issuesOf(err);
    return issues ? { issues } : { error: (err as Error)?.stack ?? String(err) };
  }
}

const workerTask = workerTaskFor<{ body: InferencePlanBody; fabric: Fabric }>(WORKER_KIND);
if (workerTask) parentPort!.postMessage(planHere(workerTask.body, workerTask.fabric));

function inWorker(body: InferencePlanBody, fabric: Fabric): Promise<Reply | null> {
  return runInWorker<Reply>({
    url: import.meta.url,
    kind: WORKER_KIND,
    data: { body, fabric },
    timeoutMs: PLAN_TIMEOUT_MS,
    timeoutError: () => new Error(`inference plan ran past ${PLAN_TIMEOUT_MS} ms`),
    name: 'inference plan',
  });
}

// Plans run one at a time: each takes a core for up to seconds, and parallel requests must not starve the API.
let queue: Promise<unknown> = Promise.resolve();

/** The placement, computed in a worker thread when one can load this module; PlanIssuesError for bad input. */
export function planOffLoop(
  body: InferencePlanBody,
  fabric: Fabric,
): Promise<{ response: InferencePlanResponse; isolated: boolean }> {
  const run = queue.then(() => planOnce(body, fabric));
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

async function planOnce(body: InferencePlanBody, fabric: Fabric) {
  const out = await inWorker(body, fabric);
  const reply = out ?? planHere(body, fabric);
  if ('ok' in reply) return { response: reply.ok, isolated: out !== null };
  if ('issues' in reply) throw new PlanIssuesError(reply.issues);
  throw new Error(`inference plan: ${reply.error}`);
}
