import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataPath, projectRoot } from '../data-dir.js';
import { join } from 'node:path';

interface Figure {
  value: unknown;
  source: string;
  assumption?: string;
}

function figuresOf(entry: Record<string, unknown>): [string, Figure][] {
  return Object.entries(entry).filter(([, v]) => typeof v === 'object' && v !== null && 'value' in v) as [
    string,
    Figure,
  ][];
}

describe('hardware catalog sources', () => {
  const gpus = JSON.parse(readFileSync(dataPath('catalog', 'gpus.json'), 'utf8')) as {
    gpus: Record<string, unknown>[];
  };
  const systems = JSON.parse(readFileSync(dataPath('catalog', 'systems.json'), 'utf8')) as {
    systems: Record<string, unknown>[];
  };
  const sourcesMd = readFileSync(join(projectRoot(), 'docs', 'sources.md'), 'utf8');

  it('gives every catalog figure a source', () => {
    expect(gpus.gpus.length).toBeGreaterThan(0);
    expect(systems.systems.length).toBeGreaterThan(0);
    for (const entry of [...gpus.gpus, ...systems.systems]) {
      const figures = figuresOf(entry);
      expect(figures.length).toBeGreaterThan(4);
      for (const [, f] of figures) expect(f.source.length).toBeGreaterThan(10);
    }
  });

  it('lists every catalog item in docs/sources.md', () => {
    for (const entry of [...gpus.gpus, ...systems.systems]) expect(sourcesMd).toContain(`\`${String(entry.id)}\``);
  });
});
