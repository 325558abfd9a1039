// The twin executor's engine (src/sim/twin-backend.ts): the simulator's speed, checkpoint and
// failure models behind an incremental API, and the executor's mapping of wall-clock to simulated time.
import { describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import { TwinBackend, FAILURE_EXIT_CODE, type TwinRunSpec } from '../../src/sim/twin-backend.js';
import { SpeedModel } from '../../src/sim/speed.js';
import { checkpointCostS, jobMtbfS, youngDalyIntervalS } from '../../src/core/progress.js';
import { LLAMA3_FAILURES_PER_GPU_HOUR } from '../../src/sim/scenario.js';
import { TwinExecutor } from '../../src/control/executors/twin.js';
import type { RunSpec } from '../../src/control/executors/types.js';
import { loadModel } from '../../src/perf/index.js';

const fabric = await loadFabric('fairwater');
const site = fabric.sites.find((s) => s.id === 'atl')!;

/** 144 GPUs over two NVL72 domains of one pod, or 96 GPUs as 48 + 48 (a smaller effective NVLink domain). */
function run(over: Partial<TwinRunSpec> = {}): TwinRunSpec {
  return {
    runId: 'job_a.1',
    modelId: 'llama3-70b',
    gpus: 96,
    placement: [
      { siteId: 'atl', podId: 'atl-gb200', domain: 0, gpus: 48 },
      { siteId: 'atl', podId: 'atl-gb200', domain: 1, gpus: 48 },
    ],
    durationS: 40 * 3600,
    checkpointable: true,
    ...over,
  };
}

describe('twin backend', () => {
  it('runs a job for its work divided by the perf model speed of its placement, plus checkpoint pauses', () => {
    const b = new TwinBackend({ models: loadModel, fabric });
    const st = b.submit(run(), 0);
    const speed = new SpeedModel(fabric, loadModel).factor('llama3-70b', {
      jobId: 'x',
      gpus: 96,
      parts: run().placement.map((p) => ({ siteId: p.siteId, podId: p.podId!, domain: p.domain!, gpus: p.gpus })),
      sites: ['atl'],
      pods: 1,
      domains: 2,
      spread: 'pod',
    });
    expect(st.speed).toBe(speed);
    expect(speed).toBeGreaterThan(0);
    expect(speed).toBeLessThan(1); // 48 + 48 GPUs: a 32-GPU effective NVLink domain instead of 72
    const compute = (40 * 3600) / speed;
    const pauses = Math.ceil(compute / st.checkpointIntervalS - 1e-9) - 1;
    expect(st.expectedEndS).toBeCloseTo(compute + pauses * st.checkpointCostS, 6);
    const events = b.advanceTo(st.expectedEndS + 1);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: 'end', phase: 'succeeded', exitCode: 0 });
    expect(end.tS).toBeCloseTo(st.expectedEndS, 6);
    expect(events.filter((e) => e.type === 'checkpoint').length).toBe(pauses);
    expect(b.status('job_a.1')).toMatchObject({ phase: 'succeeded', workS: 40 * 3600 });
  });

  it('checkpoints at the Young/Daly interval with the cost of writing its state at its share of the site bandwidth', () => {
    const b = new TwinBackend({ models: loadModel, fabric });
    const st = b.submit(run(), 0);
    const bytes = new SpeedModel(fabric, loadModel).checkpointBytes('llama3-70b')!;
    const c = checkpointCostS(bytes, 96, site);
    expect(st.checkpointCostS).toBeCloseTo(c, 9);
    expect(st.checkpointIntervalS).toBeCloseTo(youngDalyIntervalS(c, jobMtbfS(LLAMA3_FAILURES_PER_GPU_HOUR, 96)), 6);
    const events = b.advanceTo(3 * (st.checkpointIntervalS + c) + 1);
    const ck = events.filter((e) => e.type === 'checkpoint');
    expect(ck.map((e) => e.tS)).toEqual([1, 2, 3].map((k) => expect.closeTo(k * (st.checkpointIntervalS + c), 6)));
    expect(ck.map((e) => (e.type === 'checkpoint' ? e.savedWorkS : 0))).toEqual(
      [1, 2, 3].map((k) => expect.closeTo(k * st.speed * st.checkpointIntervalS, 6)),
    );
  });

  it('resumes from saved work after reading the checkpoint back, and a cancel keeps only the last checkpoint', () => {
    const b = new TwinBackend({ models: loadModel, fabric, checkpointIntervalS: 3600 });
    const first = b.submit(run(), 0);
    b.advanceTo(2.5 * (3600 + first.checkpointCostS));
    b.cancel('job_a.1');
    const [end] = b.advanceTo(b.nowS + 1);
    expect(end).toMatchObject({ type: 'end', phase: 'cancelled', exitCode: null });
    const saved = b.status('job_a.1')!.savedWorkS;
    expect(saved).toBeCloseTo(2 * 3600 * first.speed, 6);
    expect(b.status('job_a.1')!.workS).toBeGreaterThan(saved); // the work since is lost
    const t0 = b.nowS;
    const again = b.submit(run({ runId: 'job_a.2', resumeWorkS: saved }), t0);
    const left = 40 * 3600 - saved;
    const compute = left / again.speed;
    // the restart model's process start (30 s + 30 s x log2 96) and warm-up (60 s) beside the checkpoint read
    const restartS = 30 + 30 * Math.log2(96) + 60;
    expect(again.expectedEndS - t0).toBeCloseTo(
      restartS + again.checkpointCostS + compute + (Math.ceil(compute / 3600 - 1e-9) - 1) * again.checkpointCostS,
      6,
    );
  });

  it('samples failures from its seed: the same seed fails the same runs at the same times', () => {
    const times = (seed: number) => {
      const b = new TwinBackend({ models: loadModel, fabric, seed, failuresPerGpuHour: 1e-3 });
      for (let i = 0; i < 5; i++) b.submit(run({ runId: `job_${i}.1` }), 0);
      return b.advanceTo(1e7).filter((e) => e.type === 'end');
    };
    const a = times(7);
    expect(a).toEqual(times(7));
    expect(a.map((e) => e.tS)).not.toEqual(times(8).map((e) => e.tS));
    const failed = a.filter((e) => e.type === 'end' && e.phase === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({
      exitCode: FAILURE_EXIT_CODE,
      reason: expect.stringMatching(/simulated (gpu|node|rack) failure/),
    });
  });

  it('treats a second submit of a run id as the same run', () => {
    const b = new TwinBackend({ models: loadModel, fabric });
    const x = b.submit(run(), 0);
    b.advanceTo(100);
    expect(b.submit(run(), 100).submittedS).toBe(x.submittedS);
    expect(b.active()).toEqual(['job_a.1']);
  });
});

describe('twin executor', () => {
  const spec = (over: Partial<RunSpec> = {}): RunSpec => ({
    runKey: 'job_w.1',
    jobId: 'job_w',
    attempt: 1,
    tenantId: 't',
    name: 'w',
    model: 'llama3-70b',
    siteId: 'atl',
    placement: [
      { site: 'atl', gpus: 48, pod: 'atl-gb200', domain: 0 },
      { site: 'atl', gpus: 48, pod: 'atl-gb200', domain: 1 },
    ],
    gpus: 96,
    command: null,
    env: {},
    checkpointDir: '/tmp/unused',
    resumeFrom: null,
    checkpointable: true,
    expectedDurationS: 40 * 3600,
    ...over,
  });

  it('advances the engine by wall time x speedup and reports checkpoints and the exit code through the Executor interface', async () => {
    let wall = 1_000_000;
    const ex = new TwinExecutor({ fabric, speedup: 3600, checkpointEveryS: 3600, now: () => wall });
    expect((await ex.start(spec())).phase).toBe('running');
    const st = ex.backend.status('job_w.1')!;
    wall += ((3600 + st.checkpointCostS) / 3600) * 1000 + 1; // one simulated checkpoint period later
    const mid = (await ex.status(['job_w.1'])).get('job_w.1')!;
    expect(mid).toMatchObject({
      phase: 'running',
      exitCode: null,
      checkpoint: {
        step: Math.floor(3600 * st.speed + 1e-6),
        path: expect.stringMatching(/^twin:\/\/job_w\/step-\d+$/),
      },
    });
    wall = 1_000_000 + (st.expectedEndS / 3600) * 1000 - 5;
    expect((await ex.status(['job_w.1'])).get('job_w.1')!.phase).toBe('running');
    wall += 10;
    expect((await ex.status(['job_w.1'])).get('job_w.1')!).toMatchObject({ phase: 'succeeded', exitCode: 0 });
    expect(await ex.list()).toEqual([]);
  });

  it('resumes a run from the step of its checkpoint', async () => {
    let wall = 0;
    const ex = new TwinExecutor({ fabric, speedup: 1, checkpointEveryS: 600, now: () => wall });
    await ex.start(
      spec({
        runKey: 'job_w.2',
        attempt: 2,
        resumeFrom: { step: 36_000, path: 'twin://job_w/step-36000', at: 0, site: 'atl' },
      }),
    );
    const st = ex.backend.status('job_w.2')!;
    expect(st.savedWorkS).toBe(36_000);
    expect(st.expectedEndS).toBeGreaterThan(st.checkpointCostS + (40 * 3600 - 36_000) / st.speed - 1e-6);
    wall = 1000;
    expect((await ex.status(['job_w.2'])).get('job_w.2')!.checkpoint!.step).toBe(36_000);
  });
});
