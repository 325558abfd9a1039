// The bottleneck text picks the largest and next part as a stable sort by seconds would (largest first, ties to the
// earlier part): the scan used on the hot path gives the same text as that sort, including ties and odd values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bottleneckBySort, describeBottleneck } from './bottleneck.js';
import type { Estimate } from './types.js';

const KEYS = [
  'computeSeconds',
  'tpCommSeconds',
  'cpCommSeconds',
  'epCommSeconds',
  'pipelineBubbleSeconds',
  'ppCommSeconds',
  'dpCommExposedSeconds',
  'wanCommExposedSeconds',
  'optimizerSeconds',
] as const;

// Few distinct values so that ties are common; zeros, infinities and NaN included.
const seconds = fc.constantFrom(0, -0, 0.5, 1, 1, 2, 3.25, 1e-9, Infinity, NaN);

describe('describeBottleneck', () => {
  it('names the same parts as a stable sort of the parts by seconds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(seconds, { minLength: 9, maxLength: 9 }),
        fc.boolean(),
        fc.double({ min: 0.1, max: 10 }),
        (v, inside, step) => {
          const b = Object.fromEntries(KEYS.map((k, i) => [k, v[i]])) as unknown as Estimate['breakdown'];
          expect(describeBottleneck(step, b, 1, 2, inside)).toBe(bottleneckBySort(step, b, inside));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('says compute-bound with the next part, or names the largest part and its fix, or that it does not fit', () => {
    const b = Object.fromEntries(KEYS.map((k) => [k, 0])) as unknown as Estimate['breakdown'];
    expect(describeBottleneck(10, { ...b, computeSeconds: 7, tpCommSeconds: 2, cpCommSeconds: 2 }, 1, 2)).toBe(
      'compute-bound (70% of the step is math); next: tensor-parallel communication 20% (lower TP (more PP or CP), or overlap TP communication with GEMMs)',
    );
    expect(describeBottleneck(10, { ...b, computeSeconds: 3, pipelineBubbleSeconds: 5 }, 1, 2)).toBe(
      'pipeline bubble takes 50% of the step: more micro-batches (larger global batch), interleaving (vpp) or lower PP',
    );
    expect(describeBottleneck(10, { ...b, computeSeconds: 1, tpCommSeconds: 6 }, 1, 2, false)).toBe(
      'tensor-parallel communication takes 60% of the step: TP crosses the scale-up domain: keep TP inside it',
    );
    expect(describeBottleneck(10, b, 81.5, 79.6)).toMatch(/^does not fit: needs 81.5 GiB per GPU of 79.6 GiB/);
  });
});
