import { describe, expect, it } from 'vitest';
import {
  drawW,
  facilityWPerGpu,
  gpusWithinPowerCap,
  itW,
  mainPod,
  siteFacilityW,
  siteFacilityWPerGpu,
  siteHeadroomMW,
  sitePowerCapW,
  withinPowerCap,
} from './power.js';

const pod = (gpus: number, w: number) => ({ gpus, system: { systemPowerPerGpuW: w } });
// 1000 GPUs at 1500 W and 500 at 1000 W: 2.0 MW IT; PUE 1.2 -> 2.4 MW at the meter; cap 3 MW.
const site = { powerMW: 3, pue: 1.2, pods: [pod(1000, 1500), pod(500, 1000)] };

describe('site power', () => {
  it('adds IT watts over pods and multiplies by PUE at the meter', () => {
    expect(itW(site.pods)).toBe(2_000_000);
    expect(siteFacilityW(site)).toBeCloseTo(2_400_000, 6);
    expect(siteHeadroomMW(site)).toBeCloseTo(0.6, 9);
    expect(facilityWPerGpu(1500, 1.2)).toBeCloseTo(1800, 9);
    expect(facilityWPerGpu(1500, 1.2, 0.5)).toBeCloseTo(900, 9);
  });

  it('treats a site without a positive cap as uncapped', () => {
    expect(sitePowerCapW({ powerMW: 3 })).toBe(3e6);
    expect(sitePowerCapW({ powerMW: 0 })).toBe(Infinity);
    expect(withinPowerCap(1e12, 1e12, Infinity)).toBe(true);
    expect(gpusWithinPowerCap(Infinity, 1000)).toBe(Infinity);
  });

  it('counts whole GPUs under a cap, exact boundaries included despite float rounding', () => {
    expect(gpusWithinPowerCap(3e6, 1800)).toBe(1666);
    expect(gpusWithinPowerCap(3e6, 1800, 2.4e6)).toBe(333);
    // 0.3 / 0.1 is 2.9999999999999996 in floating point: three GPUs still fit.
    expect(gpusWithinPowerCap(0.3, 0.1)).toBe(3);
    expect(gpusWithinPowerCap(1e6, 2000, 2e6)).toBe(0);
    // The count agrees with withinPowerCap at n and n + 1.
    for (const [cap, per, draw] of [
      [3e8, 1234.5, 1.7e8],
      [1e6, 700, 0],
      [0.3, 0.1, 0],
    ]) {
      const n = gpusWithinPowerCap(cap, per, draw);
      expect(withinPowerCap(draw, n * per, cap)).toBe(true);
      expect(withinPowerCap(draw, (n + 1) * per, cap)).toBe(false);
    }
  });

  it('keeps a draw within the cap with a relative tolerance only', () => {
    expect(withinPowerCap(2.4e6, 0.6e6, 3e6)).toBe(true);
    // The slack is 1e-9 of the cap: 3 mW on 3 MW.
    expect(withinPowerCap(2.4e6, 0.6e6 + 0.001, 3e6)).toBe(true);
    expect(withinPowerCap(2.4e6, 0.6e6 + 0.1, 3e6)).toBe(false);
  });

  it('picks the largest pod (the first of equals) as the site main system', () => {
    expect(mainPod(site.pods)).toBe(site.pods[0]);
    const tie = [pod(10, 1), pod(10, 2)];
    expect(mainPod(tie)).toBe(tie[0]);
    expect(mainPod([])).toBeUndefined();
    expect(siteFacilityWPerGpu(site)).toBeCloseTo(1800, 9);
    expect(siteFacilityWPerGpu({ pue: 1.2, pods: [] })).toBe(0);
  });

  it('draws busy and idle fractions of rated power', () => {
    expect(drawW(1000, 10, 4, 0.8, 0.3)).toBeCloseTo(4 * 800 + 6 * 300, 9);
    expect(drawW(1000, 10, 10)).toBeCloseTo(8000, 9); // default busy fraction 0.8
    expect(drawW(1000, 10, 0)).toBeCloseTo(3000, 9); // default idle fraction 0.3
  });
});
