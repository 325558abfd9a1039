// POST /v1/inference/plans off the event loop: the pure planner takes up to seconds of CPU (50 regions x 8 sites),
// so it runs in a worker thread and /healthz, the event stream and the scheduler loop stay responsive. The worker is
// this very module (the guard below); under tsx it registers tsx first, as src/control/whatif/worker.ts does. Where
// no worker can load the module (a test runner's in-memory transform), the plan runs inline.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { InferencePlanBody, InferencePlanResponse } from '../../../contract/inference.js';
import { issuesOf, type InputIssue } from '../../../core/issues.js';
import type { Fabric } from '../../../fabric/types.js';
import { inferencePlanFor } from './inference.js';

type Reply = { ok: InferencePlanResponse } | { issues: InputIssue[] } | { error: string } | { fatal: string };

const WORKER_KIND = 'superfactory-inference-plan';
const WORKER_BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.url);
})().catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));
`;
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

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const { body, fabric } = workerData as { body: InferencePlanBody; fabric: Fabric };
  parentPort!.postMessage(planHere(body, fabric));
}

let workersUnavailable = false;

function inWorker(body: InferencePlanBody, fabric: Fabric): Promise<Reply | null> {
  if (workersUnavailable) return Promise.resolve(null);
  let tsx: string | null = null;
  try {
    tsx = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
  } catch {
    workersUnavailable = true;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const w = new Worker(WORKER_BOOT, {
      eval: true,
      workerData: { kind: WORKER_KIND, url: import.meta.url, tsx, body, fabric },
    });
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      f();
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`inference plan ran past ${PLAN_TIMEOUT_MS} ms`))),
      PLAN_TIMEOUT_MS,
    );
    w.on('message', (m: Reply) =>
      done(() => {
        if ('fatal' in m) {
          workersUnavailable = true; // this runtime cannot load the module in a worker: plan inline from now on
          resolve(null);
        } else resolve(m);
      }),
    );
    w.on('error', (err) => done(() => reject(err)));
    w.on('exit', (code) => done(() => reject(new Error(`inference plan worker exited with code ${code}`))));
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
  throw new Error(`inference plan: ${'error' in reply ? reply.error : reply.fatal}`);
}
