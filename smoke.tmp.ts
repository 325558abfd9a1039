import { readFileSync } from 'node:fs';
import { loadFabric } from '/work/main/src/fabric/index.js';
import { createPolicy } from '/work/main/src/sched/index.js';
import { simulate } from '/work/main/src/sim/simulate.js';
import { importPhilly } from '/work/main/src/workload/index.js';
const fabric = await loadFabric(process.argv[2] ?? 'fairwater');
const imp = importPhilly(readFileSync('/work/shared/data/jobtraces/philly_pollux.csv', 'utf8'), { limit: Number(process.argv[3] ?? 1e9) });
for (const p of ['fifo','priority','fair-share','carbon-aware'] as const) {
  const t = performance.now();
  const r = simulate({ fabric, jobs: imp.jobs, policy: createPolicy(p), seed: 1 });
  const { sites, tenants, gridSources, ...s } = r.summary;
  console.log(p, ((performance.now()-t)/1000).toFixed(2)+'s', JSON.stringify(s));
  if (p === 'fifo') console.log(JSON.stringify(sites), JSON.stringify(tenants.slice(0,3)));
}
