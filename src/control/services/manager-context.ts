// What the service manager's parts share (manager.ts runs them): the resolved options, each service's state (its
// replicas, request log and scaling), the port allocator, the replica rows' writer and the sites' availability.
import type { Fabric } from '../../fabric/types.js';
import type { SiteBinding } from '../control-plane.js';
import type { Logger } from '../scheduler.js';
import type { Store } from '../store/types.js';
import type { ScalePolicy } from './autoscaler.js';
import type { PortAllocator, Replica } from './replica.js';
import type { ReplicaSync } from './replica-sync.js';
import { RequestLog } from './stats.js';

export interface ServiceManagerOptions {
  store: Store;
  fabric: Fabric;
  bindings: ReadonlyMap<string, SiteBinding>;
  isLeader: () => boolean;
  now: () => number;
  log: Logger;
  /** Folder replicas run in (their RunSpec.checkpointDir is under it). */
  runRoot: string;
  tickMs?: number;
  healthTimeoutMs?: number;
  /** A replica not healthy this long after its start is replaced (default 60 s: torch imports take seconds). */
  startTimeoutMs?: number;
  /** Failed health checks in a row that replace a replica (default 3: a busy replica answers late, not never). */
  unhealthyAfter?: number;
  /** Seconds of requests the autoscaler looks at (default 10). */
  scaleWindowS?: number;
  policy?: ScalePolicy;
}

export type ResolvedManagerOptions = Required<Omit<ServiceManagerOptions, 'policy'>> & { policy: ScalePolicy };

export function resolveManagerOptions(opts: ServiceManagerOptions, policy: ScalePolicy): ResolvedManagerOptions {
  return {
    tickMs: 500,
    healthTimeoutMs: 2000,
    startTimeoutMs: 60_000,
    unhealthyAfter: 3,
    scaleWindowS: 10,
    ...opts,
    policy: opts.policy ?? policy,
  };
}

export interface ServiceState {
  replicas: Map<string, Replica>;
  log: RequestLog;
  desired: number | null;
  lastChangeMs: number;
  lowSinceMs: number | null;
  scaling: string | null;
  inflight: number;
}

export function newServiceState(): ServiceState {
  return {
    replicas: new Map(),
    log: new RequestLog(),
    desired: null,
    lastChangeMs: 0,
    lowSinceMs: null,
    scaling: null,
    inflight: 0,
  };
}

export interface ManagerContext {
  readonly o: ResolvedManagerOptions;
  readonly ports: PortAllocator;
  readonly sync: ReplicaSync;
  /** Why each site cannot take replicas now (null: it can), as of the last tick. */
  readonly siteProblems: Map<string, string | null>;
  state(serviceId: string): ServiceState;
  jurisdictionOf(site: string): string;
  /** Every replica this manager knows, of every service. */
  allReplicas(): Replica[];
}
