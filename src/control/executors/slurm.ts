// Slurm executor: a site's Slurm cluster through slurmrestd (OpenAPI v0.0.38, Slurm 22.05+), JWT auth
// (headers X-SLURM-USER-NAME and X-SLURM-USER-TOKEN). One gang = one Slurm batch job named
// `sf-<runKey>`; inside it `srun --kill-on-bad-exit=1` starts one task per member with the torchrun
// environment, so Slurm stops the whole gang when one member dies. The job name makes start()
// idempotent: a run key that Slurm already knows is adopted, not submitted again.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latestCheckpoint } from './checkpoints.js';
import { lastJsonLine } from './local-proc.js';
import type { Executor, RunPhase, RunProgress, RunSpec, RunStatus } from './types.js';
import { ExecutorUnavailableError, LaunchError, baseEnv, unknownStatus } from './types.js';

export interface SlurmExecutorOptions {
  /** slurmrestd base URL, e.g. http://127.0.0.1:6820 */
  url: string;
  /** JWT from `scontrol token` (or your site's JWT issuer). */
  token: string;
  /** User the token belongs to. */
  user: string;
  /** Partition to submit to (default: the cluster's default). */
  partition?: string;
  /** GPUs per node on this cluster (gang members per node); default 8. */
  gpusPerNode?: number;
  /** GPUs per task (member); default 1. */
  gpusPerTask?: number;
  /** Working folder on storage the nodes share (job stdout lands here). */
  workDir: string;
  /** Extra #SBATCH-equivalent fields merged into the job description. */
  jobDefaults?: Record<string, unknown>;
  apiVersion?: string;
  requestTimeoutMs?: number;
  /** Minimum interval between two GET /jobs listings (ms), to spare slurmctld; default 500. */
  pollMinIntervalMs?: number;
  /**
   * Address the other sites of a gang reach this cluster's first task at (the rendezvous when this
   * site holds rank 0); default 127.0.0.1 (one host). Assumption: rank 0 runs on that node.
   */
  address?: string;
}

interface SlurmJob {
  job_id: number;
  name: string;
  job_state: string;
  exit_code?: number;
  state_reason?: string;
  /** We keep the run's checkpoint folder here so that a restarted control plane finds it. */
  comment?: string;
}

/** Shell-quotes one word for bash. */
function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function mapSlurmState(state: string): RunPhase {
  const s = state.toUpperCase();
  if (['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD'].includes(s))
    return 'pending';
  if (['RUNNING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING', 'STOPPED', 'RESIZING'].includes(s))
    return 'running';
  if (s === 'COMPLETED') return 'succeeded';
  if (s === 'CANCELLED') return 'cancelled';
  return 'failed'; // FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, PREEMPTED, SPECIAL_EXIT
}

/** Slurm reports the batch script's wait status: exit code in the high byte, signal in the low byte. */
export function slurmExitCode(raw: number | undefined): number | null {
  if (raw === undefined || raw === null) return null;
  const code = (raw >> 8) & 0xff;
  const signal = raw & 0x7f;
  return signal ? 128 + signal : code;
}

export function slurmConfigFromEnv(): Omit<SlurmExecutorOptions, 'workDir'> | null {
  const url = process.env.SUPERFACTORY_SLURM_URL;
  const token = process.env.SUPERFACTORY_SLURM_TOKEN;
  if (!url || !token) return null;
  return { url, token, user: process.env.SUPERFACTORY_SLURM_USER ?? 'root' };
}

/** Null when slurmrestd answers a ping with the env's token, else why not. */
export async function slurmUnavailableReason(): Promise<string | null> {
  const cfg = slurmConfigFromEnv();
  if (!cfg) return 'SUPERFACTORY_SLURM_URL / SUPERFACTORY_SLURM_TOKEN not set; run `source scripts/ci/slurm.sh`';
  try {
    const ex = new SlurmExecutor({ ...cfg, workDir: '/tmp' });
    await ex.heartbeat();
    return null;
  } catch (err) {
    return `slurmrestd at ${cfg.url} unreachable: ${(err as Error).message}`;
  }
}

export class SlurmExecutor implements Executor {
  readonly kind = 'slurm' as const;
  readonly needsCommand = true;
  readonly spansSites = false;
  readonly runsGangParts = true;
  readonly address: string;
  readonly knownGaps = [
    'as the first site of a cross-site gang, the rendezvous is the configured address (not the allocated node)',
    'slurmrestd OpenAPI v0.0.38 only (Slurm 22.05); newer plugins rename fields',
    'the checkpoint folder must be on storage that both the Slurm nodes and the control plane see',
    'start() idempotency relies on the job name: two leaders racing within one poll could submit twice (the lease prevents two leaders)',
    'finished jobs are forgotten by slurmctld after MinJobAge; a run not seen by then reports unknown',
  ] as const;
  private readonly base: string;
  private readonly opts: SlurmExecutorOptions;
  private cache: { at: number; jobs: SlurmJob[] } | null = null;
  private readonly byKey = new Map<string, number>();

  constructor(opts: SlurmExecutorOptions) {
    this.opts = opts;
    this.base = `${opts.url.replace(/\/$/, '')}/slurm/${opts.apiVersion ?? 'v0.0.38'}`;
    this.address = opts.address ?? '127.0.0.1';
  }

  processes(gpus: number): number {
    return Math.max(1, Math.ceil(gpus / (this.opts.gpusPerTask ?? 1)));
  }

  /** Files beside the job's output in workDir: a held part waits for `.go` (release), `.progress.jsonl` is the trainer's. */
  private file(runKey: string, ext: 'hold' | 'go' | 'progress.jsonl'): string {
    return join(this.opts.workDir, `${runKey}.${ext}`);
  }

  /** Lets a held gang part run: its batch script waits for this file (on storage the nodes share). */
  async release(runKey: string): Promise<void> {
    if (!existsSync(this.file(runKey, 'hold'))) throw new LaunchError(`run ${runKey} is not held (nothing to release)`);
    writeFileSync(this.file(runKey, 'go'), String(Date.now()));
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          'X-SLURM-USER-NAME': this.opts.user,
          'X-SLURM-USER-TOKEN': this.opts.token,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new ExecutorUnavailableError(`slurmrestd ${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: { errors?: { error?: string; description?: string; error_number?: number }[] } & Record<string, unknown>;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ExecutorUnavailableError(`slurmrestd ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    const errors = (json.errors ?? []).filter((e) => e && (e.error_number ?? 0) !== 0);
    if (res.status === 401 || res.status === 403)
      throw new ExecutorUnavailableError(`slurmrestd refused the token (HTTP ${res.status})`);
    if (!res.ok || errors.length > 0) {
      const msg = errors.map((e) => e.description || e.error).join('; ') || `HTTP ${res.status}`;
      const err = new Error(`slurmrestd ${method} ${path}: ${msg}`) as Error & { status: number };
      err.status = res.status;
      throw err;
    }
    return json as T;
  }

  private async jobs(force = false): Promise<SlurmJob[]> {
    const now = Date.now();
    if (!force && this.cache && now - this.cache.at < (this.opts.pollMinIntervalMs ?? 500)) return this.cache.jobs;
    const r = await this.call<{ jobs: SlurmJob[] }>('GET', '/jobs');
    const jobs = (r.jobs ?? []).filter((j) => typeof j.name === 'string' && j.name.startsWith('sf-'));
    this.cache = { at: now, jobs };
    for (const j of jobs) {
      const key = j.name.slice(3);
      const prev = this.byKey.get(key);
      if (prev === undefined || j.job_id > prev) this.byKey.set(key, j.job_id);
    }
    return jobs;
  }

  private toStatus(runKey: string, j: SlurmJob | undefined, checkpointDir: string | null): RunStatus {
    if (!j) return unknownStatus(runKey);
    checkpointDir ??= j.comment && j.comment.startsWith('/') ? j.comment : null;
    let phase = mapSlurmState(j.job_state);
    const done = phase === 'succeeded' || phase === 'failed' || phase === 'cancelled';
    // a gang part: allocated (RUNNING) but its script still waits for release
    const held = phase === 'running' && existsSync(this.file(runKey, 'hold')) && !existsSync(this.file(runKey, 'go'));
    if (held) phase = 'pending';
    return {
      runKey,
      phase,
      ...(held ? { held: true } : {}),
      progress: lastJsonLine<RunProgress>(this.file(runKey, 'progress.jsonl')),
      externalId: `slurm:${j.job_id}`,
      exitCode: done ? slurmExitCode(j.exit_code) : null,
      reason: held
        ? 'held: allocated, waiting for the other parts of its gang'
        : phase === 'failed' || phase === 'pending'
          ? `${j.job_state}${j.state_reason && j.state_reason !== 'None' ? ` (${j.state_reason})` : ''}`
          : null,
      checkpoint: checkpointDir ? latestCheckpoint(checkpointDir) : null,
    };
  }

  private readonly checkpointDirs = new Map<string, string>();

  private script(spec: RunSpec, tasks: number): string {
    const argv = (spec.command ?? []).map(q).join(' ');
    const g = spec.gang;
    // a gang part: ranks offset by the parts before it, the gang's rendezvous, and (held) wait for release;
    // a held part gives up after 10 min (nobody released it: the control plane cancels it first normally)
    const rendezvous = g
      ? [
          `export MASTER_ADDR=${q(g.masterAddr)}`,
          `export MASTER_PORT=${g.masterPort}`,
          `export WORLD_SIZE=${g.worldSize}`,
        ]
      : [
          'export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n1)',
          'export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))',
          `export WORLD_SIZE=${tasks}`,
        ];
    const hold = g?.hold
      ? [
          `i=0; while [ ! -e ${q(this.file(spec.runKey, 'go'))} ]; do [ $i -ge 3000 ] && exit 0; sleep 0.2; i=$((i+1)); done`,
        ]
      : [];
    return [
      '#!/bin/bash',
      '# generated by superfactory: one task per gang member, torchrun environment',
      ...hold,
      ...rendezvous,
      `mkdir -p ${q(spec.checkpointDir)}`,
      `srun --kill-on-bad-exit=1 bash -c 'export RANK=$((SLURM_PROCID + ${g?.rankOffset ?? 0})) LOCAL_RANK=$SLURM_LOCALID LOCAL_WORLD_SIZE=$SLURM_NTASKS_PER_NODE; exec "$@"' sf-member ${argv}`,
      '',
    ].join('\n');
  }

  async start(spec: RunSpec): Promise<RunStatus> {
    if (!spec.command || spec.command.length === 0) throw new LaunchError('the Slurm executor needs a command');
    this.checkpointDirs.set(spec.runKey, spec.checkpointDir);
    const existing = (await this.jobs(true))
      .filter((j) => j.name === `sf-${spec.runKey}`)
      .sort((a, b) => b.job_id - a.job_id)[0];
    if (existing) return this.toStatus(spec.runKey, existing, spec.checkpointDir);
    const gpusPerTask = this.opts.gpusPerTask ?? 1;
    const gpusPerNode = this.opts.gpusPerNode ?? 8;
    const tasks = Math.max(1, Math.ceil(spec.gpus / gpusPerTask));
    const nodes = Math.max(1, Math.ceil(spec.gpus / gpusPerNode));
    const env: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ...baseEnv(spec),
      SUPERFACTORY_PROGRESS_FILE: this.file(spec.runKey, 'progress.jsonl'),
    };
    if (spec.gang?.hold) writeFileSync(this.file(spec.runKey, 'hold'), String(Date.now()));
    const job: Record<string, unknown> = {
      name: `sf-${spec.runKey}`,
      current_working_directory: this.opts.workDir,
      environment: env,
      tasks,
      nodes,
      gres: `gpu:${Math.min(spec.gpus, gpusPerNode)}`,
      standard_output: join(this.opts.workDir, `${spec.runKey}.out`),
      standard_error: join(this.opts.workDir, `${spec.runKey}.out`),
      requeue: false,
      comment: spec.checkpointDir,
      ...(this.opts.partition ? { partition: this.opts.partition } : {}),
      ...(this.opts.jobDefaults ?? {}),
    };
    let r: { job_id: number };
    try {
      r = await this.call<{ job_id: number }>('POST', '/job/submit', { job, script: this.script(spec, tasks) });
    } catch (err) {
      if (err instanceof ExecutorUnavailableError) throw err;
      throw new LaunchError((err as Error).message, { cause: err });
    }
    this.byKey.set(spec.runKey, r.job_id);
    this.cache = null;
    return {
      runKey: spec.runKey,
      phase: 'pending',
      externalId: `slurm:${r.job_id}`,
      exitCode: null,
      reason: 'submitted',
      checkpoint: null,
    };
  }

  async status(runKeys: readonly string[]): Promise<Map<string, RunStatus>> {
    const jobs = await this.jobs();
    const byName = new Map<string, SlurmJob>();
    for (const j of jobs) {
      const prev = byName.get(j.name);
      if (!prev || j.job_id > prev.job_id) byName.set(j.name, j);
    }
    const out = new Map<string, RunStatus>();
    for (const k of runKeys) out.set(k, this.toStatus(k, byName.get(`sf-${k}`), this.checkpointDirs.get(k) ?? null));
    return out;
  }

  async list(): Promise<RunStatus[]> {
    const jobs = await this.jobs(true);
    return jobs
      .map((j) => this.toStatus(j.name.slice(3), j, this.checkpointDirs.get(j.name.slice(3)) ?? null))
      .filter((s) => s.phase === 'pending' || s.phase === 'running');
  }

  async cancel(runKey: string): Promise<void> {
    const jobs = await this.jobs(true);
    for (const j of jobs) {
      if (j.name !== `sf-${runKey}`) continue;
      const phase = mapSlurmState(j.job_state);
      if (phase !== 'pending' && phase !== 'running') continue;
      try {
        await this.call('DELETE', `/job/${j.job_id}`);
      } catch (err) {
        if (err instanceof ExecutorUnavailableError) throw err;
        // already finished
      }
    }
    this.cache = null;
  }

  async heartbeat(): Promise<void> {
    await this.call('GET', '/ping');
  }

  async logs(runKey: string, maxBytes = 64 * 1024): Promise<string> {
    try {
      const text = readFileSync(join(this.opts.workDir, `${runKey}.out`), 'utf8');
      return text.length > maxBytes ? text.slice(text.length - maxBytes) : text;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''; // no output yet
      throw err;
    }
  }

  async close(): Promise<void> {}
}
