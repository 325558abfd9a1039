import { describe, expect, it } from 'vitest';
import { loadFabric } from '../../fabric/index.js';
import { siteRttMs } from './latency.js';

describe('site round trips from the fabric', () => {
  it('uses the WAN link latency (fiber + equipment) both ways, 0 for the same site or no origin', async () => {
    const f = await loadFabric('test/control/data/two-sites.yaml');
    const link = f.wanLinks.find((l) => [l.a, l.b].includes('atl') && [l.a, l.b].includes('wi'));
    expect(link).toBeDefined();
    // 1,387 km of fiber is at least 6.8 ms one way (4.9 us/km)
    expect(link!.latencyMs).toBeGreaterThanOrEqual(1387 * 0.0049);
    expect(siteRttMs(f, 'atl', 'wi')).toBeCloseTo(2 * link!.latencyMs, 9);
    expect(siteRttMs(f, 'wi', 'atl')).toBeCloseTo(2 * link!.latencyMs, 9);
    expect(siteRttMs(f, 'atl', 'atl')).toBe(0);
    expect(siteRttMs(f, null, 'wi')).toBe(0);
  });

  it('falls back to the great-circle fiber bound between sites with no WAN path', async () => {
    const f = await loadFabric('test/control/data/two-sites.yaml');
    const cut = { ...f, wanLinks: [] };
    const rtt = siteRttMs(cut, 'atl', 'wi');
    // atl (33.449, -84.522) to wi (42.674, -87.895): about 1,070 km great circle -> >= 10.5 ms round trip
    expect(rtt).toBeGreaterThan(2 * 1000 * 0.0049);
    expect(rtt).toBeLessThan(siteRttMs(f, 'atl', 'wi'));
  });
});
