// `superfactory inference plan` as a user runs it (a real child process): the tables and the explanation, --json
// that `inference simulate --placement` reads, a demand file of one's own, and bad input exiting 2 naming the flag.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../control/helpers.js';
import { runCli } from './run-cli.js';

const base = ['inference', 'plan', '--fabric', 'fairwater-edge', '--model', 'llama3-70b'];
const slo = ['--ttft-p99-ms', '400', '--tpot-p99-ms', '40'];

describe('superfactory inference plan', () => {
  it('prints replicas per site, latency per region, the N+1 cases and why', () => {
    const r = runCli([...base, '--demand', 'azure-conv-americas', ...slo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Inference placement: Llama 3 70B on fairwater-edge, demand azure-conv-americas/);
    for (const region of ['us-east', 'us-central', 'us-south', 'us-west', 'canada', 'brazil', 'europe'])
      expect(r.stdout).toMatch(new RegExp(`\\n${region} .* met\\n`));
    expect(r.stdout).toMatch(/N\+1 \(each site lost in turn\):\n {2}lose \w+: SLO met/);
    expect(r.stdout).toMatch(/Why:\n {2}- \d+ replicas \(\d+ GPUs\)/);
    expect(r.stdout).toMatch(/RTT: \d+ of 56 region-site pairs measured/);
    expect(r.stdout).not.toMatch(/MISSED/);
  }, 180_000);

  it('--json is the API answer; the objective and a demand file of ones own are honoured', () => {
    const dir = tempDir('sf-inf-');
    const file = join(dir, 'demand.json');
    const tokens = { promptTokens: { mean: 500, p99: 2000 }, outputTokens: { mean: 200, p99: 600 } };
    const demand = {
      name: 'two-coasts',
      regions: [
        { id: 'east', lat: 37.3719, lon: -79.8164, requestsPerSecond: 8, ...tokens },
        { id: 'west', lat: 37.783, lon: -122.417, requestsPerSecond: 8, ...tokens },
      ],
    };
    writeFileSync(file, JSON.stringify(demand));
    const cost = runCli([...base, '--demand', file, ...slo, '--json']);
    expect(cost.code).toBe(0);
    const c = JSON.parse(cost.stdout);
    expect(c.demand).toBe('two-coasts');
    expect(c.placement.objective).toBe('cost');
    const carbon = runCli([...base, '--demand', file, ...slo, '--objective', 'carbon', '--json']);
    expect(carbon.code).toBe(0);
    const k = JSON.parse(carbon.stdout);
    expect(k.placement.objective).toBe('carbon');
    // Each objective's optimum is no worse than the other's on its own measure.
    expect(k.placement.totals.emissionsKgCO2ePerHour).toBeLessThanOrEqual(c.placement.totals.emissionsKgCO2ePerHour);
    expect(c.placement.totals.costUsdPerHour).toBeLessThanOrEqual(k.placement.totals.costUsdPerHour);
  }, 180_000);

  it('--gpus-available keeps replicas within the GPUs a site has free', () => {
    const all = JSON.parse(runCli([...base, '--demand', 'azure-conv-americas', ...slo, '--json']).stdout);
    const sites = all.placement.replicas.map((x: { siteId: string }) => x.siteId);
    expect(sites).toContain('atl');
    const r = runCli([...base, '--demand', 'azure-conv-americas', ...slo, '--gpus-available', 'atl=0,wi=8', '--json']);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout).placement;
    const gpusAt = (id: string) =>
      p.replicas
        .filter((x: { siteId: string }) => x.siteId === id)
        .reduce((n: number, x: { count: number; gpusPerReplica: number }) => n + x.count * x.gpusPerReplica, 0);
    expect(gpusAt('atl')).toBe(0);
    expect(gpusAt('wi')).toBeLessThanOrEqual(8);
    expect(p.latency.every((l: { meetsSlo: boolean }) => l.meetsSlo)).toBe(true);
  }, 180_000);

  it('exits 2 naming the flag or field for bad input', () => {
    const cases: [string[], RegExp][] = [
      [[...base, '--demand', 'azure-conv-americas', '--ttft-p99-ms', 'soon', '--tpot-p99-ms', '40'], /--ttft-p99-ms:/],
      [[...base, '--ttft-p99-ms', '400'], /error: --demand: missing[\s\S]*error: --tpot-p99-ms: missing/],
      [[...base, '--demand', 'nope', ...slo], /error: demand: no demand file or preset "nope"/],
      [[...base, '--demand', 'azure-conv-americas', ...slo, '--objective', 'speed'], /--objective: .*speed/],
      [['inference', 'frob'], /error: inference: unknown subcommand "frob"/],
      [[...base, '--demand', 'azure-conv-americas', ...slo, '--gpus-available', 'atl=-1'], /--gpus-available: -1 /],
      [
        [...base, '--demand', 'azure-conv-americas', ...slo, '--gpus-available', 'mars=8'],
        /gpusAvailable.mars: no site/,
      ],
    ];
    for (const [args, err] of cases) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(err);
      expect(r.stderr).toMatch(/\(fix: /);
    }
  }, 180_000);
});
