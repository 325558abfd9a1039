// Input checks of the inference twin: every problem as {path, message, hint}, all at once (thrown together).
import { InputIssuesError, type InputIssue } from '../../core/issues.js';
import type { InferenceTwinInputs } from './types.js';

const positive = (x: number): boolean => Number.isFinite(x) && x > 0;

export function validateInputs(inp: InferenceTwinInputs): void {
  const issues: InputIssue[] = [];
  const add = (path: string, message: string, hint: string): void => void issues.push({ path, message, hint });
  const siteIds = new Set(inp.sites.map((s) => s.id));
  if (inp.trace.arrivalS.length === 0) add('trace', 'the trace has no requests', 'pass a trace with requests');
  inp.sites.forEach((s, i) => {
    if (!inp.grid[s.gridZone])
      add(`sites[${i}].gridZone`, `no grid series for zone "${s.gridZone}"`, 'load it with loadGridFor(fabric.sites)');
    if (!positive(s.pue)) add(`sites[${i}].pue`, `${s.pue} is not a positive number`, 'PUE is facility W / IT W');
  });
  if (inp.replicas.length === 0)
    add('replicas', 'no replicas to serve the trace', 'pass a placement with at least one replica');
  inp.replicas.forEach((r, i) => {
    const p = `replicas[${i}]`;
    if (!siteIds.has(r.siteId))
      add(`${p}.siteId`, `unknown site "${r.siteId}"`, `use one of ${[...siteIds].join(', ')}`);
    if (!positive(r.gpus)) add(`${p}.gpus`, `${r.gpus} is not a positive number`, 'GPUs per replica');
    if (!(Number.isInteger(r.maxBatch) && r.maxBatch >= 1))
      add(`${p}.maxBatch`, `${r.maxBatch} is not a whole number >= 1`, 'the plan needs a batch limit');
    if (!positive(r.timings.kvCapacityTokens))
      add(`${p}.timings.kvCapacityTokens`, 'the replica holds no KV cache', 'choose a plan that fits in memory');
    if (r.maxPrefillTokens !== undefined && !positive(r.maxPrefillTokens))
      add(`${p}.maxPrefillTokens`, `${r.maxPrefillTokens} is not a positive number`, 'omit it for whole prompts');
  });
  const total = inp.regions.reduce((a, g) => a + g.share, 0);
  if (inp.regions.length === 0 || !positive(total))
    add('regions', 'no user region with a positive share', 'give each region a share of the requests (> 0)');
  inp.regions.forEach((g, i) => {
    if (!(Number.isFinite(g.share) && g.share >= 0))
      add(`regions[${i}].share`, `${g.share} is not a number >= 0`, 'shares are relative request rates');
    for (const s of inp.sites) {
      const rtt = g.rttMsBySite[s.id];
      if (!(Number.isFinite(rtt) && rtt >= 0))
        add(`regions[${i}].rttMsBySite.${s.id}`, `RTT ${rtt} ms is not a number >= 0`, 'give the RTT to every site');
    }
  });
  if (!positive(inp.slo.ttftP99Ms)) add('slo.ttftP99Ms', `${inp.slo.ttftP99Ms} is not positive`, 'pass e.g. 2000');
  if (!positive(inp.slo.tpotP99Ms)) add('slo.tpotP99Ms', `${inp.slo.tpotP99Ms} is not positive`, 'pass e.g. 100');
  (inp.failures ?? []).forEach((f, i) => {
    if (!siteIds.has(f.siteId))
      add(`failures[${i}].siteId`, `unknown site "${f.siteId}"`, `use one of ${[...siteIds].join(', ')}`);
    if (!(Number.isFinite(f.atS) && f.atS >= 0)) add(`failures[${i}].atS`, `${f.atS} is not a time >= 0`, 'seconds');
  });
  if (issues.length) throw new InputIssuesError(issues);
}
