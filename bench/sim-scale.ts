// The twin's scale rows (issue 12): 10x Philly and a million synthetic jobs on fairwater, in CPU seconds of this
// process (the shared machine's wall time is mostly waiting for a core; the load average says how much) and RSS.
// bench/sim.ts runs them with the other twin rows; alone, each in its own process so that RSS is the row's own:
//   npx tsx bench/sim-scale.ts            both rows
//   npx tsx bench/sim-scale.ts philly     (or million) one row
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadFabric } from '../src/fabric/index.js';
import { loadModel } from '../src/perf/index.js';
import { createPolicy } from '../src/sched/index.js';
import { traceDataPath } from '../src/data-dir.js';
import { loadGridFor } from '../src/sim/grid-files.js';
import { simulate } from '../src/sim/simulate.js';
import { importPhilly, generateSynthetic, parseSyntheticSpec, type JobSpec } from '../src/workload/index.js';

/**
 * The scale rows (issue 12): 10x Philly (each job ten times, a minute apart) and a million synthetic jobs at a load
 * fairwater sustains. The earlier million-job spec (ratePerHour=1000 with the default 10% pretraining share) offers
 * ~1.45M GPUs of work to 100,800 GPUs (14x overload: the queue grows without bound and every pass walks it), so it
 * measured a runaway queue, not the twin; 0.2% pretraining offers ~45% of the fleet at steady state.
 */
export function scaleCases(
  fabric: Parameters<typeof simulate>[0]['fabric'],
  philly: Parameters<typeof simulate>[0]['jobs'],
) {
  return [
    () =>
      scaleRun('10x philly (821,820 jobs) on fairwater, failures on, fifo (target < 15 s)', fabric, () => {
        const jobs: JobSpec[] = [];
        for (let k = 0; k < 10; k++)
          for (const j of philly) jobs.push({ ...j, id: `${j.id}-${k}`, submitTimeS: j.submitTimeS + k * 60 });
        return jobs;
      }),
    () =>
      scaleRun(
        '1,000,000 synthetic jobs on fairwater, 1,000/h, 0.2% pretraining (~45% busy), failures on, fifo (target < 30 s, < 2 GB)',
        fabric,
        () =>
          generateSynthetic(
            parseSyntheticSpec(
              'jobs=1000000,ratePerHour=1000,maxGpus=4096,seed=3,kinds=pretraining:0.002/finetune:0.6/inference:0.398',
            ).spec!,
            loadModel,
          ),
      ),
  ];
}

/** One large run: wall seconds, events/s and the process's resident memory after it (GB, includes the inputs). */
function scaleRun(
  name: string,
  fabric: Parameters<typeof simulate>[0]['fabric'],
  make: () => Parameters<typeof simulate>[0]['jobs'],
): { name: string; metrics: Record<string, number> } {
  const jobs = make();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const res = simulate({
    models: loadModel,
    fabric,
    jobs,
    policy: createPolicy('fifo'),
    seed: 1,
    grid: loadGridFor(fabric.sites),
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    name,
    metrics: {
      jobs: jobs.length,
      wallS: round(wallS),
      // the machine is shared: CPU seconds of this process and the load average say how much of wallS was waiting
      cpuS: round((cpu.user + cpu.system) / 1e6),
      loadAvg1m: round(loadavg()[0]),
      events: res.summary.events,
      eventsPerS: Math.round(res.summary.events / wallS),
      rssGB: round(process.memoryUsage().rss / 1e9),
      jobsFinished: res.summary.jobsFinished,
      // the per-job results are built on first read (simulate.ts): RSS once a caller also holds all of them
      rssWithJobsGB: res.jobs.length > 0 ? round(process.memoryUsage().rss / 1e9) : 0,
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const which = process.argv[2];
  const fabric = await loadFabric('fairwater');
  const philly = importPhilly(readFileSync(traceDataPath('philly_pollux.csv'), 'utf8')).jobs;
  const rows = scaleCases(fabric, philly).filter((_, i) => !which || ['philly', 'million'][i] === which);
  console.log(
    JSON.stringify(
      rows.map((run) => run()),
      null,
      2,
    ),
  );
}
