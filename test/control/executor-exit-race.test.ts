// Issue 13 item 3: a local run that exited 0 was once recorded as failed ("member died without an exit
// code", 137) because its exit file was read before the process was known dead. Many short runs,
// polled as fast as possible while the CPU is busy, must all be recorded as succeeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LocalExecutor } from '../../src/control/executors/local.js';
import type { RunSpec } from '../../src/control/executors/types.js';
import { tempDir } from './helpers.js';

const RUNS = 300;
const CONCURRENT = 16;

const spec = (dir: string, runKey: string): RunSpec => ({
  runKey,
  jobId: runKey.split('.')[0],
  attempt: 1,
  tenantId: 't',
  name: 'n',
  model: 'llama3-8b',
  siteId: 'atl',
  placement: [{ site: 'atl', gpus: 1 }],
  gpus: 1,
  command: ['sh', '-c', 'exit 0'],
  env: {},
  checkpointDir: join(dir, 'ckpt', runKey.split('.')[0]),
  resumeFrom: null,
  checkpointable: true,
  expectedDurationS: null,
});

describe('local executor under load', () => {
  const burners: ChildProcess[] = [];
  beforeAll(() => {
    // concurrent CPU load: busy loops that stretch the wrapper's exit across scheduler slices
    for (let i = 0; i < 3; i++) burners.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  });
  afterAll(() => {
    for (const b of burners) b.kill('SIGKILL');
  });

  it(`records every one of ${RUNS} short exit-0 runs as succeeded`, async () => {
    const dir = tempDir();
    const ex = new LocalExecutor({ root: join(dir, 'runs') });
    const outcomes: { runKey: string; phase: string; exitCode: number | null; reason: string | null }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < RUNS) {
        const runKey = `job_r${next++}.1`;
        await ex.start(spec(dir, runKey));
        // poll without pause: the read most likely to land between the command's end and the wrapper's exit
        for (;;) {
          const st = (await ex.status([runKey])).get(runKey)!;
          if (st.phase !== 'running' && st.phase !== 'pending') {
            outcomes.push({ runKey, phase: st.phase, exitCode: st.exitCode, reason: st.reason });
            break;
          }
          await new Promise((r) => setImmediate(r));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, worker));
    expect(outcomes).toHaveLength(RUNS);
    expect(outcomes.filter((o) => o.phase !== 'succeeded' || o.exitCode !== 0)).toEqual([]);
  }, 240_000);
});
