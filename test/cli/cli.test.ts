import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateArgs, runCli } from './run-cli.js';

describe('superfactory estimate', () => {
  it('prints exactly one JSON object with the documented keys', () => {
    const run = runCli(
      estimateArgs(
        {
          model: 'llama3-70b',
          fabric: 'dgx-h100-ib',
          gpus: '1024',
          pp: '4',
          dp: '32',
          vpp: '5',
          gbs: '512',
          recompute: 'selective',
        },
        ['--sequence-parallel', '--json'],
      ),
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]);
    for (const key of [
      'stepTimeSeconds',
      'tokensPerSecond',
      'modelTflopsPerGpu',
      'hardwareTflopsPerGpu',
      'mfu',
      'hfu',
      'memoryGiBPerGpu',
      'fits',
      'breakdown',
      'bottleneck',
    ]) {
      expect(json, key).toHaveProperty(key);
    }
    expect(json.fits).toBe(true);
    expect(json.mfu).toBeGreaterThan(0.2);
    expect(json.mfu).toBeLessThan(0.7);
  });

  it('prints a breakdown table for people', () => {
    const run = runCli(estimateArgs({ fabric: 'dgx-h100-ib', gpus: '64', tp: '1', dp: '64', gbs: '256' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/step breakdown/);
    expect(run.stdout).toMatch(/bottleneck:/);
  });

  it('exits 2 and names the rule for tp*pp*dp != gpus', () => {
    const run = runCli(estimateArgs({ model: 'llama3-70b', gpus: '1000', pp: '4', dp: '32', gbs: '512' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/gpus: tp\*pp\*dp\*cp = .* not gpus = 1000/);
  });

  it('exits 2 for heads not divisible by tp, and for an unknown model', () => {
    const heads = runCli(estimateArgs({ model: 'llama3-70b', gpus: '48', tp: '3', dp: '16', gbs: '64' }));
    expect(heads.code).toBe(2);
    expect(heads.stderr).toMatch(/tp: 64 attention heads are not divisible by tp = 3/);
    const unknown = runCli(estimateArgs({ model: 'nope', gbs: '1' }));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/llama3-70b/);
  });

  it('exits 2 for a malformed number and for a missing flag', () => {
    expect(runCli(estimateArgs({ gpus: 'eight', gbs: '1' })).code).toBe(2);
    expect(runCli(['estimate', '--model', 'llama3-8b']).code).toBe(2);
  });
});

describe('superfactory plan and sweep', () => {
  it('plan --json prints one object with ranked plans and search figures', () => {
    const run = runCli([
      'plan',
      '--model',
      'llama3-70b',
      '--fabric',
      'fairwater',
      '--gpus',
      '4096',
      '--top',
      '3',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.plans.length).toBeGreaterThanOrEqual(3);
    expect(json.plansEvaluated).toBeGreaterThan(0);
    for (const key of [
      'strategy',
      'placement',
      'tp',
      'pp',
      'vpp',
      'dp',
      'cp',
      'ep',
      'mbs',
      'gbs',
      'recompute',
      'zero',
      'stepTimeSeconds',
      'tokensPerSecond',
      'effectiveTokensPerSecond',
      'tokenEfficiency',
      'mfu',
      'memoryGiBPerGpu',
      'wanGbpsUsed',
      'timeToTrainDays',
      'energyMWh',
      'bottleneck',
    ]) {
      expect(json.plans[0], key).toHaveProperty(key);
    }
    expect(json.plans[0].placement[0]).toHaveProperty('jurisdiction');
  });

  it('plan pins a job to the allowed jurisdictions', () => {
    const run = runCli(['plan', '--model', 'llama3-8b', '--allow', 'US-WI', '--json']);
    expect(run.code).toBe(0);
    const plans = JSON.parse(run.stdout).plans;
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) for (const place of plan.placement) expect(place.jurisdiction).toBe('US-WI');
  });

  it('plan exits 2 when no plan fits or a flag is bad', () => {
    const tooBig = runCli(['plan', '--model', 'llama3-405b', '--fabric', 'dgx-a100-80gb', '--gpus', '8']);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/HBM|fits/);
    expect(runCli(['plan', '--model', 'llama3-8b', '--gpus', '-3']).code).toBe(2);
    expect(runCli(['plan', '--model', 'llama3-8b', '--sites', 'mars']).stderr).toMatch(/unknown site mars/);
  });

  it('sweep writes CSV and an SVG heatmap', () => {
    const out = mkdtempSync(join(tmpdir(), 'sf-sweep-'));
    const run = runCli([
      'sweep',
      '--model',
      'llama3-8b',
      '--fabric',
      'fairwater',
      '--gpus',
      '1024',
      '--wan-gbps',
      '10,10000',
      '--wan-latency-ms',
      '7',
      '--out',
      out,
    ]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8').split('\n')[0]).toBe(
      'wanGbps,wanLatencyMs,effectiveTokensPerSecond,fractionOfSingleSite,strategy',
    );
    expect(readFileSync(join(out, 'sweep.svg'), 'utf8')).toMatch(/^<svg/);
    expect(run.stdout).toMatch(/90% needs/);
  });

  it('sweep rejects a one-site fabric and a bad list', () => {
    expect(
      runCli(['sweep', '--model', 'llama3-8b', '--fabric', 'dgx-h100-ib', '--wan-gbps', '10', '--wan-latency-ms', '7'])
        .code,
    ).toBe(2);
    expect(runCli(['sweep', '--model', 'llama3-8b', '--wan-gbps', 'ten', '--wan-latency-ms', '7']).code).toBe(2);
  });
});

describe('superfactory fabric', () => {
  it('rejects a WAN link faster than light and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-fabric-'));
    const file = join(dir, 'ftl.yaml');
    writeFileSync(
      file,
      [
        'name: ftl',
        'sites:',
        '  - { id: atl, name: Atlanta, lat: 33.45, lon: -84.45, jurisdiction: US-GA, powerMW: 300, pue: 1.12, gridZone: SOCO, pods: [ { system: gb200-nvl72, racks: 10 } ] }',
        '  - { id: wi, name: Mount Pleasant, lat: 42.71, lon: -87.92, jurisdiction: US-WI, powerMW: 300, pue: 1.12, gridZone: MISO, pods: [ { system: gb200-nvl72, racks: 10 } ] }',
        'wanLinks:',
        '  - { a: atl, b: wi, routeKm: 1400, capacityGbps: 400000, latencyMs: 2 }',
      ].join('\n'),
    );
    const run = runCli(['fabric', 'validate', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/wanLinks\[0\]\.latencyMs/);
    expect(run.stderr).toMatch(/light/);
    expect(existsSync(file)).toBe(true);
  });
});
