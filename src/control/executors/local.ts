// Local executor: each gang member is a local process with the torchrun environment (RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and SUPERFACTORY_CHECKPOINT_DIR.
// State lives in files so that a restarted control plane re-adopts runs that outlived it:
//   <root>/<runKey>/spec.json, rank<N>.pid, rank<N>.exit, rank<N>.log, launched, cancelled
// Each member runs under a small sh wrapper in its own process group; the wrapper records the
// member's exit code. When one member fails, the whole gang is stopped.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { latestCheckpoint } from './checkpoints.js';
import type { Executor, RunSpec, RunStatus } from './types.js';
import { LaunchError, baseEnv, unknownStatus } from './types.js';

const WRAPPER = 'echo $$ > "$SF_PIDFILE"; "$@"; c=$?; echo $c > "$SF_EXITFILE.tmp"; mv "$SF_EXITFILE.tmp" "$SF_EXITFILE"; exit $c';

export interface LocalExecutorOptions {
  /** Folder for run state and logs. */
  root: string;
  /** GPUs per gang member (process); default 1: one process per GPU, like torchrun --nproc-per-node. */
  gpusPerProcess?: number;
  /** Refuse gangs larger than this many processes (default 64). */
  maxProcesses?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping a gang (ms). */
  killGraceMs?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

function readInt(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface StoredSpec {
  spec: RunSpec;
  members: number;
}

export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  readonly needsCommand = true;
  readonly knownGaps = [
    'all members run on this host (no multi-node gangs); GPUs are not pinned (CUDA_VISIBLE_DEVICES is set by rank only)',
    'checkpoints are seen only through the step-N / latest file convention in SUPERFACTORY_CHECKPOINT_DIR',
  ] as const;
  private readonly root: string;
  private readonly gpusPerProcess: number;
  private readonly maxProcesses: number;
  private readonly killGraceMs: number;
  private readonly killing = new Set<string>();

  constructor(opts: LocalExecutorOptions) {
    this.root = opts.root;
    this.gpusPerProcess = opts.gpusPerProcess ?? 1;
    this.maxProcesses = opts.maxProcesses ?? 64;
    this.killGraceMs = opts.killGraceMs ?? 2000;
    mkdirSync(this.root, { recursive: true });
  }

  private dir(runKey: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runKey)) throw new LaunchError(`bad run key ${runKey}`);
    return join(this.root, runKey);
  }

  async start(spec: RunSpec): Promise<RunStatus> {
    if (!spec.command || spec.command.length === 0) throw new LaunchError('the local executor needs a command');
    const members = Math.max(1, Math.ceil(spec.gpus / this.gpusPerProcess));
    if (members > this.maxProcesses) throw new LaunchError(`${members} processes exceed the local executor's limit of ${this.maxProcesses}`);
    const dir = this.dir(spec.runKey);
    try {
      mkdirSync(dir); // atomic claim of the run key: a second start() adopts the first
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.adopt(spec.runKey);
    }
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ spec, members } satisfies StoredSpec));
    mkdirSync(spec.checkpointDir, { recursive: true });
    const port = await freePort();
    const env0 = baseEnv(spec);
    for (let rank = 0; rank < members; rank++) {
      const gpus = Array.from({ length: this.gpusPerProcess }, (_, i) => rank * this.gpusPerProcess + i).join(',');
      const env = {
        ...process.env,
        ...env0,
        RANK: String(rank),
        WORLD_SIZE: String(members),
        LOCAL_RANK: String(rank),
        LOCAL_WORLD_SIZE: String(members),
        GROUP_RANK: '0',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(port),
        CUDA_VISIBLE_DEVICES: gpus,
        SF_PIDFILE: join(dir, `rank${rank}.pid`),
        SF_EXITFILE: join(dir, `rank${rank}.exit`),
      };
      const log = openSync(join(dir, `rank${rank}.log`), 'a');
      try {
        const child = spawn('/bin/sh', ['-c', WRAPPER, 'sf-member', ...spec.command], {
          env,
          cwd: spec.checkpointDir,
          detached: true,
          stdio: ['ignore', log, log],
        });
        child.on('error', () => {});
        child.on('exit', (code) => {
          if (code !== 0) void this.enforceGang(spec.runKey);
        });
        child.unref();
        if (child.pid) writeFileSync(join(dir, `rank${rank}.pgid`), String(child.pid));
      } finally {
        closeSync(log);
      }
    }
    writeFileSync(join(dir, 'launched'), String(Date.now()));
    return this.read(spec.runKey);
  }

  /** A run key that exists: wait briefly for an interrupted launch to settle, then report it. */
  private async adopt(runKey: string): Promise<RunStatus> {
    const dir = this.dir(runKey);
    for (let i = 0; i < 20 && !existsSync(join(dir, 'launched')); i++) await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(join(dir, 'launched'))) {
      // The previous launch died half-way: stop whatever members it started; never run them twice.
      await this.killGang(runKey, 'SIGKILL');
      writeFileSync(join(dir, 'cancelled'), 'launch interrupted');
    }
    return this.read(runKey);
  }

  private members(dir: string): number {
    try {
      return (JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as StoredSpec).members;
    } catch {
      return readdirSync(dir).filter((f) => /^rank\d+\.pgid$/.test(f)).length;
    }
  }

  private spec(dir: string): RunSpec | null {
    try {
      return (JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as StoredSpec).spec;
    } catch {
      return null;
    }
  }

  private read(runKey: string): RunStatus {
    const dir = this.dir(runKey);
    if (!existsSync(dir)) return unknownStatus(runKey);
    const n = this.members(dir);
    const cancelled = existsSync(join(dir, 'cancelled'));
    const launched = existsSync(join(dir, 'launched'));
    let alive = 0;
    let failedCode: number | null = null;
    let failedRank = -1;
    let lost = 0;
    let succeeded = 0;
    const pids: number[] = [];
    for (let r = 0; r < n; r++) {
      // the wrapper's pid (= its process group) is written synchronously at spawn, before `launched`
      const pid = readInt(join(dir, `rank${r}.pgid`)) ?? readInt(join(dir, `rank${r}.pid`));
      const code = readInt(join(dir, `rank${r}.exit`));
      if (pid !== null) pids.push(pid);
      if (code !== null) {
        if (code === 0) succeeded++;
        else if (failedRank < 0) {
          failedCode = code;
          failedRank = r;
        }
      } else if (pid !== null && isAlive(pid)) alive++;
      else if (pid !== null || launched) lost++;
    }
    const spec = this.spec(dir);
    const checkpoint = spec ? latestCheckpoint(spec.checkpointDir) : null;
    const base = { runKey, externalId: pids.length ? `pids:${pids.join(',')}` : null, checkpoint };
    if (!launched && !cancelled) return { ...base, phase: 'pending', exitCode: null, reason: 'launching' };
    if (cancelled) {
      return alive > 0 ? { ...base, phase: 'running', exitCode: null, reason: 'stopping' } : { ...base, phase: 'cancelled', exitCode: failedCode, reason: 'cancelled' };
    }
    if (failedRank >= 0 || lost > 0) {
      if (alive > 0) void this.enforceGang(runKey);
      return {
        ...base,
        phase: 'failed',
        exitCode: failedCode ?? 137,
        reason: failedRank >= 0 ? `rank ${failedRank} exited with code ${failedCode}; gang stopped` : `${lost} member(s) died without an exit code; gang stopped`,
      };
    }
    if (succeeded === n) return { ...base, phase: 'succeeded', exitCode: 0, reason: null };
    return { ...base, phase: 'running', exitCode: null, reason: null };
  }

  /** When one member has failed, stop the others. */
  private async enforceGang(runKey: string): Promise<void> {
    const dir = this.dir(runKey);
    const n = this.members(dir);
    let failed = false;
    for (let r = 0; r < n; r++) {
      const code = readInt(join(dir, `rank${r}.exit`));
      const pid = readInt(join(dir, `rank${r}.pgid`)) ?? readInt(join(dir, `rank${r}.pid`));
      if ((code !== null && code !== 0) || (code === null && pid !== null && !isAlive(pid))) failed = true;
    }
    if (failed) await this.killGang(runKey);
  }

  private async killGang(runKey: string, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.killing.has(runKey)) return;
    this.killing.add(runKey);
    try {
      const dir = this.dir(runKey);
      const n = this.members(dir);
      const groups: number[] = [];
      for (let r = 0; r < n; r++) {
        const g = readInt(join(dir, `rank${r}.pgid`)) ?? readInt(join(dir, `rank${r}.pid`));
        if (g !== null) groups.push(g);
      }
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
  }

  async logs(runKey: string, maxBytes = 64 * 1024): Promise<string> {
    const dir = this.dir(runKey);
    if (!existsSync(dir)) return '';
    const n = this.members(dir);
    const parts: string[] = [];
    for (let r = 0; r < n; r++) {
      try {
        const text = readFileSync(join(dir, `rank${r}.log`), 'utf8');
        parts.push(...text.split('\n').filter(Boolean).map((l) => `[rank ${r}] ${l}`));
      } catch {
        // no log yet
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
