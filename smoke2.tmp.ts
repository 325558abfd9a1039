import { createPolicy, POLICY_NAMES } from './src/sched/index.js';
import { constantGridSeries } from './src/sim/grid.js';
import { parseScenario } from './src/sim/scenario.js';
import { simulate } from './src/sim/simulate.js';
import { generateSynthetic, parseSyntheticSpec } from './src/workload/index.js';
import { makeFabric } from './test/sim/helpers.js';
const grid = { SOCO: constantGridSeries('SOCO', 420, 60), MISO: constantGridSeries('MISO', 440, 40), DE: constantGridSeries('DE', 300, 90) };
const fabric = makeFabric([
  { id: 'atl', jurisdiction: 'US-GA', gridZone: 'SOCO', pods: 2, gpusPerPod: 64, domainGpus: 8 },
  { id: 'wi', jurisdiction: 'US-WI', gridZone: 'MISO', pods: 1, gpusPerPod: 72, domainGpus: 72 },
  { id: 'fra', jurisdiction: 'EU-DE', gridZone: 'DE', pods: 1, gpusPerPod: 32, domainGpus: 8 },
]);
const harsh = parseScenario({ failures: { perGpuHour: 2e-3, sitePerYear: 20 }, events: [
    { site: 'atl', down: { from: 'day 0 06:00', to: 'day 0 12:00' } },
    { wan: 'atl-wi', capacity: 0.1, from: '2h', to: '1d' },
    { site: 'wi', drain: { from: '20h', to: '30h' } } ] }).scenario!;
const jobs = generateSynthetic(parseSyntheticSpec(`jobs=300,arrival=bursty,ratePerHour=40,maxGpus=128,medianHours=1,sovereignFraction=0.3,jurisdictions=US/US-GA/EU,seed=11`).spec!);
for (const p of POLICY_NAMES) { const r = simulate({ fabric, jobs, policy: createPolicy(p), scenario: harsh, grid, seed: 5 });
 const { sites, tenants, gridSources, ...s } = r.summary; console.log(p, JSON.stringify(s)); 
 console.log(r.jobs.filter(j=>j.sites.length>1).length, 'multi-site-ever', r.jobs.filter(j=>j.status!=='finished').map(j=>j.reason).slice(0,5)); }
