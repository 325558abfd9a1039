// One conformance suite for the Executor interface, run against every backend.
// Known gaps per backend (also in each executor's `knownGaps`):
// - local: all gang members on this host; GPUs are not pinned; checkpoints seen via the step-N/latest file convention.
// - slurm: needs slurmrestd (v0.0.38 API) reachable and a JWT; commands run as the JWT user on the cluster's
//   nodes; the checkpoint folder must be on storage both Slurm nodes and the control plane see; a gang is
//   one Slurm job (srun inside it starts the members); start() idempotency relies on the job name
//   (a race between two leaders within one poll can submit twice: fenced by the lease).
// - twin: drives the simulator's engine (src/sim/twin-backend.ts) in accelerated time: the command is
//   not executed (no environment, no logs, no failing exit code to test); runs live in memory and are
//   lost when the process restarts (the control plane requeues them from their last checkpoint);
//   sampled hardware failures (off by default) end a run as failed (exit 137) and are not retried,
//   and the failed GPUs stay in the control plane's cluster state; a run placed without pod/domain
//   is assumed packed into whole scale-up domains of its site's first pod. Two variants run here:
//   without a fabric (speed 1, free checkpoints) and on the two-site test fabric (perf-model speed
//   of the placement, checkpoint cost from the site's storage bandwidth).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { LocalExecutor } from '../../src/control/executors/local.js';
import { SlurmExecutor, slurmConfigFromEnv, slurmUnavailableReason } from '../../src/control/executors/slurm.js';
import { TwinExecutor } from '../../src/control/executors/twin.js';
import type { Executor, RunSpec, RunStatus } from '../../src/control/executors/types.js';
import { tempDir, waitFor } from './helpers.js';
import { tinyFabric } from './fixtures.js';

interface Backend {
  name: string;
  skip: string | null;
  make: (dir: string) => Executor;
  /** Whether the backend executes the run's command (the twin simulates it instead). */
  runsCommands: boolean;
  /** Seconds to wait for a short run to finish. */
  timeoutMs: number;
}

const slurmSkip = await slurmUnavailableReason();
const fabric = await tinyFabric();
if (slurmSkip) console.log(`[executor conformance] skipping Slurm backend: ${slurmSkip}`);

const backends: Backend[] = [
  {
    name: 'local',
    skip: null,
    make: (dir) => new LocalExecutor({ root: join(dir, 'runs'), killGraceMs: 500 }),
    runsCommands: true,
    timeoutMs: 10_000,
  },
  {
    name: 'slurm',
    skip: slurmSkip,
    make: (dir) => new SlurmExecutor({ ...slurmConfigFromEnv()!, workDir: dir, pollMinIntervalMs: 0 }),
    runsCommands: true,
    timeoutMs: 30_000,
  },
  {
    name: 'twin',
    skip: null,
    make: () => new TwinExecutor({ speedup: 1000, checkpointEveryS: 60, defaultDurationS: 600 }),
    runsCommands: false,
    timeoutMs: 10_000,
  },
  {
    name: 'twin (fabric)',
    skip: null,
    make: () => new TwinExecutor({ fabric, speedup: 1000, checkpointEveryS: 60, defaultDurationS: 600 }),
    runsCommands: false,
    timeoutMs: 10_000,
  },
];

let seq = 0;
function spec(dir: string, command: string[] | null, over: Partial<RunSpec> = {}): RunSpec {
  const jobId = `job_conf${process.pid}x${++seq}`;
  return {
    runKey: `${jobId}.1`,
    jobId,
    attempt: 1,
    tenantId: 'acme',
    name: 'conformance',
    model: 'llama3-8b',
    siteId: 'atl',
    placement: [{ site: 'atl', gpus: 2 }],
    gpus: 2,
    command,
    env: { FOO: 'bar' },
    checkpointDir: join(dir, 'ckpt', jobId),
    resumeFrom: null,
    checkpointable: true,
    expectedDurationS: 60,
    ...over,
  };
}

async function until(
  ex: Executor,
  runKey: string,
  phases: RunStatus['phase'][],
  timeoutMs: number,
): Promise<RunStatus> {
  return waitFor(
    async () => {
      const s = (await ex.status([runKey])).get(runKey)!;
      return phases.includes(s.phase) ? s : null;
    },
    timeoutMs,
    100,
  );
}

for (const b of backends) {
  // A test waits on up to three states, each for up to b.timeoutMs: its own limit covers them, so a slow Slurm (one node
  // shared with the other Slurm suites in CI) fails on the state it waited for, not on the 30 s default.
  describe.skipIf(b.skip !== null)(`executor conformance: ${b.name}`, { timeout: 3 * b.timeoutMs + 10_000 }, () => {
    let dir: string;
    let ex: Executor;
    beforeAll(() => {
      dir = tempDir(`sf-exec-${b.name}-`);
      ex = b.make(dir);
    });
    afterAll(async () => {
      for (const r of (await ex?.list()) ?? []) await ex.cancel(r.runKey);
      await ex?.close();
    });

    it('says whether it needs (and runs) a command', () => {
      expect(ex.needsCommand).toBe(b.runsCommands);
    });

    it('answers a heartbeat while the site is reachable', async () => {
      await expect(ex.heartbeat()).resolves.toBeUndefined();
    });

    it('reports a run it never started as unknown', async () => {
      const s = (await ex.status(['job_never.1'])).get('job_never.1');
      expect(s?.phase).toBe('unknown');
    });

    it('runs a gang to success and reports exit code 0', async () => {
      const out = join(dir, `env-${seq + 1}`);
      const s = spec(dir, [
        'sh',
        '-c',
        `env | grep -E '^(RANK|WORLD_SIZE|LOCAL_RANK|MASTER_ADDR|MASTER_PORT|SUPERFACTORY_CHECKPOINT_DIR|FOO)=' | sort > ${out}.$RANK`,
      ]);
      const started = await ex.start(s);
      expect(['pending', 'running', 'succeeded']).toContain(started.phase);
      const done = await until(ex, s.runKey, ['succeeded', 'failed'], b.timeoutMs);
      expect(done.phase).toBe('succeeded');
      expect(done.exitCode).toBe(0);
      // a backend that runs commands wrote rank 0's environment; the twin executes nothing
      expect(existsSync(`${out}.0`)).toBe(b.runsCommands);
    });

    it.runIf(b.runsCommands)('hands each rank its rendezvous environment, checkpoint folder and env', async () => {
      const out = join(dir, `env-${seq + 1}`);
      const s = spec(dir, ['sh', '-c', `env | sort > ${out}.$RANK`]);
      await ex.start(s);
      expect((await until(ex, s.runKey, ['succeeded', 'failed'], b.timeoutMs)).phase).toBe('succeeded');
      const env0 = readFileSync(`${out}.0`, 'utf8');
      expect(env0).toContain('RANK=0');
      expect(env0).toMatch(/WORLD_SIZE=\d+/);
      expect(env0).toContain('LOCAL_RANK=0');
      expect(env0).toMatch(/MASTER_ADDR=\S+/);
      expect(env0).toMatch(/MASTER_PORT=\d+/);
      expect(env0).toContain(`SUPERFACTORY_CHECKPOINT_DIR=${s.checkpointDir}`);
      expect(env0).toContain('FOO=bar');
    });

    it('does not start a run twice for the same run key', async () => {
      const marker = join(dir, `starts-${seq + 1}`);
      const s = spec(dir, ['sh', '-c', `echo "$RANK" >> ${marker}; sleep 3`], {
        gpus: 1,
        placement: [{ site: 'atl', gpus: 1 }],
      });
      await ex.start(s);
      await ex.start(s);
      await until(ex, s.runKey, ['running', 'succeeded'], b.timeoutMs);
      await ex.start(s);
      expect((await ex.list()).filter((r) => r.runKey === s.runKey).length).toBeLessThanOrEqual(1);
      await until(ex, s.runKey, ['succeeded'], b.timeoutMs);
      // started once: rank 0 wrote its line exactly once (the twin executes nothing, so no line)
      const lines = existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : [];
      expect(lines).toEqual(b.runsCommands ? ['0'] : []);
    });

    it.skipIf(b.name.startsWith('twin'))('reports a failed run with its exit code', async () => {
      const s = spec(dir, ['sh', '-c', 'exit 7'], { gpus: 1, placement: [{ site: 'atl', gpus: 1 }] });
      await ex.start(s);
      const done = await until(ex, s.runKey, ['failed', 'succeeded'], b.timeoutMs);
      expect(done.phase).toBe('failed');
      expect(done.exitCode).toBe(7);
    });

    it.skipIf(b.name !== 'local')('stops the whole gang when one member dies', async () => {
      const alive = join(dir, `alive-${seq + 1}`);
      const s = spec(dir, ['sh', '-c', `if [ "$RANK" = 1 ]; then sleep 0.5; exit 3; fi; sleep 30; touch ${alive}`]);
      const t0 = Date.now();
      await ex.start(s);
      const done = await until(ex, s.runKey, ['failed'], b.timeoutMs);
      expect(done.exitCode).toBe(3);
      await waitFor(async () => (await ex.list()).every((r) => r.runKey !== s.runKey), 5000);
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(existsSync(alive)).toBe(false);
    });

    it('cancels a running gang', async () => {
      const s = spec(dir, ['sh', '-c', 'sleep 60'], { expectedDurationS: 1e6 });
      await ex.start(s);
      await until(ex, s.runKey, ['running'], b.timeoutMs);
      expect((await ex.list()).map((r) => r.runKey)).toContain(s.runKey);
      await ex.cancel(s.runKey);
      const done = await until(ex, s.runKey, ['cancelled', 'failed'], b.timeoutMs);
      expect(done.phase).toBe('cancelled');
      expect((await ex.list()).map((r) => r.runKey)).not.toContain(s.runKey);
      await ex.cancel(s.runKey); // idempotent
    });

    /** A run whose rank 0 writes step-10 and names step-20 as latest; its status once it has a checkpoint. */
    async function checkpointingRun(): Promise<RunStatus> {
      const s = spec(
        dir,
        [
          'sh',
          '-c',
          'if [ "$RANK" = 0 ]; then echo step-20 > "$SUPERFACTORY_CHECKPOINT_DIR/latest"; touch "$SUPERFACTORY_CHECKPOINT_DIR/step-10"; fi; sleep 1',
        ],
        { gpus: 1, placement: [{ site: 'atl', gpus: 1 }], expectedDurationS: 300 },
      );
      await ex.start(s);
      const st = await waitFor(
        async () => {
          const x = (await ex.status([s.runKey])).get(s.runKey)!;
          return x.checkpoint ? x : null;
        },
        b.timeoutMs,
        100,
      );
      await until(ex, s.runKey, ['succeeded'], b.timeoutMs);
      return st;
    }

    it('sees a checkpoint of a running run', async () => {
      expect((await checkpointingRun()).checkpoint!.step).toBeGreaterThan(0);
    });

    it.runIf(b.runsCommands)('reports the checkpoint the command named latest, not an older one', async () => {
      expect((await checkpointingRun()).checkpoint!.step).toBe(20);
    });

    it.runIf(b.runsCommands)('passes the resume point to the next attempt', async () => {
      const out = join(dir, `resume-${seq + 1}`);
      const s2 = spec(dir, ['sh', '-c', `echo "$SUPERFACTORY_RESUME_STEP $SUPERFACTORY_RESUME_FROM" > ${out}`], {
        gpus: 1,
        placement: [{ site: 'atl', gpus: 1 }],
        resumeFrom: { step: 20, path: '/ckpt/step-20', at: 1, site: 'atl' },
      });
      await ex.start(s2);
      await until(ex, s2.runKey, ['succeeded'], b.timeoutMs);
      expect(readFileSync(out, 'utf8').trim()).toBe('20 /ckpt/step-20');
    });
  });
}
