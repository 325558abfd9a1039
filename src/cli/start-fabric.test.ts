import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { dataPath } from '../data-dir.js';
import { parseFabric } from '../fabric/index.js';
import type { FabricInput } from '../fabric/schema.js';
import { LOCAL_SITE_ID, withLocalSite } from './start-fabric.js';

const preset = () => YAML.parse(readFileSync(dataPath('fabrics', 'fairwater.yaml'), 'utf8')) as FabricInput;

describe('the fabric of superfactory start', () => {
  it('is the fairwater preset plus a site local with no WAN link, and loads as a fabric', () => {
    const input = withLocalSite(preset());
    const r = parseFabric(input, 'start');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fabric.sites.map((s) => s.id)).toEqual(['atl', 'wi', LOCAL_SITE_ID]);
    const local = r.fabric.sites.find((s) => s.id === LOCAL_SITE_ID)!;
    expect(local.gpus).toBe(8);
    expect(r.fabric.wanLinks.map((l) => [l.a, l.b])).toEqual([['atl', 'wi']]);
    // the preset's own sites are unchanged
    expect(input.sites.slice(0, 2)).toEqual(preset().sites);
  });

  it('refuses a preset that already has a site local', () => {
    const p = withLocalSite(preset());
    expect(() => withLocalSite(p)).toThrow(/already has a site "local"/);
  });
});
