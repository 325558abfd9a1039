import { describe, expect, it } from 'vitest';
import { effectiveDomainGpus, nvlinkGroupGpus } from './speed.js';

describe('effective NVLink domain of a placement', () => {
  it("keeps the plan's groups on NVLink when every part holds whole groups", () => {
    // NVL72 racks: 113 parts of 72 and one of 56, a plan with 4-GPU TP groups
    expect(effectiveDomainGpus([72, 72, 56], 4, 72)).toBe(56);
    expect(effectiveDomainGpus([72, 72], 8, 72)).toBe(72);
  });

  it('falls back to the largest power of two dividing every part when groups straddle domains', () => {
    expect(effectiveDomainGpus([72, 56], 16, 72)).toBe(8); // gcd 8: 16-GPU groups straddle
    expect(effectiveDomainGpus([6, 12], 4, 8)).toBe(2); // gcd 6: only pairs align
    expect(effectiveDomainGpus([4, 4], 8, 8)).toBe(4);
  });

  it('takes the largest group that fits the domain on the ideal placement', () => {
    expect(nvlinkGroupGpus({ tp: 4, cp: 2, ep: 1 }, 72)).toBe(8);
    expect(nvlinkGroupGpus({ tp: 8, cp: 2, ep: 1 }, 8)).toBe(8); // TP x CP = 16 crosses even ideally
    expect(nvlinkGroupGpus({ tp: 2, cp: 1, ep: 16 }, 72)).toBe(32);
  });
});
