// ceilLog2 is the tree all-reduce's latency term on the estimate's hot path: it must equal Math.ceil(Math.log2(r)).
import { describe, expect, it } from 'vitest';
import { ceilLog2 } from './collectives.js';

describe('ceilLog2', () => {
  it('equals Math.ceil(Math.log2(ranks)) for whole rank counts, at and around powers of two, and fractions', () => {
    for (let r = 1; r <= 1 << 16; r++) expect(ceilLog2(r)).toBe(Math.ceil(Math.log2(r)));
    for (let k = 16; k <= 33; k++) {
      for (let d = -2; d <= 2; d++) expect(ceilLog2(2 ** k + d)).toBe(Math.ceil(Math.log2(2 ** k + d)));
    }
    for (const r of [1.5, 2.25, 7.9, 8.000001, 1e10]) expect(ceilLog2(r)).toBe(Math.ceil(Math.log2(r)));
  });
});
