import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FabricInputError, listFabricPresets, loadCatalog, loadFabric, parseFabric } from './load.js';
import { twoSiteFabricInput } from './fabric-input.fixture.js';
import type { InputIssue } from './types.js';

const twoSites = twoSiteFabricInput;

function issuesOf(input: unknown): InputIssue[] {
  const r = parseFabric(input);
  if (r.ok) throw new Error('expected parseFabric to reject the input');
  return r.issues;
}

function issueAt(issues: InputIssue[], path: string): InputIssue {
  const found = issues.find((i) => i.path === path);
  if (found === undefined) throw new Error(`no issue at ${path}; got ${JSON.stringify(issues, null, 2)}`);
  return found;
}

describe('parseFabric', () => {
  it('accepts the two-site example from the issue and resolves defaults', () => {
    const r = parseFabric(twoSites());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const f = r.fabric;
    expect(f.gpus).toBe(2 * 100 * 72);
    const pod = f.sites[0].pods[0];
    expect(pod.id).toBe('atl-0');
    expect(pod.racks).toBe(100);
    expect(pod.nodes).toBe(100 * 18);
    expect(pod.network).toEqual({
      topology: 'fat-tree-2',
      railOptimized: true,
      nicGbpsPerGpu: 800,
      oversubscription: [1],
      fullBisectionGpus: 7200,
      hopLatencyUs: 1,
      transport: 'infiniband',
    });
    expect(f.sites[0].wueLPerKWh).toBe(0.3);
    expect(f.sites[0].checkpointStorageGBps).toBeCloseTo(7200 * 0.125);
    const link = f.wanLinks[0];
    expect(link.id).toBe('atl-wi');
    expect(link.equipmentLatencyMs).toBe(0.1);
    expect(link.latencyMs).toBeCloseTo(1400 * 0.0049 + 0.1, 9);
  });

  it('rejects a WAN link faster than light in fiber and says why', () => {
    const input = twoSites();
    input.wanLinks[0].latencyMs = 5;
    const issue = issueAt(issuesOf(input), 'wanLinks[0].latencyMs');
    expect(issue.message).toContain('faster than light in fiber: 1400 km needs at least 6.86 ms one way');
    expect(issue.hint).toMatch(/latencyMs/);
  });

  it('accepts a given latency at or above the light-in-fiber bound and keeps it', () => {
    const input = twoSites();
    input.wanLinks[0].latencyMs = 7.5;
    const r = parseFabric(input);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.fabric.wanLinks[0].latencyMs).toBe(7.5);
      expect(r.fabric.wanLinks[0].equipmentLatencyMs).toBeCloseTo(7.5 - 6.86, 9);
    }
  });

  it('rejects a route shorter than the great-circle distance between the sites', () => {
    const input = twoSites();
    input.wanLinks[0].routeKm = 900; // Atlanta - Mount Pleasant is ~1,073 km as the crow flies
    const issue = issueAt(issuesOf(input), 'wanLinks[0].routeKm');
    expect(issue.message).toMatch(/shorter than the great-circle distance 1073\.\d km/);
    expect(issue.hint).toMatch(/at least 1074/);
  });

  it('lists the known system ids when a system is unknown', () => {
    const input = twoSites();
    (input.sites[1].pods as Record<string, unknown>[])[0].system = 'gb400-nvl144';
    const issue = issueAt(issuesOf(input), 'sites[1].pods[0].system');
    expect(issue.message).toContain('unknown system "gb400-nvl144"');
    for (const id of [
      'dgx-a100-80gb',
      'hgx-h100',
      'dgx-h100',
      'hgx-h200',
      'hgx-b200',
      'gb200-nvl72',
      'gb300-nvl72',
      'mi300x-8',
    ]) {
      expect(issue.hint).toContain(id);
    }
  });

  it('resolves a system alias to the same catalog entry', () => {
    const input = twoSites();
    input.sites[0].pods = [{ system: 'hgx-a100', nodes: 4 }];
    input.wanLinks = [];
    const r = parseFabric(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.fabric.sites[0].pods[0].system.id).toBe('dgx-a100-80gb');
  });

  it('rejects a duplicate site id', () => {
    const input = twoSites();
    input.sites[1].id = 'atl';
    const issues = issuesOf(input);
    const issue = issueAt(issues, 'sites[1].id');
    expect(issue.message).toContain('duplicate site id "atl"');
    expect(issue.hint).toMatch(/unique/);
  });

  it('names the path of a missing field', () => {
    const input = twoSites();
    delete input.sites[1].powerMW;
    const issue = issueAt(issuesOf(input), 'sites[1].powerMW');
    expect(issue.message).toContain('missing required field "powerMW"');
    expect(issue.hint).toMatch(/MW/);
  });

  it('rejects a WAN link to an unknown site and lists the site ids', () => {
    const input = twoSites();
    input.wanLinks[0].b = 'tx';
    const issue = issueAt(issuesOf(input), 'wanLinks[0].b');
    expect(issue.message).toContain('unknown site "tx"');
    expect(issue.hint).toContain('atl, wi');
  });

  it('rejects a WAN link from a site to itself', () => {
    const input = twoSites();
    input.wanLinks[0].b = 'atl';
    expect(issueAt(issuesOf(input), 'wanLinks[0].b').message).toMatch(/two different sites/);
  });

  it('rejects racks for a node-scale system and nodes for a rack-scale one', () => {
    const input = twoSites();
    input.sites[0].pods = [{ system: 'hgx-h100', racks: 10 }];
    input.sites[1].pods = [{ system: 'gb200-nvl72', nodes: 36 }];
    const issues = issuesOf(input);
    expect(issueAt(issues, 'sites[0].pods[0].racks').hint).toMatch(/nodes: N/);
    expect(issueAt(issues, 'sites[1].pods[0].nodes').hint).toMatch(/racks: N .*72 GPUs.*2 racks/);
  });

  it('rejects a PUE below 1, a bad jurisdiction and a misspelled field, each with a fix', () => {
    const input = twoSites();
    input.sites[0].pue = 0.9;
    input.sites[0].jurisdiction = 'Georgia';
    input.sites[1].rack = 3;
    const issues = issuesOf(input);
    expect(issueAt(issues, 'sites[0].pue').hint).toMatch(/at least 1\.0/);
    expect(issueAt(issues, 'sites[0].jurisdiction').hint).toMatch(/ISO 3166-2/);
    expect(issueAt(issues, 'sites[1]').message).toMatch(/unknown field: rack/);
    for (const i of issues) expect(i.hint.length).toBeGreaterThan(0);
  });

  it('rejects a site whose pods draw more than its power cap', () => {
    const input = twoSites();
    input.sites[0].powerMW = 10; // 7,200 GB200 x 1,833 W x 1.12 = 14.8 MW
    const issue = issueAt(issuesOf(input), 'sites[0].powerMW');
    expect(issue.message).toMatch(/14\.8 MW at the meter/);
    expect(issue.hint).toMatch(/at least 14\.8/);
  });

  it('rejects an oversubscription list that does not match the topology', () => {
    const input = twoSites();
    input.sites[0].pods = [
      { system: 'gb200-nvl72', racks: 10, network: { topology: 'fat-tree-2', oversubscription: [1, 7] } },
    ];
    expect(issueAt(issuesOf(input), 'sites[0].pods[0].network.oversubscription').hint).toMatch(/one ratio/);
  });

  it('needs fullBisectionGpus when a tier is oversubscribed', () => {
    const input = twoSites();
    input.sites[0].pods = [
      { system: 'hgx-h100', nodes: 768, network: { topology: 'fat-tree-3', oversubscription: [1, 7] } },
    ];
    expect(issueAt(issuesOf(input), 'sites[0].pods[0].network.fullBisectionGpus').hint).toMatch(/fullBisectionGpus/);
  });

  it('never throws on garbage input', () => {
    for (const junk of [null, undefined, 42, 'fabric', [], {}, { sites: 'x' }, { name: 'x', sites: [{}] }]) {
      const r = parseFabric(junk);
      expect(r.ok).toBe(false);
      const issues = r.ok ? [] : r.issues;
      expect(issues.length, JSON.stringify(junk)).toBeGreaterThan(0);
      for (const i of issues) expect(i.hint.length).toBeGreaterThan(0);
    }
  });
});

describe('presets', () => {
  it('lists the nine preset ids', () => {
    expect(listFabricPresets()).toEqual([
      'aws-p5',
      'aws-trn2',
      'dgx-a100-80gb',
      'dgx-h100-ib',
      'fairwater',
      'fairwater-edge',
      'gb200-nvl72',
      'hgx-h100-roce',
      'tpu-v4-palm',
    ]);
  });

  it.each([
    'fairwater',
    'fairwater-edge',
    'dgx-a100-80gb',
    'hgx-h100-roce',
    'dgx-h100-ib',
    'gb200-nvl72',
    'tpu-v4-palm',
    'aws-p5',
    'aws-trn2',
  ])('loads and validates the %s preset', async (id) => {
    const f = await loadFabric(id);
    expect(f.name).toBe(id);
    expect(f.gpus).toBeGreaterThan(0);
    expect(f.gpus).toBe(f.sites.reduce((n, s) => n + s.gpus, 0));
  });

  it('sizes fairwater at about 100,000 GB200 GPUs over two sites joined by a 1,390 km WAN', async () => {
    const f = await loadFabric('fairwater');
    expect(f.gpus).toBe(100_800);
    expect(f.sites.map((s) => s.id)).toEqual(['atl', 'wi']);
    expect(
      f.sites.every((s) => s.pods.every((p) => p.system.id === 'gb200-nvl72' && p.network.nicGbpsPerGpu === 800)),
    ).toBe(true);
    expect(f.wanLinks).toHaveLength(1);
    expect(f.wanLinks[0].latencyMs).toBeCloseTo(1390 * 0.0049 + 0.1, 9);
  });

  it('models the Llama 3 cluster as 3,072-GPU full-bisection pods with 1:7 above', async () => {
    const f = await loadFabric('hgx-h100-roce');
    expect(f.gpus).toBe(24_576);
    const net = f.sites[0].pods[0].network;
    expect(net).toMatchObject({
      topology: 'fat-tree-3',
      oversubscription: [1, 7],
      fullBisectionGpus: 3072,
      transport: 'roce',
    });
  });

  it('throws FabricInputError listing the presets for an unknown id', async () => {
    const err = await loadFabric('no-such-fabric').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricInputError);
    expect((err as FabricInputError).issues[0].hint).toContain('fairwater');
  });

  it('loads a fabric from a YAML or JSON path and reports a missing file as an issue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-fabric-'));
    const yamlFile = join(dir, 'two.yaml');
    const jsonFile = join(dir, 'two.json');
    writeFileSync(yamlFile, YAML.stringify(twoSites()));
    writeFileSync(jsonFile, JSON.stringify(twoSites()));
    expect((await loadFabric(yamlFile)).gpus).toBe(14_400);
    expect((await loadFabric(jsonFile)).gpus).toBe(14_400);
    const err = await loadFabric(join(dir, 'missing.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricInputError);
    expect((err as FabricInputError).issues[0].path).toBe('(file)');
  });

  it('reports a YAML syntax error as an issue instead of throwing a parser error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-fabric-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: x\nsites: [ { id: a\n');
    const err = await loadFabric(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricInputError);
    expect((err as FabricInputError).issues[0].message).toMatch(/not valid YAML/);
  });
});

describe('loadCatalog', () => {
  it('holds the required GPUs and systems', () => {
    const c = loadCatalog();
    expect([...c.gpus.keys()].sort()).toEqual([
      'a100-sxm4-80gb',
      'b200',
      'gb200',
      'gb300',
      'h100-sxm5-80gb',
      'h200',
      'mi300x',
      'tpu-v4',
      'tpu-v5p',
      'trainium2',
    ]);
    for (const id of [
      'dgx-a100-80gb',
      'hgx-a100',
      'hgx-h100',
      'dgx-h100',
      'hgx-h200',
      'hgx-b200',
      'gb200-nvl72',
      'gb300-nvl72',
      'mi300x-8',
    ]) {
      expect(c.systems.has(id)).toBe(true);
    }
  });

  it('converts datasheet GB to GiB', () => {
    const h100 = loadCatalog().gpus.get('h100-sxm5-80gb');
    expect(h100?.hbmGiB).toBeCloseTo((80 * 1e9) / 2 ** 30, 9); // 74.5 GiB
  });

  it('carries the published peak figures', () => {
    const g = loadCatalog().gpus;
    expect(g.get('h100-sxm5-80gb')?.bf16DenseTflops).toBe(989.4);
    expect(g.get('a100-sxm4-80gb')?.fp8DenseTflops).toBeNull();
    expect(g.get('mi300x')).toMatchObject({ bf16DenseTflops: 1307.4, fp8DenseTflops: 2614.9, hbmTBps: 5.3, tdpW: 750 });
    const s = loadCatalog().systems;
    expect(s.get('gb200-nvl72')).toMatchObject({
      gpusPerRack: 72,
      scaleUpDomainGpus: 72,
      scaleUpGBpsPerDirection: 900,
    });
    expect(s.get('mi300x-8')?.scaleUpGBpsPerDirection).toBe(7 * 64);
  });
});
