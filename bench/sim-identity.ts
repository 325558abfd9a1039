// Byte-identity check of the digital twin (issue 12, scale work): sha256 of the JSON output (summary, jobs, series)
// of eight configurations (Philly 20k on fairwater; 3,000 synthetic jobs on fairwater under each of the four
// policies; 1,500 congested jobs on dgx-a100-80gb under fifo, fair-share, priority). A speed change to the engine
// must leave every hash unchanged.
//
//   npx tsx bench/sim-identity.ts --inputs scratch/twin-identity --write scratch/twin-identity/hashes.json
//   npx tsx bench/sim-identity.ts --inputs scratch/twin-identity --check scratch/twin-identity/hashes.json
//
// --inputs DIR freezes the job lists there on first use and reads them back afterwards, so that another change to
// the workload generator or the Philly importer does not move the hashes; without it the lists are generated.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadFabric } from '../src/fabric/index.js';
import { loadModel } from '../src/perf/index.js';
import { createPolicy, POLICY_NAMES } from '../src/sched/index.js';
import { loadGridFor } from '../src/sim/grid-files.js';
import { simulate } from '../src/sim/simulate.js';
import { traceDataPath } from '../src/data-dir.js';
import { generateSynthetic, importPhilly, parseSyntheticSpec, type JobSpec } from '../src/workload/index.js';

interface Config {
  name: string;
  fabric: string;
  policy: string;
  jobs: () => JobSpec[];
}

const synthetic = (spec: string) => () => generateSynthetic(parseSyntheticSpec(spec).spec!, loadModel);
const philly20k = () => importPhilly(readFileSync(traceDataPath('philly_pollux.csv'), 'utf8')).jobs.slice(0, 20_000);
// congested: ~3x the 3,072 GPUs' worth of work offered in the first hours, so queues, backfill and preemption run
const CONGESTED = 'jobs=1500,ratePerHour=300,maxGpus=512,medianHours=3,seed=11';
const FAIRWATER_3K = 'jobs=3000,ratePerHour=40,seed=5';

export const CONFIGS: Config[] = [
  { name: 'philly-20k-fairwater-fifo', fabric: 'fairwater', policy: 'fifo', jobs: philly20k },
  ...POLICY_NAMES.map((p) => ({
    name: `synthetic-3k-fairwater-${p}`,
    fabric: 'fairwater',
    policy: p,
    jobs: synthetic(FAIRWATER_3K),
  })),
  ...['fifo', 'fair-share', 'priority'].map((p) => ({
    name: `congested-1500-dgx-a100-80gb-${p}`,
    fabric: 'dgx-a100-80gb',
    policy: p,
    jobs: synthetic(CONGESTED),
  })),
];

function jobsFor(c: Config, dir: string | undefined): JobSpec[] {
  if (!dir) return c.jobs();
  const file = path.join(dir, `${c.name}.jobs.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JobSpec[];
  const jobs = c.jobs();
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(jobs));
  return jobs;
}

export async function hashes(dir?: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of CONFIGS) {
    const fabric = await loadFabric(c.fabric);
    const res = simulate({
      models: loadModel,
      fabric,
      jobs: jobsFor(c, dir),
      policy: createPolicy(c.policy as (typeof POLICY_NAMES)[number]),
      seed: 1,
      grid: loadGridFor(fabric.sites),
    });
    const json = JSON.stringify({ summary: res.summary, jobs: res.jobs, series: res.series });
    out[c.name] = createHash('sha256').update(json).digest('hex');
    process.stderr.write(`${c.name}: ${out[c.name]} (${res.jobs.length} jobs, ${res.summary.events} events)\n`);
  }
  return out;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const got = await hashes(arg('--inputs'));
  const write = arg('--write');
  const check = arg('--check');
  if (write) writeFileSync(write, `${JSON.stringify(got, null, 2)}\n`);
  if (check) {
    const want = JSON.parse(readFileSync(check, 'utf8')) as Record<string, string>;
    const bad = Object.keys(want).filter((k) => want[k] !== got[k]);
    if (bad.length > 0) {
      console.error(`sim-identity: ${bad.length} of ${Object.keys(want).length} differ: ${bad.join(', ')}`);
      process.exit(1);
    }
    console.log(`sim-identity: all ${Object.keys(want).length} configurations byte-identical`);
  } else if (!write) console.log(JSON.stringify(got, null, 2));
}
