import { loadFabric } from './src/fabric/index.js';
import { createPolicy, POLICY_NAMES } from './src/sched/index.js';
import { simulate } from './src/sim/simulate.js';
import { generateSynthetic, parseSyntheticSpec } from './src/workload/index.js';
const fabric = await loadFabric('dgx-a100-80gb');
console.log(fabric.gpus);
const jobs = generateSynthetic(parseSyntheticSpec('jobs=20000,ratePerHour=200,maxGpus=512,seed=2').spec!);
for (const p of POLICY_NAMES) { const t = performance.now(); const r = simulate({ fabric, jobs, policy: createPolicy(p), seed: 1 });
 console.log(p, ((performance.now()-t)/1000).toFixed(2)+'s', r.summary.events, r.summary.schedulingRounds, r.summary.jobsFinished, r.summary.meanQueueHours, r.summary.gpuUtilization, r.summary.preemptions); }
