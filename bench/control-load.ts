// Submissions with the scheduler ON (issue 10 "Under load"): the server in its own process with twin
// sites on fairwater, a rate limit high enough not to interfere, a queue of >= 10,000 jobs (filled over
// the API first, 4,096-GPU jobs so that most stay queued), then POST /v1/jobs from 32 connections while
// 2 more page GET /v1/jobs; beside it, slurmrestd's job/submit in the same run when Slurm is reachable.
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { BENCH_TOKEN, autocannon, startBenchServer, submissionMetrics } from './control-server.js';
import type { BenchResult } from './report.js';

const TOKEN = BENCH_TOKEN;
const QUEUE = Number(process.env.BENCH_QUEUE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** BENCH_SCHEDULE=0: the same run with the scheduler off (a baseline on the same loaded machine). */
const SCHEDULE = process.env.BENCH_SCHEDULE !== '0';
const startScheduledServer = (dir: string) => startBenchServer({ dir, name: 'bench-sched', schedule: SCHEDULE });

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function queuedCount(url: string): Promise<number> {
  // pages of 1,000 queued jobs (the API's page limit), following the cursor
  let n = 0;
  let cursor: string | undefined;
  for (;;) {
    const q = new URLSearchParams({ state: 'queued', limit: '1000', ...(cursor ? { cursor } : {}) });
    const r = (await (await fetch(`${url}/v1/jobs?${q}`, { headers: auth })).json()) as {
      jobs: unknown[];
      nextCursor?: string | null;
    };
    n += r.jobs.length;
    if (!r.nextCursor) return n;
    cursor = r.nextCursor;
  }
}

/** The server's event-loop delay since the last scrape (prom-client resets its histogram on each scrape). */
async function eventLoopDelayMs(url: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name: string) => {
    const m = new RegExp(`^superfactory_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    return m ? Math.round(Number(m[1]) * 1000) : NaN;
  };
  return { p99: get('p99'), max: get('max') };
}

export async function submissionsUnderScheduler(dir: string): Promise<BenchResult[]> {
  const s = await startScheduledServer(dir);
  const load0 = loadavg()[0];
  try {
    const probe = await fetch(`${s.url}/v1/jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'probe', model: 'llama3-8b', gpus: 64 }),
    });
    if (probe.status !== 201) throw new Error(`bench submission refused: ${probe.status} ${await probe.text()}`);
    const big = JSON.stringify({ name: 'fill', model: 'llama3-8b', gpus: 4096 });
    await autocannon({
      url: `${s.url}/v1/jobs`,
      method: 'POST',
      connections: 16,
      headers: auth,
      body: big,
      amount: QUEUE,
    });
    const before = await queuedCount(s.url);
    await eventLoopDelayMs(s.url); // resets the server's delay histogram: the next scrape covers the window
    const body = JSON.stringify({ name: 'bench', model: 'llama3-8b', gpus: 64 });
    const [post, page] = await Promise.all([
      autocannon({ url: `${s.url}/v1/jobs`, method: 'POST', connections: 32, headers: auth, body, duration: SECONDS }),
      autocannon({ url: `${s.url}/v1/jobs?limit=50`, method: 'GET', connections: 2, headers: auth, duration: SECONDS }),
    ]);
    const lag = await eventLoopDelayMs(s.url);
    const after = await queuedCount(s.url);
    const load1 = loadavg()[0];
    const note = `autocannon ${SECONDS} s, loopback, server in its own process, ${SCHEDULE ? 'scheduler ON (tick 500 ms, twin sites)' : 'scheduler OFF'}, load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on 2 cores shared with other work`;
    return [
      {
        name: `POST /v1/jobs, scheduler ${SCHEDULE ? 'on' : 'OFF'}, queue >= ${QUEUE.toLocaleString('en-US')} (SQLite)`,
        metrics: {
          'queued before': before,
          'queued after': after,
          'submissions/s': Math.round(post.requests.average),
          'p50 ms': post.latency.p50,
          'p99 ms': post.latency.p99,
          '2xx': post['2xx'],
          'non-2xx': post.non2xx,
          errors: post.errors,
          'GET /v1/jobs?limit=50 meanwhile p99 ms': page.latency.p99,
          'GET /v1/jobs pages/s meanwhile': Math.round(page.requests.average),
          'server event-loop delay p99 ms': lag.p99,
          'server event-loop delay max ms': lag.max,
        },
        notes: `${note}; 32 POST connections + 2 GET connections at once`,
      },
      await slurmSubmit(load1),
    ];
  } finally {
    s.stop();
  }
}

/** slurmrestd's job/submit in the same run (one 1-task job that sleeps, as a site would submit). */
async function slurmSubmit(load: number): Promise<BenchResult> {
  const url = process.env.SUPERFACTORY_SLURM_URL;
  const token = process.env.SUPERFACTORY_SLURM_TOKEN;
  const name = 'slurmrestd POST job/submit (v0.0.38), same machine, same run';
  if (!url || !token) return { name, metrics: {}, notes: 'skipped: SUPERFACTORY_SLURM_URL/TOKEN not set' };
  const body = JSON.stringify({
    job: {
      name: 'sf-bench',
      current_working_directory: '/tmp',
      environment: { PATH: '/usr/bin:/bin' },
      tasks: 1,
      nodes: 1,
      standard_output: '/dev/null',
      hold: true, // held: the bench measures submission only and runs nothing
    },
    script: '#!/bin/sh\ntrue\n',
  });
  const cleanup = () =>
    new Promise<void>((r) =>
      spawn('scancel', ['--name=sf-bench'], { stdio: 'ignore' })
        .on('close', () => r())
        .on('error', () => r()),
    );
  const r = await Promise.resolve(
    autocannon({
      url: `${url.replace(/\/$/, '')}/slurm/v0.0.38/job/submit`,
      method: 'POST',
      connections: 32,
      duration: SECONDS,
      headers: {
        'X-SLURM-USER-NAME': process.env.SUPERFACTORY_SLURM_USER ?? 'root',
        'X-SLURM-USER-TOKEN': token,
        'content-type': 'application/json',
      },
      body,
    }),
  ).finally(cleanup);
  return {
    name,
    metrics: submissionMetrics(r),
    notes: `autocannon ${SECONDS} s, 32 connections, held 1-task jobs (scancel --name=sf-bench afterwards), load average ${load.toFixed(1)}`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const rows = await submissionsUnderScheduler(mkdtempSync(join(tmpdir(), 'sf-bench-load-')));
  for (const r of rows) console.log(JSON.stringify(r));
  console.log(summaryLine(rows));
}

/** One line for the record (issue 13): the figures against the target, with the load they were taken under. */
export function summaryLine(rows: BenchResult[]): string {
  const [sf, slurm] = rows;
  const m = sf.metrics;
  const slurmPart =
    slurm && 'submissions/s' in slurm.metrics
      ? `slurmrestd ${slurm.metrics['submissions/s']}/s p99 ${slurm.metrics['p99 ms']} ms (${slurm.metrics['non-2xx'] + slurm.metrics.errors} failed)`
      : 'slurmrestd skipped';
  return (
    `SUMMARY scheduler ${SCHEDULE ? 'on' : 'off'}: ${m['submissions/s']} submissions/s, p99 ${m['p99 ms']} ms, ` +
    `page p99 ${m['GET /v1/jobs?limit=50 meanwhile p99 ms']} ms, loop delay p99/max ${m['server event-loop delay p99 ms']}/${m['server event-loop delay max ms']} ms, ` +
    `queued ${m['queued before']} -> ${m['queued after']}; ${slurmPart}; load average ${loadavg()[0].toFixed(1)} ` +
    `(target >= 1,500/s, p99 < 100 ms, page p99 < 50 ms)`
  );
}
