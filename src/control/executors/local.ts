// Local executor: each gang member is a local process with the torchrun environment (RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and SUPERFACTORY_CHECKPOINT_DIR.
// State lives in files so that a restarted control plane re-adopts runs that outlived it:
//   <root>/<runKey>/spec.json, ready, launched, rank<N>.pgid.<gen>, rank<N>.held.<gen>, rank<N>.pid, rank<N>.exit, rank<N>.log, progress.jsonl, cancelled
// Each member runs under a small sh wrapper in its own process group; the wrapper records the
// member's exit code. When one member fails, the whole gang is stopped.
//
// Two-phase launch, so that a kill -9 of the control plane at any point neither loses the run nor
// runs a member twice: `mkdir <runKey>` claims the run key; the members of one launch generation
// (a random token) are spawned *held* (the wrapper waits for `launched`); writing `launched` with
// the generation (O_EXCL) is the commit point, and only the members of the committed generation
// run the command (the others exit without running it). A launch interrupted before its commit is
// simply launched again under the same run key by whoever adopts it (a new generation); nothing of
// the interrupted one ever ran.
//
// This file holds the launch protocol (claim, generations, commit, adopt, release, stop); its parts:
// local-spawn.ts (a member's environment and process), local-status.ts (a run's status from its folder),
// local-run-dir.ts (reads of the run folder), local-proc.ts (the wrapper and process helpers).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, linkUp, stopGroups } from './local-proc.js';
import {
  committed,
  heldAlive,
  memberCount,
  memberGroups,
  memberLogs,
  readyGeneration,
  type StoredSpec,
} from './local-run-dir.js';
import { generationEnv, spawnMember, type Generation, type MemberSite } from './local-spawn.js';
import { gangFailed, readRunStatus } from './local-status.js';
import type { Executor, RunSpec, RunStatus } from './types.js';
import { LaunchError } from './types.js';
export { WRAPPER } from './local-proc.js';

export interface LocalExecutorOptions {
  /** Folder for run state and logs. */
  root: string;
  /** GPUs per gang member (process); default 1: one process per GPU, like torchrun --nproc-per-node. */
  gpusPerProcess?: number;
  /** Refuse gangs larger than this many processes (default 64). */
  maxProcesses?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping a gang (ms). */
  killGraceMs?: number;
  /**
   * Fault injection for crash tests: wait this long between spawning the held members and the commit
   * (default: SUPERFACTORY_FAULT_LAUNCH_COMMIT_DELAY_MS, else 0), widening the window a kill -9 must hit.
   */
  commitDelayMs?: number;
  /** Address the other sites reach this site's processes at (a gang's rendezvous); default 127.0.0.1. */
  address?: string;
  /** Run members inside this network namespace (`ip netns exec`; root), e.g. one per site joined by a shaped veth. */
  netns?: string;
  /** The site's WAN interface in its namespace (GLOO_SOCKET_IFNAME, and the trainer counts its bytes). */
  wanIface?: string;
  /** Folder members run in (default: the job's checkpoint folder). */
  workDir?: string;
  /** Extra environment of this site's members (below the job's own variables). */
  env?: Record<string, string>;
}

export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  readonly needsCommand = true;
  readonly spansSites = false;
  readonly runsGangParts = true;
  readonly address: string;
  readonly maxGpusPerRun: number;
  readonly knownGaps = [
    'all members run on this host (no multi-node gangs); GPUs are not pinned (CUDA_VISIBLE_DEVICES is set by rank only)',
    'checkpoints are seen only through the step-N / latest file convention in SUPERFACTORY_CHECKPOINT_DIR',
  ] as const;
  private readonly root: string;
  private readonly site: MemberSite;
  private readonly maxProcesses: number;
  private readonly killGraceMs: number;
  private readonly commitDelayMs: number;
  private readonly killing = new Set<string>();
  private readonly launching = new Set<string>();
  readonly netns: string | null;

  constructor(opts: LocalExecutorOptions) {
    this.root = opts.root;
    this.maxProcesses = opts.maxProcesses ?? 64;
    this.killGraceMs = opts.killGraceMs ?? 2000;
    this.commitDelayMs = opts.commitDelayMs ?? (Number(process.env.SUPERFACTORY_FAULT_LAUNCH_COMMIT_DELAY_MS) || 0);
    this.address = opts.address ?? '127.0.0.1';
    this.netns = opts.netns ?? null;
    this.site = {
      gpusPerProcess: opts.gpusPerProcess ?? 1,
      siteEnv: opts.env ?? {},
      netns: this.netns,
      wanIface: opts.wanIface ?? null,
      workDir: opts.workDir ?? null,
    };
    this.maxGpusPerRun = this.maxProcesses * this.site.gpusPerProcess;
    mkdirSync(this.root, { recursive: true });
  }

  processes(gpus: number): number {
    return Math.max(1, Math.ceil(gpus / this.site.gpusPerProcess));
  }

  private dir(runKey: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runKey)) throw new LaunchError(`bad run key ${runKey}`);
    return join(this.root, runKey);
  }

  async start(spec: RunSpec): Promise<RunStatus> {
    if (!spec.command || spec.command.length === 0) throw new LaunchError('the local executor needs a command');
    const members = this.processes(spec.gpus);
    if (members > this.maxProcesses)
      throw new LaunchError(`${members} processes exceed the local executor's limit of ${this.maxProcesses}`);
    const dir = this.dir(spec.runKey);
    try {
      mkdirSync(dir); // atomic claim of the run key: a second start() adopts the first
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.adopt(spec, members);
    }
    this.launching.add(spec.runKey);
    try {
      await this.launchGeneration(dir, spec, members);
    } finally {
      this.launching.delete(spec.runKey);
    }
    return this.read(spec.runKey);
  }

  /** Spawns one held generation of the gang, then commits it by writing `launched` (first commit wins). */
  private async launchGeneration(dir: string, spec: RunSpec, members: number): Promise<void> {
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ spec, members } satisfies StoredSpec));
    mkdirSync(spec.checkpointDir, { recursive: true });
    const gen = randomBytes(8).toString('hex');
    const port = spec.gang ? spec.gang.masterPort : await freePort();
    const g: Generation = { dir, spec, members, gen, port };
    const shared = generationEnv(this.site, g);
    for (let rank = 0; rank < members; rank++) {
      spawnMember(this.site, g, rank, shared, () =>
        // its run folder may be gone (removed by hand, site storage lost): a warning, never an unhandled rejection
        this.enforceGang(spec.runKey).catch((err: Error) =>
          process.emitWarning(`local executor: ${spec.runKey}: cannot stop the gang: ${err.message}`),
        ),
      );
    }
    if (this.commitDelayMs > 0) await new Promise((r) => setTimeout(r, this.commitDelayMs));
    if (spec.gang?.hold) {
      // a gang part: allocated and held; release() commits it once every part of the gang is held
      writeFileSync(join(dir, 'ready'), gen);
      return;
    }
    this.commit(dir, gen);
  }

  /** Writes `launched` with the generation: the commit point (first commit wins). */
  private commit(dir: string, gen: string): void {
    try {
      writeFileSync(join(dir, 'launched'), gen, { flag: 'wx' }); // the commit point
    } catch (err) {
      // another launcher committed first: our held members see a foreign generation and exit unrun
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }

  /**
   * A run key that exists. Committed: report it. Not committed: a launch is in progress in another
   * call, or its launcher died before the commit (kill -9): wait briefly, then launch it again under
   * the same run key (nothing of the interrupted generation ran; its held members exit by themselves).
   */
  private async adopt(spec: RunSpec, members: number): Promise<RunStatus> {
    const dir = this.dir(spec.runKey);
    if (this.launching.has(spec.runKey)) return this.read(spec.runKey);
    this.launching.add(spec.runKey);
    try {
      if (heldAlive(dir)) return this.read(spec.runKey);
      for (let i = 0; i < 20 && !committed(dir); i++) await new Promise((r) => setTimeout(r, 50));
      if (!committed(dir) && !existsSync(join(dir, 'cancelled'))) await this.launchGeneration(dir, spec, members);
      return this.read(spec.runKey);
    } finally {
      this.launching.delete(spec.runKey);
    }
  }

  /** Lets a held gang part run: commits its held generation (idempotent once committed). */
  async release(runKey: string): Promise<void> {
    const dir = this.dir(runKey);
    if (committed(dir)) return;
    const gen = readyGeneration(dir);
    if (gen === null || !heldAlive(dir)) throw new LaunchError(`run ${runKey} is not held (nothing to release)`);
    this.commit(dir, gen);
  }

  private read(runKey: string): RunStatus {
    const { status, stopGang } = readRunStatus(this.dir(runKey), runKey);
    if (stopGang) void this.enforceGang(runKey);
    return status;
  }

  /** When one member has failed, stop the others. */
  private async enforceGang(runKey: string): Promise<void> {
    if (gangFailed(this.dir(runKey))) await this.killGang(runKey);
  }

  private async killGang(runKey: string, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.killing.has(runKey)) return;
    this.killing.add(runKey);
    try {
      const dir = this.dir(runKey);
      const groups = memberGroups(dir, memberCount(dir)).filter((g): g is number => g !== null);
      await stopGroups(groups, first, this.killGraceMs);
    } finally {
      this.killing.delete(runKey);
    }
  }

  async status(runKeys: readonly string[]): Promise<Map<string, RunStatus>> {
    const out = new Map<string, RunStatus>();
    for (const k of runKeys) out.set(k, this.read(k));
    return out;
  }

  async list(): Promise<RunStatus[]> {
    const out: RunStatus[] = [];
    for (const name of readdirSync(this.root)) {
      const s = this.read(name);
      if (s.phase === 'running' || s.phase === 'pending') out.push(s);
    }
    return out;
  }

  async cancel(runKey: string): Promise<void> {
    const dir = this.dir(runKey);
    if (!existsSync(dir)) return;
    if (!existsSync(join(dir, 'cancelled'))) writeFileSync(join(dir, 'cancelled'), String(Date.now()));
    await this.killGang(runKey);
  }

  async heartbeat(): Promise<void> {
    if (!existsSync(this.root)) throw new Error(`run folder ${this.root} is gone`);
    // a site in its own namespace is reachable only while its WAN link is up
    const { netns, wanIface } = this.site;
    if (netns && wanIface && !(await linkUp(netns, wanIface)))
      throw new Error(`WAN link ${wanIface} of namespace ${netns} is down`);
  }

  async logs(runKey: string, maxBytes = 64 * 1024): Promise<string> {
    const dir = this.dir(runKey);
    return existsSync(dir) ? memberLogs(dir, maxBytes) : '';
  }

  /** Stops every live run (tests and shutdown with `stopRuns`). */
  async stopAll(): Promise<void> {
    for (const r of await this.list()) await this.cancel(r.runKey);
  }

  async close(): Promise<void> {}
}
