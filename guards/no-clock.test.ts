// Purity guard: models, planner, policies and the simulator take time and randomness from their caller (seeded
// streams from src/core/rng.ts, an injected clock) and read no files; the edge (cli, control's wiring, benches)
// does. A source scan, not a lint rule, so it runs in milliseconds in the unit tier.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n).split(path.sep).join('/');
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.fixture.ts') ? [p] : [];
  });
}

// Comments and string literals in one left-to-right pass, so `// models/*.json` opens no block comment.
const TOKENS = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;

/** Source without comments, so a comment that says "no Date.now here" is not a hit. */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(TOKENS, (t) => (t.startsWith('/') ? '' : t));
}

// Reading a clock or drawing a random number. `new Date(ms)` with an argument is formatting, not a clock.
const CLOCK =
  /Math\.random|Date\.now|performance\.now|new Date\(\s*\)|process\.hrtime|randomUUID|randomBytes|getRandomValues/;
// Timers make a model depend on wall time too.
const TIMERS = /\bset(Timeout|Interval|Immediate)\(/;
// File, process and network access, directly or through the data-dir helper.
const IO_IMPORT =
  /from '(node:)?(fs|fs\/promises|child_process|net|http|https|worker_threads)'|from '(\.\.\/)+data-dir\.js'|import\('(node:)?fs/;
// The loaders that read input files (model zoo, fabric presets, catalog, grid series, scenarios, traces):
// pure code is handed their results instead. Each name must still exist (checked below) so the list cannot rot.
const LOADERS = ['loadModel', 'loadFabric', 'loadCatalog', 'loadGridSeries', 'loadGridFor', 'loadScenarioFile'];
const LOADER_CALL = new RegExp(`\\b(${LOADERS.join('|')})\\(`);

// Files inside pure folders whose one job is to read input files for the edge (named, with why).
const EDGE_ADAPTERS: Record<string, string> = {
  'src/perf/models.ts': 'the model zoo and user model files, validated once when the edge loads them',
  'src/perf/validation.ts': 'the published-run cases (data/validation), read by the validate-perf command',
  'src/perf/memory-validation.ts': 'the published peak-memory cases (data/validation/memory), read by validate',
  'src/perf/serving/validation.ts': 'the published serving measurements (data/validation), read by validate',
  'src/sim/grid-files.ts': 'grid series files, read by the edge and handed to the simulator',
  'src/sim/paths.ts': 'where the repository and its data are',
  'src/sim/scenario-file.ts': 'scenario files (YAML/JSON) read and handed to the pure parser in scenario.ts',
  'src/workload/index.ts': 'trace files (importTraceFile) parsed by the pure importers',
  'src/workload/superfactory-file.ts': 'workload mix files (data/workloads) handed to the pure superfactory-spec.ts',
};

// Known violations, each with its owner: the test fails on any other violation, and on an entry that is
// fixed (delete it here then), so the list only shrinks.
const KNOWN: Record<string, string> = {};

const PURE_FOLDERS = ['src/core', 'src/perf', 'src/planner', 'src/sched', 'src/workload', 'src/sim'];
// The pure parts of control: what-if, the planning stage and its budget, the event stream, the policy's
// view and translations. Each concern must match at least one file, so a move cannot drop it silently.
const CONTROL_PURE: Record<string, RegExp> = {
  'what-if': /^src\/control\/(.*\/)?what-?if[^/]*(\/.*)?\.ts$/,
  planning: /^src\/control\/scheduling\/planning\.ts$/,
  'event stream': /^src\/control\/api\/routes\/events\.ts$/,
  'policy view': /^src\/control\/scheduling\/(cluster-view|queue-manager|requests|requeue)\.ts$/,
  'planner adapter': /^src\/control\/planner\.ts$/,
};

/** `code` with quoted strings emptied (templates kept: they can call), so a hint naming a loader is not a call. */
const noStrings = (c: string) => c.replace(TOKENS, (t) => (t.startsWith('/') ? '' : t.startsWith('`') ? t : "''"));

function violations(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (f: string, what: string) => found.set(f, [...(found.get(f) ?? []), what]);
  for (const f of PURE_FOLDERS.flatMap(files)) {
    const withStrings = code(f);
    const c = noStrings(withStrings);
    if (CLOCK.test(c)) add(f, `clock or randomness: ${c.match(CLOCK)?.[0]}`);
    if (TIMERS.test(c)) add(f, `timer: ${c.match(TIMERS)?.[0]}`);
    if (f in EDGE_ADAPTERS) continue;
    if (IO_IMPORT.test(withStrings)) add(f, `file or process access: ${withStrings.match(IO_IMPORT)?.[0]}`);
    if (LOADER_CALL.test(c)) add(f, `reads input files through ${c.match(LOADER_CALL)?.[1]}()`);
  }
  for (const f of controlPure().flatMap(([, fs]) => fs)) {
    const c = noStrings(code(f));
    if (CLOCK.test(c)) add(f, `clock or randomness (take the injected clock): ${c.match(CLOCK)?.[0]}`);
  }
  return found;
}

/** Files reachable from `entry` through relative imports, staying inside the `within` folders. */
function importGraph(entry: string, within: string[]): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const m of code(f).matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1].replace(/\.js$/, '.ts')));
      if (within.some((w) => target.startsWith(w + '/'))) todo.push(target);
    }
  }
  return [...seen];
}

function controlPure(): [string, string[]][] {
  const all = files('src/control');
  return Object.entries(CONTROL_PURE).map(([concern, re]) => [concern, all.filter((f) => re.test(f))]);
}

describe('purity guard', () => {
  it('scans every pure folder and each pure part of control', () => {
    for (const dir of PURE_FOLDERS) expect(files(dir).length, dir).toBeGreaterThan(0);
    for (const [concern, fs] of controlPure()) expect(fs, `no file found for ${concern}`).not.toEqual([]);
    // an adapter that is gone or reads nothing any more must leave EDGE_ADAPTERS (it would exempt a pure file)
    const stale = Object.keys(EDGE_ADAPTERS).filter((f) => !existsSync(f) || !IO_IMPORT.test(code(f)));
    expect(stale, 'stale EDGE_ADAPTERS entries').toEqual([]);
    const src = files('src').map(code).join('\n');
    const gone = LOADERS.filter((name) => !new RegExp(`function ${name}\\b`).test(src));
    expect(gone, 'loaders no longer defined in src (update LOADERS)').toEqual([]);
  });

  it('finds a clock, a random draw, a file read and a loader call (the patterns work)', () => {
    expect('const t = Date.now();').toMatch(CLOCK);
    expect('x = performance.now()').toMatch(CLOCK);
    expect('new Date()').toMatch(CLOCK);
    expect('new Date(ms)').not.toMatch(CLOCK);
    expect('Math.random()').toMatch(CLOCK);
    expect("import { readFileSync } from 'node:fs';").toMatch(IO_IMPORT);
    expect("import { dataPath } from '../data-dir.js';").toMatch(IO_IMPORT);
    expect('const m = loadModel(id);').toMatch(LOADER_CALL);
    expect('const m = parseModel(text);').not.toMatch(LOADER_CALL);
    expect(noStrings("hint: 'load it with loadGridFor(sites)'")).not.toMatch(LOADER_CALL);
    const commented = "// reads models/*.json\nimport { readFileSync } from 'node:fs';\n/* Date.now() */ const x = 1;";
    expect(commented.replace(TOKENS, (t) => (t.startsWith('/') ? '' : t))).toMatch(IO_IMPORT);
    expect(commented.replace(TOKENS, (t) => (t.startsWith('/') ? '' : t))).not.toMatch(CLOCK);
  });

  it('has no clock, randomness, timers or file reads in models, planner, policies, simulator and pure control', () => {
    const found = violations();
    const unexpected = [...found].filter(([f]) => !(f in KNOWN)).map(([f, w]) => `${f}: ${w.join('; ')}`);
    // a fixed file must leave KNOWN, or the violation could come back unnoticed
    const fixedDeleteFromKnown = Object.keys(KNOWN).filter((f) => !found.has(f));
    expect({ unexpected, fixedDeleteFromKnown }).toEqual({ unexpected: [], fixedDeleteFromKnown: [] });
  });

  it('reaches no file read from the simulator or the twin backend: the edge hands in grid series and scenarios', () => {
    // Followed inside core, sched, workload and sim only: perf's barrel also exports the zoo loader, which the
    // per-file scan above covers (a loadModel call is flagged where it is made).
    const within = ['src/core', 'src/sched', 'src/workload', 'src/sim'];
    const graph = [...importGraph('src/sim/simulate.ts', within), ...importGraph('src/sim/twin-backend.ts', within)];
    expect(graph).toContain('src/sim/engine/on-arrival.ts'); // the walk follows the engine
    const reading = graph.filter((f) => IO_IMPORT.test(code(f)));
    expect(reading).toEqual([]);
  });
});
