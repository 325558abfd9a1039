// Issue 14's CLI polish, through the real CLI: estimate names every missing required option (and an unknown
// model) at once and marks them in --help; unknown options and unknown --synthetic keys are errors (exit 2);
// off a terminal, a long run prints plain progress lines with an ETA on stderr and keeps stdout clean.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('estimate', () => {
  it('reports an unknown model and every missing required option in one go', () => {
    const r = runCli(['estimate', '--model', 'llama3-8x', '--gpus', '8']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: model: no zoo model or file named llama3-8x \(fix: use one of: .*llama3-8b/);
    expect(lines.slice(1).map((l) => l.split(':')[1].trim())).toEqual(['tp', 'pp', 'dp', 'mbs', 'gbs']);
    for (const l of lines.slice(1))
      expect(l).toMatch(/^error: \w+: required option --\w+ not specified \(fix: pass --\w+ N; /);
  });

  it('marks the required options in --help', () => {
    const r = runCli(['estimate', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--model', '--gpus', '--tp', '--pp', '--dp', '--mbs', '--gbs'])
      expect(r.stdout).toMatch(new RegExp(`${flag} <[^>]+>\\s+[^\\n]*\\(required\\)`));
    expect(r.stdout).not.toMatch(/--cp <n>\s+[^\n]*\(required\)/);
  });
});

describe('unknown options are errors', () => {
  it('in a --synthetic spec, as on the command line', () => {
    const r = runCli(['simulate', '--synthetic', 'jobs=10,jbos=5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --synthetic: Unrecognized key: "jbos" \(fix: use jobs, arrival, /m);
    const k = runCli(['simulate', '--synthetic', 'jobs=10,kinds=pretraining:1/training:1']);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(
      /^error: --synthetic kinds: Unrecognized key: "training" \(fix: use pretraining, finetune, inference\)/m,
    );
    const flag = runCli(['jobs', 'logs', 'job_x', '--folow']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: folow: unknown option --folow \(fix: see superfactory jobs logs --help\)$/m);
  });
});

describe('progress off a terminal', () => {
  it('prints a plain line with elapsed time and ETA periodically, then the time taken; stdout stays one JSON', () => {
    // Every 20 ms instead of the default 10 s (the first line after 20 ms too), so the check does not depend on how
    // fast the machine is: CI's machine simulated these 150,000 jobs in under the 1 s a 500 ms setting still waited.
    const r = runCli(['simulate', '--fabric', 'fairwater', '--synthetic', 'jobs=150000,maxGpus=64,seed=1', '--json'], {
      timeoutMs: 300_000,
      env: { SUPERFACTORY_PROGRESS_EVERY_MS: '20' },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).jobsFinished).toBe(150_000);
    // The simulation reports at each 1% done and takes far over 20 ms, so at least one periodic line comes.
    expect(r.stderr).toMatch(/^simulate fifo: \d+% day [\d.]+, \d+ s elapsed, ETA [\dhms ]+$/m);
    expect(r.stderr).toMatch(/^simulate fifo: done in [\d.]+ s$/m);
    expect(r.stderr).not.toMatch(/\r/);
  }, 300_000);
});
