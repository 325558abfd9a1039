import { describe, expect, it } from 'vitest';
import { makeFabric } from '../../fabric/make-fabric.fixture.js';
import { createPolicy } from '../../sched/index.js';
import { constantGridSeries } from '../grid.js';
import { simulate } from '../simulate.js';
import type { JobSpec } from '../../workload/types.js';
import { firstDuplicateId, idHash } from './unique-ids.js';

describe('firstDuplicateId (the job-id uniqueness check)', () => {
  it('finds no duplicate among distinct ids, the repeated one otherwise', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `job-${i}`);
    expect(firstDuplicateId((i) => ids[i], ids.length)).toBeUndefined();
    ids.push('job-4321');
    expect(firstDuplicateId((i) => ids[i], ids.length)).toBe('job-4321');
    expect(firstDuplicateId(() => 'x', 0)).toBeUndefined();
    expect(firstDuplicateId((i) => ['a', 'b', 'a'][i], 3)).toBe('a');
  });

  it('tells apart two ids with the same hash (equal hashes are compared in full)', () => {
    // a birthday search over 32-bit hashes: two distinct ids with one hash turn up within ~2^16 tries
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair && i < 1_000_000; i++) {
      const id = `k${i}`;
      const other = seen.get(idHash(id));
      if (other !== undefined) pair = [other, id];
      else seen.set(idHash(id), id);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    expect(idHash(a)).toBe(idHash(b));
    expect(firstDuplicateId((i) => [a, b][i], 2)).toBeUndefined();
    expect(firstDuplicateId((i) => [a, b, a][i], 3)).toBe(a);
  });

  it('makes simulate reject a workload with a repeated job id', () => {
    const fabric = makeFabric([{ id: 'a', pods: 1, gpusPerPod: 8 }]);
    const job: JobSpec = {
      id: 'same',
      tenant: 't',
      priority: 0,
      gpus: 1,
      kind: 'finetune',
      modelId: 'llama3-8b',
      preemptible: true,
      checkpointable: true,
      submitTimeS: 0,
      durationS: 60,
    };
    const zone = fabric.sites[0].gridZone;
    const run = (jobs: JobSpec[]) =>
      simulate({
        fabric,
        jobs,
        policy: createPolicy('fifo'),
        grid: { [zone]: constantGridSeries(zone, 400, 50) },
        models: () => {
          throw new Error('no model files in this test');
        },
      });
    expect(() => run([job, { ...job, submitTimeS: 10 }])).toThrow('simulate: job ids must be unique');
    expect(run([job, { ...job, id: 'other' }]).summary.jobsFinished).toBe(2);
  });
});
