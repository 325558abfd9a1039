// The inference twin (issue 15): replay a request trace through serving replicas at sites. See README.md.
import { InferenceEngine } from './engine.js';
import { Lending } from './lending.js';
import { buildResult } from './results.js';
import type { InferenceTwinInputs, InferenceTwinResult } from './types.js';

export * from './types.js';
export { percentile } from './results.js';
export { applyDiurnal, type DiurnalProfile } from './diurnal.js';
export { replicaCapacityRps } from './lending.js';

/** Run the twin to the end (every request finishes or fails). Pure: same inputs and seed, same result. */
export function simulateInference(inp: InferenceTwinInputs): InferenceTwinResult {
  const engine = new InferenceEngine(inp);
  const lending = inp.sharing ? new Lending(engine, inp.sharing) : null;
  engine.run();
  const result = buildResult(engine);
  return lending ? { ...result, lending: lending.report(engine.nowS) } : result;
}
