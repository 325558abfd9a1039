// The control-plane server the control benchmarks measure: its own process (test/control/main-for-tests.ts),
// twin sites on fairwater, a rate limit high enough not to interfere; shared by control.ts and control-load.ts.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types: load it through require with the shape the control benches use
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** The metrics every submission row reports, from one autocannon run. */
export function submissionMetrics(r: AutocannonResult): Record<string, number> {
  return {
    'submissions/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    '2xx': r['2xx'],
    'non-2xx': r.non2xx,
    errors: r.errors,
  };
}

export const BENCH_TOKEN = 'sf_bench-admin-token-0123456789abcdef';

export async function startBenchServer(options: {
  dir: string;
  /** File name stem for the config, store and checkpoint folder inside dir. */
  name: string;
  store?: string;
  schedule: boolean;
}): Promise<{ url: string; stop: () => void }> {
  const { dir, name } = options;
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(
    cfg,
    YAML.stringify({
      port: 0,
      store: options.store ?? join(dir, `${name}.db`),
      fabric: 'fairwater',
      adminToken: BENCH_TOKEN,
      schedule: options.schedule,
      logLevel: 'warn',
      checkpointRoot: join(dir, `ckpt-${name}`),
      rateLimit: { perSecond: 1e6, burst: 1e6 },
      sites: { '*': { executor: 'twin' } },
    }),
  );
  // BENCH_CPU_PROF=DIR: the server writes a V8 CPU profile there (on SIGTERM, so stop() ends it gracefully)
  const prof = process.env.BENCH_CPU_PROF;
  const profArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const args = [...profArgs, '--import', 'tsx', join(ROOT, 'test/control/main-for-tests.ts'), cfg];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`bench server exited ${c}`)));
  });
  return { url, stop: () => proc.kill(prof ? 'SIGTERM' : 'SIGKILL') };
}
