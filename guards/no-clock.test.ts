import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('determinism guard', () => {
  it('uses no Math.random, Date.now or performance.now in sched, sim and workload', () => {
    for (const f of [...files('src/sched'), ...files('src/sim'), ...files('src/workload')]) {
      const code = readFileSync(f, 'utf8')
        .replace(/\/\/.*$/gm, '')
        .replace(/\/\*[\s\S]*?\*\//g, '');
      expect(code, f).not.toMatch(/Math\.random|Date\.now|performance\.now|new Date\(\)/);
    }
  });
});
