import { describe, expect, it } from 'vitest';
import { loadFabric, parseFabric } from './load.js';
import { formatFabricSummary, summarizeFabric } from './summary.js';

const site = (pods: unknown[]) => ({
  name: 'tpu',
  sites: [
    {
      id: 'ok',
      name: 'OK',
      lat: 36.2,
      lon: -95.3,
      jurisdiction: 'US-OK',
      powerMW: 10,
      pue: 1.1,
      gridZone: 'SWPP',
      pods,
    },
  ],
});
const issuesOf = (pods: unknown[]) => {
  const r = parseFabric(site(pods));
  if (r.ok) throw new Error('expected issues');
  return r.issues;
};

describe('torus pods (TPU slices)', () => {
  it('resolves the PaLM preset: two 12x16x16 slices of 48 OCS-joined 4x4x4 cubes, ICI per link from the catalog', async () => {
    const f = await loadFabric('tpu-v4-palm');
    expect(f.gpus).toBe(6144);
    for (const p of f.sites[0].pods) {
      expect(p.torus).toMatchObject({ dims: [12, 16, 16], ocsBlockDims: [4, 4, 4], blocks: 48 });
      expect(p.torus!.linkGBpsPerDirection).toBeCloseTo(p.system.scaleUpGBpsPerDirection / 6, 9);
      expect(p.racks).toBe(48);
    }
  });

  it('shows the torus in the fabric summary and its table', async () => {
    const s = summarizeFabric(await loadFabric('tpu-v4-palm'));
    expect(s.torusPods).toHaveLength(2);
    expect(s.torusPods[0]).toMatchObject({ torus: '12x16x16', blocks: 48, blockShape: '4x4x4', dcnGbpsPerChip: 50 });
    expect(formatFabricSummary(s)).toMatch(/palm-pod-a +tpu-v4-pod +3,072 +12x16x16 +48 x 4x4x4/);
    expect(summarizeFabric(await loadFabric('dgx-h100-ib')).torusPods).toEqual([]);
  });

  it('asks for the slice shape of a torus system, with a shape that fits', () => {
    const [i] = issuesOf([{ system: 'tpu-v4-pod', racks: 8 }]);
    expect(i.path).toBe('sites[0].pods[0].torus');
    expect(i.message).toMatch(/missing required field "torus"/);
    expect(i.hint).toMatch(/x\*y\*z = 512 chips, e\.g\. dims: \[8, 8, 8\]/);
  });

  it('rejects dimensions that are not whole OCS blocks, and shapes that do not hold the pod', () => {
    const [a] = issuesOf([{ system: 'tpu-v4-pod', racks: 8, torus: { dims: [8, 6, 8] } }]);
    expect(a.path).toBe('sites[0].pods[0].torus.dims[1]');
    expect(a.message).toMatch(/not a whole number of 4-chip OCS blocks/);
    const [b] = issuesOf([{ system: 'tpu-v4-pod', racks: 8, torus: { dims: [8, 8, 16] } }]);
    expect(b.path).toBe('sites[0].pods[0].torus.dims');
    expect(b.message).toBe('torus 8x8x16 holds 1024 chips but the pod has 512');
  });

  it('gives every Trn2 UltraServer its fixed 4x4x4 torus (in-instance and between-instance links differ)', async () => {
    const f = await loadFabric('aws-trn2');
    const p = f.sites[0].pods[0];
    expect(p.torus).toMatchObject({ dims: [4, 4, 4], ocsBlockDims: [], blocks: 64, domainChips: 64 });
    expect(p.torus!.dimLinkGBpsPerDirection).toEqual([274.9, 274.9, 137.4]);
    expect(p.network.transport).toBe('efa');
    const [i] = issuesOf([{ system: 'trn2-ultraserver', racks: 2, torus: { dims: [8, 4, 4] } }]);
    expect(i.path).toBe('sites[0].pods[0].torus.dims');
    expect(i.message).toMatch(/fixed 4x4x4 torus per scale-up domain/);
  });

  it('rejects a torus on a switched system and a torus that is not three-dimensional', () => {
    const [a] = issuesOf([{ system: 'dgx-h100', nodes: 8, torus: { dims: [4, 4, 4] } }]);
    expect(a.path).toBe('sites[0].pods[0].torus');
    expect(a.hint).toMatch(/tpu-v4-pod/);
    const [b] = issuesOf([{ system: 'tpu-v4-pod', racks: 1, torus: { dims: [8, 8] } }]);
    expect(b.path).toMatch(/^sites\[0\]\.pods\[0\]\.torus\.dims/);
  });
});
