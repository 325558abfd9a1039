// `jobs logs` past the server's 64 KiB tail: -f loses no line when the log grows faster than it polls, and
// without -f the whole log comes back byte for byte (a real control plane and the CLI as a subprocess).
import { describe, expect, it } from 'vitest';
import { waitFor } from '../control/helpers.js';
import { submitJob, useOpsCli } from './ops-cli.js';

const cli = useOpsCli('sf-jobs-logs-');
const { sf, as, state } = cli;

describe('superfactory jobs logs, long logs', () => {
  it('logs -f loses nothing when the log grows past the 64 KiB tail between two polls', async () => {
    // bursts of ~50 KB, two per poll at --interval 1: the tail alone would skip lines
    const script =
      'sleep 1; for i in 1 2 3 4 5 6; do for j in $(seq 1 1000); do echo "burst $i line $j padding padding"; done; sleep 0.5; done';
    const job = await submitJob(cli, cli.alice, 'bursty', ['sh', '-c', script]);
    const r = await sf(['jobs', 'logs', job.id, '-f', '--interval', '1', ...as(cli.alice)]);
    expect(r.code).toBe(0);
    const expected: string[] = [];
    for (let i = 1; i <= 6; i++)
      for (let j = 1; j <= 1000; j++) expected.push(`[rank 0] burst ${i} line ${j} padding padding`);
    expect(r.stdout.trim().split('\n')).toEqual(expected);
    expect(r.stderr).not.toMatch(/lines were lost/);
    expect(r.stderr).toMatch(new RegExp(`-- ${job.id} succeeded \\(exit 0\\) --`));
  });

  it("logs without -f prints the whole log, past the server's 64 KiB tail, byte for byte", async () => {
    const script = 'for i in $(seq 1 3000); do echo "line $i é€ padding padding padding"; done';
    const job = await submitJob(cli, cli.alice, 'long-log', ['sh', '-c', script]);
    await waitFor(async () => (await state(job.id)) === 'succeeded', 30_000);
    const whole = await fetch(`${cli.t.url}/v1/jobs/${job.id}/logs?download=1`, {
      headers: { authorization: `Bearer ${cli.alice}` },
    });
    const expected = await whole.text();
    expect(Buffer.byteLength(expected)).toBeGreaterThan(128 * 1024);
    const r = await sf(['jobs', 'logs', job.id, ...as(cli.alice)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.endsWith('\n') ? expected : `${expected}\n`);
    expect(r.stdout.split('\n')[0]).toBe('[rank 0] line 1 é€ padding padding padding');
  });
});
