// One computation in a worker thread, for the routes whose pure work takes seconds of CPU (what-if, WAN sweep,
// inference placement). The worker is the caller's own module: it boots with tsx registered when the caller runs
// from a .ts file, and the caller's module-level guard (isWorkerFor) answers with one message. Where no worker can
// load the module (a test runner's in-memory transform), the answer is null and the caller computes inline.
import { Worker, isMainThread, workerData } from 'node:worker_threads';

const WORKER_BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.url);
})().catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));
`;

let workersUnavailable = false;

/** In a worker started by runInWorker for `kind`: its data; else null (the main thread, or another worker). */
export function workerTaskFor<T>(kind: string): T | null {
  if (isMainThread) return null;
  const d = workerData as { kind?: string; data?: T } | null;
  return d?.kind === kind ? (d.data as T) : null;
}

export interface WorkerRun {
  /** import.meta.url of the module that holds the worker side. */
  url: string;
  kind: string;
  data: unknown;
  timeoutMs: number;
  /** The error a timed-out run rejects with. */
  timeoutError: () => Error;
  /** Named in the errors of a crashed or exited worker. */
  name: string;
}

/** The worker's one message, or null when this runtime cannot load the module in a worker. */
export function runInWorker<M extends object>(o: WorkerRun): Promise<M | null> {
  if (workersUnavailable) return Promise.resolve(null);
  let tsx: string | null = null;
  try {
    tsx = o.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
  } catch {
    workersUnavailable = true;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const w = new Worker(WORKER_BOOT, { eval: true, workerData: { kind: o.kind, url: o.url, tsx, data: o.data } });
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      f();
    };
    const timer = setTimeout(() => done(() => reject(o.timeoutError())), o.timeoutMs);
    w.on('message', (m: M | { fatal: string }) =>
      done(() => {
        if ('fatal' in m) {
          workersUnavailable = true; // this runtime cannot load the module in a worker: compute inline from now on
          resolve(null);
        } else resolve(m);
      }),
    );
    w.on('error', (err) => done(() => reject(err)));
    w.on('exit', (code) => done(() => reject(new Error(`${o.name} worker exited with code ${code}`))));
  });
}
