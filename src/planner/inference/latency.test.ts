// Region -> site RTT: the fiber model's arithmetic, the measured table where both ends stand at measured regions,
// the physics floor under a measurement, and the staging twins of the coordinates file left out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataPath } from '../../data-dir.js';
import { parseAzureRtt, regionSiteLatency, type MeasuredRtt } from './latency.js';
import type { DemandRegion } from './types.js';

const tokens = { promptTokens: { mean: 100, p99: 200 }, outputTokens: { mean: 50, p99: 100 } };
const region = (id: string, lat: number, lon: number, measuredRegion?: string): DemandRegion => ({
  ...{ id, lat, lon, requestsPerSecond: 1, ...tokens },
  ...(measuredRegion ? { measuredRegion } : {}),
});

const shipped = (): MeasuredRtt =>
  parseAzureRtt(
    readFileSync(dataPath('network', 'azure_inter_region_rtt_p95_ms_americas_dest.csv'), 'utf8'),
    JSON.parse(readFileSync(dataPath('network', 'azure_region_coordinates_carbon-aware-sdk.json'), 'utf8')),
    'azure',
  );

describe('region-site latency', () => {
  it('fiber model: Fairwater Atlanta to Mount Pleasant is 1,067 km, so 1.3 x 1,067 x 4.9 us x 2 + 0.2 ms', () => {
    const l = regionSiteLatency(region('atl', 33.449, -84.522), { id: 'wi', lat: 42.674, lon: -87.895 });
    expect(l.basis).toBe('fiber');
    // 1,067 km (fairwater.yaml's figure) -> 13.59 ms + 0.2 ms of equipment.
    expect(l.rttMs).toBeCloseTo((1.3 * 1067 * 4.9 * 2) / 1000 + 0.2, 0);
    expect(l.rttMs).toBeGreaterThan(13.5);
    expect(l.rttMs).toBeLessThan(14.1);
  });

  it('uses the Azure p95 table when both ends stand at measured regions, the larger direction', () => {
    const m = shipped();
    // East US users to a site at West US 2's coordinates: the table lists 75 ms one way and 76 ms the other.
    const l = regionSiteLatency(region('east', 37.3719, -79.8164), { id: 'qcy', lat: 47.233, lon: -119.852 }, m);
    expect(l).toMatchObject({ basis: 'measured', rttMs: 76 });
    expect(l.source).toMatch(/azure:eastus - azure:westus2/);
    // The measured p95 sits above the fiber model here (real routes and queues): 3,400 km of great circle.
    expect(l.rttMs).toBeGreaterThan(l.fiberRttMs);
  });

  it('falls back to the fiber model when a site is not at a measured region (Fayetteville GA)', () => {
    const l = regionSiteLatency(region('east', 37.3719, -79.8164), { id: 'atl', lat: 33.449, lon: -84.522 }, shipped());
    expect(l.basis).toBe('fiber');
  });

  it('raises a measurement below light in fiber to the floor and says so', () => {
    const fake = parseAzureRtt(
      'source_region,destination_region,rtt_p95_ms\nEast US,West US,1\n',
      { eastus: { Latitude: '37.3719', Longitude: '-79.8164' }, westus: { Latitude: '37.783', Longitude: '-122.417' } },
      'fake',
    );
    const l = regionSiteLatency(region('e', 37.3719, -79.8164), { id: 'w', lat: 37.783, lon: -122.417 }, fake);
    expect(l.basis).toBe('measured');
    // ~3,740 km of great circle: at least 36.6 ms both ways in fiber.
    expect(l.rttMs).toBeGreaterThan(36);
    expect(l.source).toMatch(/raised to the fiber floor/);
  });

  it('leaves out coordinates the table never measures (eastusstg shares East US coordinates)', () => {
    const m = shipped();
    expect(m.regions.some((r) => r.key === 'azure:eastus')).toBe(true);
    expect(m.regions.some((r) => r.key === 'azure:eastusstg')).toBe(false);
    expect(m.rttMs.size).toBeGreaterThan(300);
  });

  it('a demand naming an unknown measured region is refused with its path', async () => {
    const { planInference } = await import('./index.js');
    const { twoSites } = await import('../fabrics.fixture.js');
    const { loadModel } = await import('../../perf/models.js');
    const { estimateServing } = await import('../../perf/serving/index.js');
    const grid = {
      SOCO: { priceUsdPerMWh: 1, carbonGPerKWh: 1, source: 't' },
      MISO: { priceUsdPerMWh: 1, carbonGPerKWh: 1, source: 't' },
    };
    const call = () =>
      planInference(
        {
          demand: { name: 'd', regions: [region('e', 37.37, -79.82, 'azure:nowhere')] },
          slo: { ttftP99Ms: 500, tpotP99Ms: 50 },
        },
        { model: loadModel('llama3-8b'), fabric: twoSites(1000), serving: estimateServing, grid, measured: shipped() },
      );
    expect(call).toThrow(/demand\.regions\[0\]\.measuredRegion: azure:nowhere is not a region/);
  });
});
