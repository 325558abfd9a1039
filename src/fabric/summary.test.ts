import { describe, expect, it } from 'vitest';
import { parseFabric } from './load.js';
import { formatFabricSummary, summarizeFabric } from './summary.js';
import type { Fabric } from './types.js';

function tiny(): Fabric {
  const r = parseFabric({
    name: 'tiny',
    sites: [
      // 2 racks of GB200 NVL72 = 144 GPUs; 144 x 2,500 TFLOP/s = 360 PFLOP/s;
      // IT 144 x 1,833.3 W = 0.26400 MW; facility x 1.25 = 0.33000 MW.
      {
        id: 'a',
        name: 'A',
        lat: 0,
        lon: 0,
        jurisdiction: 'US-TX',
        powerMW: 1,
        pue: 1.25,
        gridZone: 'ERCO',
        pods: [{ system: 'gb200-nvl72', racks: 2 }],
      },
      // 3 DGX H100 = 24 GPUs; 24 x 989.4 = 23.7456 PFLOP/s; IT 24 x 1,275 W = 0.0306 MW; x 1.5 = 0.0459 MW.
      {
        id: 'b',
        name: 'B',
        lat: 0,
        lon: 1,
        jurisdiction: 'IE',
        powerMW: 0.5,
        pue: 1.5,
        gridZone: 'IE',
        pods: [{ system: 'dgx-h100', nodes: 3 }],
      },
    ],
    // 1 degree of longitude at the equator = 111.19 km great circle; route 200 km -> 0.98 ms + 0.1 ms.
    wanLinks: [{ a: 'a', b: 'b', routeKm: 200, capacityGbps: 1600 }],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.fabric;
}

describe('summarizeFabric', () => {
  it('adds up GPUs, peak BF16, IT and facility power per site for a hand-computed fabric', () => {
    const s = summarizeFabric(tiny());
    const [a, b] = s.sites;
    expect(a.gpus).toBe(144);
    expect(a.peakBf16PFlops).toBeCloseTo(360, 9);
    expect(a.itMW).toBeCloseTo(0.264, 4);
    expect(a.facilityMW).toBeCloseTo(0.33, 4);
    expect(a.headroomMW).toBeCloseTo(0.67, 4);
    expect(b.gpus).toBe(24);
    expect(b.peakBf16PFlops).toBeCloseTo(23.7456, 9);
    expect(b.itMW).toBeCloseTo(0.0306, 9);
    expect(b.facilityMW).toBeCloseTo(0.0459, 9);
    expect(s.totals).toMatchObject({ sites: 2, gpus: 168, powerCapMW: 1.5 });
    expect(s.totals.peakBf16PFlops).toBeCloseTo(383.7456, 9);
    expect(s.totals.facilityMW).toBeCloseTo(0.3759, 4);
  });

  it('reports WAN one-way latency, RTT, capacity and the route factor', () => {
    const [l] = summarizeFabric(tiny()).wanLinks;
    expect(l.oneWayLatencyMs).toBeCloseTo(0.98 + 0.1, 9);
    expect(l.rttMs).toBeCloseTo(2.16, 9);
    expect(l.capacityTbps).toBe(1.6);
    expect(l.greatCircleKm).toBeCloseTo(111.195, 2);
    expect(l.routeFactor).toBeCloseTo(200 / 111.195, 3);
  });

  it('formats an aligned plain-text table with a total row and the WAN links', () => {
    const text = formatFabricSummary(summarizeFabric(tiny()));
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('site'));
    const total = lines.find((l) => l.startsWith('total'));
    expect(header).toBeDefined();
    expect(total).toContain('168');
    // right-aligned numeric columns end at the same character as their header
    expect(total?.indexOf('383.7')).toBe(
      (header?.indexOf('BF16 PFLOP/s') ?? 0) + 'BF16 PFLOP/s'.length - '383.7'.length,
    );
    expect(text).toMatch(/a-b\s+a\s+b\s+200\s+111\s+1\.80\s+1\.08\s+2\.16\s+1\.6/);
  });
});
