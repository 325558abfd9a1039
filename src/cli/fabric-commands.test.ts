import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { twoSiteFabricInput } from '../fabric/fabric-input.fixture.js';
import { runFabricShow, runFabricValidate } from './fabric-commands.js';

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => vi.restoreAllMocks());

describe('fabric commands', () => {
  it('validate prints ok with sites and GPUs for a preset and exits 0', async () => {
    const io = capture();
    expect(await runFabricValidate('fairwater')).toBe(0);
    expect(io.out()).toBe('ok: fairwater, 2 sites, 100800 GPUs\n');
  });

  it('validate prints each issue as path: message (fix: hint) on stderr and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-cli-'));
    const file = join(dir, 'fast.yaml');
    writeFileSync(
      file,
      YAML.stringify({
        ...twoSiteFabricInput(),
        name: 'fast',
        wanLinks: [{ a: 'atl', b: 'wi', routeKm: 1400, capacityGbps: 400000, latencyMs: 3 }],
      }),
    );
    const io = capture();
    expect(await runFabricValidate(file)).toBe(2);
    expect(io.err()).toMatch(
      /^error: wanLinks\[0\]\.latencyMs: faster than light in fiber: 1400 km needs at least 6\.86 ms one way.* \(fix: .+\)$/m,
    );
    expect(io.out()).toBe('');
  });

  it('show prints a table, or the summary as JSON', async () => {
    let io = capture();
    expect(await runFabricShow('fairwater', false)).toBe(0);
    expect(io.out()).toMatch(/atl-wi\s+atl\s+wi\s+1,390/);
    vi.restoreAllMocks();
    io = capture();
    expect(await runFabricShow('fairwater', true)).toBe(0);
    const json = JSON.parse(io.out()) as { totals: { gpus: number } };
    expect(json.totals.gpus).toBe(100_800);
  });
});
