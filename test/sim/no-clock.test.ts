import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const stripComments = (code: string): string => code.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');

/** Files under src/ reachable from `entry` through relative imports, staying inside `within` folders. */
function importGraph(entry: string, within: string[]): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const code = stripComments(readFileSync(f, 'utf8'));
    for (const m of code.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = path.normalize(path.join(path.dirname(f), m[1].replace(/\.js$/, '.ts')));
      if (within.some((w) => target.startsWith(w + path.sep))) todo.push(target);
    }
  }
  return [...seen];
}

describe('determinism guard', () => {
  it('uses no Math.random, Date.now or performance.now in sched, sim and workload', () => {
    for (const f of [...files('src/sched'), ...files('src/sim'), ...files('src/workload')]) {
      const code = stripComments(readFileSync(f, 'utf8'));
      expect(code, f).not.toMatch(/Math\.random|Date\.now|performance\.now|new Date\(\)/);
    }
  });

  it('reads no files in the simulator or the twin backend: the edge hands in grid series and scenarios', () => {
    const within = ['src/core', 'src/sched', 'src/workload', 'src/sim'].map((d) => path.normalize(d));
    const graph = [...importGraph('src/sim/simulate.ts', within), ...importGraph('src/sim/twin-backend.ts', within)];
    expect(graph).toContain(path.normalize('src/sim/engine/on-arrival.ts')); // the walk follows the engine
    for (const f of graph) expect(stripComments(readFileSync(f, 'utf8')), f).not.toMatch(/['"]node:fs['"]|['"]fs['"]/);
  });
});
