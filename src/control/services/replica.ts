// One replica of a service: a long-running process on a site's executor (local or Slurm) serving the replica
// protocol of examples/serve/serve.py (GET /healthz, POST /v1/generate). Its run key, its port (allocated so two
// replicas never collide), its health check, and the RunSpec the executor starts it from.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ReplicaState, ReplicaView } from '../../contract/services.js';
import type { RunSpec } from '../executors/types.js';
import type { ServiceRecord } from '../store/services.js';

/** Every replica's run key starts with this; the job reconciler leaves such runs to the service manager. */
export const SERVICE_RUN_PREFIX = 'svc-';

export const isServiceRun = (runKey: string): boolean => runKey.startsWith(SERVICE_RUN_PREFIX);

export interface Replica {
  id: string;
  serviceId: string;
  site: string;
  jurisdiction: string;
  runKey: string;
  host: string;
  port: number;
  state: ReplicaState;
  inflight: number;
  ttftEwmaMs: number | null;
  tpotEwmaMs: number | null;
  startedAt: number;
  healthyAt: number | null;
  failedChecks: number;
  reason: string | null;
  /** Requests in flight the replica itself reported at its last health check (null: it does not say). */
  reportedInflight?: number | null;
}

export function newReplica(
  s: ServiceRecord,
  site: string,
  jurisdiction: string,
  host: string,
  port: number,
  at: number,
): Replica {
  // random suffix: a restarted manager never reuses the run key of a replica an executor still remembers
  const id = `${s.id}-${randomBytes(3).toString('hex')}`;
  return {
    id,
    serviceId: s.id,
    site,
    jurisdiction,
    runKey: SERVICE_RUN_PREFIX + id,
    host,
    port,
    state: 'starting',
    inflight: 0,
    ttftEwmaMs: null,
    tpotEwmaMs: null,
    startedAt: at,
    healthyAt: null,
    failedChecks: 0,
    reason: null,
  };
}

export function replicaView(r: Replica): ReplicaView {
  return {
    id: r.id,
    site: r.site,
    state: r.state,
    endpoint: `${r.host}:${r.port}`,
    runKey: r.runKey,
    inflight: r.inflight,
    ttftEwmaMs: r.ttftEwmaMs,
    tpotEwmaMs: r.tpotEwmaMs,
    startedAt: r.startedAt,
    healthyAt: r.healthyAt,
    reason: r.reason,
  };
}

/** What the executor runs: the service's command with the port and address to bind and the service's variables. */
export function replicaRunSpec(s: ServiceRecord, r: Replica, runRoot: string): RunSpec {
  return {
    runKey: r.runKey,
    jobId: r.runKey,
    attempt: 1,
    tenantId: s.tenantId,
    name: `${s.name} replica`,
    model: s.spec.model,
    siteId: r.site,
    placement: [{ site: r.site, gpus: s.spec.gpusPerReplica }],
    gpus: s.spec.gpusPerReplica,
    command: s.spec.command,
    env: {
      ...s.spec.env,
      SUPERFACTORY_SERVICE_ID: s.id,
      SUPERFACTORY_REPLICA_ID: r.id,
      SUPERFACTORY_SERVE_HOST: r.host,
      SUPERFACTORY_SERVE_PORT: String(r.port),
    },
    checkpointDir: join(runRoot, 'services', s.id),
    resumeFrom: null,
    checkpointable: false,
    expectedDurationS: null,
  };
}

/**
 * GET /healthz within `timeoutMs`: null when healthy, else why not. A replica that reports its requests in flight
 * (serve.py does) updates `r.reportedInflight`: the load from every router, followers' included.
 */
export async function checkHealth(r: Replica, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(`http://${r.host}:${r.port}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) return `GET /healthz answered ${res.status}`;
    try {
      const n = (JSON.parse(text) as { inflight?: unknown }).inflight;
      r.reportedInflight = typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
    } catch {
      r.reportedInflight = null; // a replica command whose /healthz is not JSON: the router's own count is used
    }
    return null;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return `GET /healthz failed: ${why}`;
  }
}

/**
 * Ports for replicas on one host: never one a live replica holds (in this manager), and free when probed (no other
 * process listens on it). The OS picks among its ephemeral ports; the set keeps two replicas starting at once apart.
 */
export class PortAllocator {
  private readonly used = new Set<string>();

  async reserve(host: string): Promise<number> {
    for (let i = 0; i < 20; i++) {
      const port = await probeFreePort(host === '0.0.0.0' ? '127.0.0.1' : host).catch((err: NodeJS.ErrnoException) => {
        // a site in its own network namespace: its address is not this host's, and its ports are its own
        if (err.code === 'EADDRNOTAVAIL') return probeFreePort('127.0.0.1');
        throw err;
      });
      const key = `${host}:${port}`;
      if (!this.used.has(key)) {
        this.used.add(key);
        return port;
      }
    }
    throw new Error(`no free port on ${host} after 20 tries`);
  }

  /** A port an adopted replica already listens on. */
  claim(host: string, port: number): void {
    this.used.add(`${host}:${port}`);
  }

  release(host: string, port: number): void {
    this.used.delete(`${host}:${port}`);
  }

  inUse(): number {
    return this.used.size;
  }
}

function probeFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
