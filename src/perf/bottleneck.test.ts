// The bottleneck text picks the largest and next part as a stable sort by seconds would (largest first, ties to the
// earlier part): the scan used on the hot path gives the same text as that sort, including ties and odd values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bottleneckBySort, describeBottleneck, fixed1 } from './bottleneck.js';
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

describe('fixed1', () => {
  /** The double `steps` ulps away from x (x > 0). */
  function ulpsAway(x: number, steps: number): number {
    const f = new Float64Array([x]);
    const bits = new BigInt64Array(f.buffer);
    bits[0] += BigInt(steps);
    return f[0];
  }

  it('writes what toFixed(1) writes, for any double (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (x) => {
        expect(fixed1(x)).toBe(x.toFixed(1));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2e8 }), (x) => {
        expect(fixed1(x)).toBe(x.toFixed(1));
      }),
      { numRuns: 5000 },
    );
  });

  it('rounds the halves as toFixed(1) does, a few ulps either side of each (k + 0.5) / 10', () => {
    for (let k = 0; k < 20_000; k += 1 + (k >> 6)) {
      for (let steps = -2; steps <= 2; steps++) {
        const x = ulpsAway((k + 0.5) / 10, steps);
        expect(fixed1(x)).toBe(x.toFixed(1));
      }
    }
    for (const x of [0, -0, 5e-324, 0.05, 0.25, 0.35, 0.45, 99_999_999.95, 1e8, -0.04, NaN, Infinity]) {
      expect(fixed1(x)).toBe(x.toFixed(1));
    }
  });
});
