// Local-executor specifics beyond the shared conformance suite: re-adopting runs after a restart.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { LocalExecutor, WRAPPER } from '../../src/control/executors/local.js';
import type { RunSpec } from '../../src/control/executors/types.js';
import { tempDir, waitFor } from './helpers.js';

const spec = (dir: string, runKey: string, command: string[], gpus = 2): RunSpec => ({
  runKey,
  jobId: runKey.split('.')[0],
  attempt: 1,
  tenantId: 't',
  name: 'n',
  model: 'llama3-8b',
  siteId: 'atl',
  placement: [{ site: 'atl', gpus }],
  gpus,
  command,
  env: {},
  checkpointDir: join(dir, 'ckpt', runKey.split('.')[0]),
  resumeFrom: null,
  checkpointable: true,
  expectedDurationS: null,
});

describe('local executor', () => {
  it('re-adopts a run started by a previous executor instance instead of starting it again', async () => {
    const dir = tempDir();
    const marker = join(dir, 'starts.txt');
    const a = new LocalExecutor({ root: join(dir, 'runs') });
    const s = spec(dir, 'job_a.1', ['sh', '-c', `echo $RANK >> ${marker}; sleep 2`]);
    await a.start(s);
    const b = new LocalExecutor({ root: join(dir, 'runs') });
    const again = await b.start(s);
    expect(again.phase).toBe('running');
    expect((await b.list()).map((r) => r.runKey)).toEqual(['job_a.1']);
    const done = await waitFor(async () => {
      const st = (await b.status(['job_a.1'])).get('job_a.1')!;
      return st.phase === 'succeeded' ? st : null;
    }, 10_000);
    expect(done.exitCode).toBe(0);
    expect(readFileSync(marker, 'utf8').trim().split('\n').sort()).toEqual(['0', '1']);
  });

  it('completes a launch its launcher never committed (kill -9 between claim and commit), running each member once', async () => {
    const dir = tempDir();
    const marker = join(dir, 'starts.txt');
    const root = join(dir, 'runs');
    const s = spec(dir, 'job_cut.1', ['sh', '-c', `echo $RANK >> ${marker}`]);
    // what a launcher killed mid-launch leaves behind: the claimed run folder, its spec, and a held
    // member of its (never committed) generation
    const run = join(root, s.runKey);
    mkdirSync(run, { recursive: true });
    mkdirSync(s.checkpointDir, { recursive: true });
    writeFileSync(join(run, 'spec.json'), JSON.stringify({ spec: s, members: 2 }));
    const held = spawn('/bin/sh', ['-c', WRAPPER, 'sf-member', ...s.command!], {
      env: {
        ...process.env,
        RANK: '0',
        SF_GEN: 'dead-launcher',
        SF_LAUNCHED: join(run, 'launched'),
        SF_CANCELLED: join(run, 'cancelled'),
        SF_PIDFILE: join(run, 'rank0.pid'),
        SF_EXITFILE: join(run, 'rank0.exit'),
      },
      stdio: 'ignore',
    });
    writeFileSync(join(run, `rank0.pgid.dead-launcher`), String(held.pid));
    const heldExit = new Promise<number | null>((r) => held.on('exit', (c) => r(c)));

    const ex = new LocalExecutor({ root });
    // the control plane polls first: an uncommitted launch is pending, never succeeded or failed
    expect((await ex.status([s.runKey])).get(s.runKey)!.phase).toBe('pending');
    await ex.start(s); // adopts: relaunches under the same run key (a new generation)
    const done = await waitFor(async () => {
      const st = (await ex.status([s.runKey])).get(s.runKey)!;
      return st.phase === 'succeeded' || st.phase === 'failed' ? st : null;
    }, 10_000);
    expect(done.phase).toBe('succeeded');
    expect(await heldExit).toBe(0); // the dead launcher's member saw a foreign commit and exited unrun
    expect(readFileSync(marker, 'utf8').trim().split('\n').sort()).toEqual(['0', '1']);
  });

  it('refuses a gang larger than its process limit', async () => {
    const dir = tempDir();
    const ex = new LocalExecutor({ root: join(dir, 'runs'), maxProcesses: 4 });
    await expect(ex.start(spec(dir, 'job_big.1', ['true'], 16))).rejects.toThrow(/limit/);
  });
});
