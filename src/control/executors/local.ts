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
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
export { WRAPPER } from './local-proc.js';
import { join } from 'node:path';
import { latestCheckpoint } from './checkpoints.js';
import { WRAPPER, freePort, isAlive, lastJsonLine, linkUp } from './local-proc.js';
import {
  committed,
  heldAlive,
  memberCount,
  memberEnd,
  memberGroups,
  readyGeneration,
  storedSpec,
  type StoredSpec,
} from './local-run-dir.js';
import type { Executor, RunProgress, RunSpec, RunStatus } from './types.js';
import { LaunchError, baseEnv, unknownStatus } from './types.js';

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
  private readonly gpusPerProcess: number;
  private readonly maxProcesses: number;
  private readonly killGraceMs: number;
  private readonly commitDelayMs: number;
  private readonly killing = new Set<string>();
  private readonly launching = new Set<string>();
  readonly netns: string | null;
  private readonly wanIface: string | null;
  private readonly workDir: string | null;
  private readonly siteEnv: Record<string, string>;

  constructor(opts: LocalExecutorOptions) {
    this.root = opts.root;
    this.gpusPerProcess = opts.gpusPerProcess ?? 1;
    this.maxProcesses = opts.maxProcesses ?? 64;
    this.killGraceMs = opts.killGraceMs ?? 2000;
    this.commitDelayMs = opts.commitDelayMs ?? (Number(process.env.SUPERFACTORY_FAULT_LAUNCH_COMMIT_DELAY_MS) || 0);
    this.address = opts.address ?? '127.0.0.1';
    this.netns = opts.netns ?? null;
    this.wanIface = opts.wanIface ?? null;
    this.workDir = opts.workDir ?? null;
    this.siteEnv = opts.env ?? {};
    this.maxGpusPerRun = this.maxProcesses * this.gpusPerProcess;
    mkdirSync(this.root, { recursive: true });
  }

  processes(gpus: number): number {
    return Math.max(1, Math.ceil(gpus / this.gpusPerProcess));
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
    const g = spec.gang;
    const port = g ? g.masterPort : await freePort();
    const env0 = { ...this.siteEnv, ...baseEnv(spec) };
    if (this.wanIface) {
      env0.GLOO_SOCKET_IFNAME = this.wanIface;
      env0.SUPERFACTORY_WAN_IFACE = this.wanIface;
    }
    env0.SUPERFACTORY_PROGRESS_FILE = join(dir, 'progress.jsonl');
    for (let rank = 0; rank < members; rank++) {
      const gpus = Array.from({ length: this.gpusPerProcess }, (_, i) => rank * this.gpusPerProcess + i).join(',');
      const env = {
        ...process.env,
        ...env0,
        RANK: String((g?.rankOffset ?? 0) + rank),
        WORLD_SIZE: String(g?.worldSize ?? members),
        LOCAL_RANK: String(rank),
        LOCAL_WORLD_SIZE: String(members),
        GROUP_RANK: String(g?.index ?? 0),
        MASTER_ADDR: g?.masterAddr ?? '127.0.0.1',
        MASTER_PORT: String(port),
        CUDA_VISIBLE_DEVICES: gpus,
        SF_GEN: gen,
        SF_LAUNCHED: join(dir, 'launched'),
        SF_CANCELLED: join(dir, 'cancelled'),
        SF_PIDFILE: join(dir, `rank${rank}.pid`),
        SF_EXITFILE: join(dir, `rank${rank}.exit`),
        SF_HELDFILE: join(dir, `rank${rank}.held.${gen}`),
      };
      const log = openSync(join(dir, `rank${rank}.log`), 'a');
      try {
        // `ip netns exec` execs in place: the pid (and process group) stays the wrapper's
        const argv = ['/bin/sh', '-c', WRAPPER, 'sf-member', ...spec.command!];
        const [cmd, ...args] = this.netns ? ['ip', 'netns', 'exec', this.netns, ...argv] : argv;
        const child = spawn(cmd, args, {
          env,
          cwd: this.workDir ?? spec.checkpointDir,
          detached: true,
          stdio: ['ignore', log, log],
        });
        child.on('error', (err) => {
          // the wrapper could not be spawned: the member has no pid and read() reports the run lost
          process.emitWarning(`local executor: member ${rank} of ${spec.runKey}: ${err.message}`);
        });
        child.on('exit', (code) => {
          // its run folder may be gone (removed by hand, site storage lost): a warning, never an unhandled rejection
          if (code !== 0)
            this.enforceGang(spec.runKey).catch((err: Error) =>
              process.emitWarning(`local executor: ${spec.runKey}: cannot stop the gang: ${err.message}`),
            );
        });
        child.unref();
        if (child.pid) writeFileSync(join(dir, `rank${rank}.pgid.${gen}`), String(child.pid));
      } finally {
        closeSync(log);
      }
    }
    if (this.commitDelayMs > 0) await new Promise((r) => setTimeout(r, this.commitDelayMs));
    if (g?.hold) {
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
    const dir = this.dir(runKey);
    if (!existsSync(dir)) return unknownStatus(runKey);
    const n = memberCount(dir);
    const cancelled = existsSync(join(dir, 'cancelled'));
    const launched = committed(dir);
    const groups = memberGroups(dir, n);
    let alive = 0;
    let failedCode: number | null = null;
    let failedRank = -1;
    let lost = 0;
    let succeeded = 0;
    const pids: number[] = [];
    if (!launched) {
      // not committed: nothing ran; held members (if any) exit by themselves
      for (const g of groups) if (g !== null && isAlive(g)) alive++;
    } else {
      for (let r = 0; r < n; r++) {
        // the wrapper's pid (= its process group) is written at spawn, before the commit
        const pid = groups[r] ?? null;
        const end = memberEnd(dir, r, pid);
        if (pid !== null) pids.push(pid);
        if (end.code !== null) {
          if (end.code === 0) succeeded++;
          else if (failedRank < 0) {
            failedCode = end.code;
            failedRank = r;
          }
        } else if (end.alive) alive++;
        else lost++;
      }
    }
    const spec = storedSpec(dir);
    const checkpoint = spec ? latestCheckpoint(spec.checkpointDir) : null;
    const progress = lastJsonLine<RunProgress>(join(dir, 'progress.jsonl'));
    const base = { runKey, externalId: pids.length ? `pids:${pids.join(',')}` : null, checkpoint, progress };
    if (!launched && !cancelled) {
      return heldAlive(dir)
        ? {
            ...base,
            phase: 'pending',
            exitCode: null,
            reason: 'held: waiting for the other parts of its gang',
            held: true,
          }
        : { ...base, phase: 'pending', exitCode: null, reason: 'launching' };
    }
    if (cancelled) {
      return alive > 0
        ? { ...base, phase: 'running', exitCode: null, reason: 'stopping' }
        : { ...base, phase: 'cancelled', exitCode: failedCode, reason: 'cancelled' };
    }
    if (failedRank >= 0 || lost > 0) {
      if (alive > 0) void this.enforceGang(runKey);
      return {
        ...base,
        phase: 'failed',
        exitCode: failedCode ?? 137,
        reason:
          failedRank >= 0
            ? `rank ${failedRank} exited with code ${failedCode}; gang stopped`
            : `${lost} member(s) died without an exit code; gang stopped`,
      };
    }
    if (succeeded === n) return { ...base, phase: 'succeeded', exitCode: 0, reason: null };
    return { ...base, phase: 'running', exitCode: null, reason: null };
  }

  /** When one member has failed, stop the others. */
  private async enforceGang(runKey: string): Promise<void> {
    const dir = this.dir(runKey);
    const n = memberCount(dir);
    let failed = false;
    if (!committed(dir)) return;
    const groups = memberGroups(dir, n);
    for (let r = 0; r < n; r++) {
      const pid = groups[r] ?? null;
      const end = memberEnd(dir, r, pid);
      if ((end.code !== null && end.code !== 0) || (end.code === null && pid !== null && !end.alive)) failed = true;
    }
    if (failed) await this.killGang(runKey);
  }

  private async killGang(runKey: string, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.killing.has(runKey)) return;
    this.killing.add(runKey);
    try {
      const dir = this.dir(runKey);
      const n = memberCount(dir);
      const groups = memberGroups(dir, n).filter((g): g is number => g !== null);
      const signal = (sig: NodeJS.Signals) => {
        let any = false;
        for (const g of groups) {
          try {
            process.kill(-g, sig);
            any = true;
          } catch {
            // group gone
          }
        }
        return any;
      };
      if (!signal(first)) return;
      const deadline = Date.now() + this.killGraceMs;
      while (Date.now() < deadline && groups.some((g) => isAlive(g))) await new Promise((r) => setTimeout(r, 50));
      signal('SIGKILL');
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
    if (this.netns && this.wanIface && !(await linkUp(this.netns, this.wanIface)))
      throw new Error(`WAN link ${this.wanIface} of namespace ${this.netns} is down`);
  }

  async logs(runKey: string, maxBytes = 64 * 1024): Promise<string> {
    const dir = this.dir(runKey);
    if (!existsSync(dir)) return '';
    const n = memberCount(dir);
    const parts: string[] = [];
    for (let r = 0; r < n; r++) {
      try {
        const text = readFileSync(join(dir, `rank${r}.log`), 'utf8');
        parts.push(
          ...text
            .split('\n')
            .filter(Boolean)
            .map((l) => `[rank ${r}] ${l}`),
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // no log yet is fine; unreadable is not
      }
    }
    const all = parts.join('\n');
    return all.length > maxBytes ? all.slice(all.length - maxBytes) : all;
  }

  /** Stops every live run (tests and shutdown with `stopRuns`). */
  async stopAll(): Promise<void> {
    for (const r of await this.list()) await this.cancel(r.runKey);
  }

  async close(): Promise<void> {}
}
