// ESLint rule `superfactory/layer-order`: a lower layer never imports a higher one, so the architecture
// (docs/ARCHITECTURE.md) cannot rot silently. Imports are resolved to files, so `../../sim/x.js` from any depth counts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The layer order, lowest first: a folder src/<name> may import only folders at or before its own index. */
export const LAYERS = ['core', 'fabric', 'perf', 'planner', 'sched', 'workload', 'sim', 'contract', 'control', 'cli'];

// Leaves outside the order that import nothing from src (or only core): usable by every layer.
const LEAVES = new Map([
  ['data-dir.ts', 0],
  ['charts', 0],
]);
const ENTRY = 'index.ts'; // library entry: may import every layer below cli
const CLI = LAYERS.indexOf('cli');
// Folders outside src/ that no src/ or web/ file may reach into.
const OUTSIDE = ['test', 'bench', 'scripts'];

/** Where a path sits: {area: 'src'|'web'|'test'|...|null, layer: index|undefined, name} */
function locate(abs) {
  const rel = path.relative(ROOT, abs).split(path.sep);
  if (rel[0] === '..') return { area: null };
  if (rel[0] !== 'src') return { area: rel[0], name: rel[0] };
  const top = rel[1] ?? '';
  if (rel.length === 2 && top.replace(/\.[jt]s$/, '') === 'index') return { area: 'src', layer: CLI, name: ENTRY };
  // a root file's import may say .js; its unit test (x.test.ts) sits in the same layer as x.ts
  const bare = rel.length === 2 ? top.replace(/(\.test)?\.[jt]s$/, '.ts') : top;
  if (LEAVES.has(bare)) return { area: 'src', layer: LEAVES.get(bare), name: bare };
  const i = LAYERS.indexOf(top);
  return { area: 'src', layer: i < 0 ? undefined : i, name: top };
}

const isTestFile = (f) => /\.test\.[jt]s$/.test(f) || /\.fixture\.[jt]s$/.test(f);

/** @type {import('eslint').Rule.RuleModule} */
export const layerOrder = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layer order of src/ (docs/ARCHITECTURE.md); web/ imports only src/contract' },
    schema: [],
    messages: {
      upward:
        '{{from}} (layer {{fromLayer}}) must not import {{to}} (layer {{toLayer}}): layers go ' +
        LAYERS.join(' -> ') +
        '. Move the shared rule down (often to src/core) or invert the call.',
      entry: 'src/index.ts is the library entry: it may import every layer except cli.',
      unknown:
        'src/{{name}} is not in the layer order: add it to LAYERS (or LEAVES) in guards/layer-order.js and docs/ARCHITECTURE.md.',
      outside:
        '{{from}} must not import from {{to}}/: nothing under src/ (tests included) reaches into test/, bench/ or ' +
        'scripts/. Move a shared test helper into src as a *.fixture.ts beside the code it builds.',
      web: 'web/ may import only web/ itself, packages and src/contract/ (got {{to}}).',
      fixture: '{{from}} is product code: *.fixture.ts files are test support, importable only by tests.',
    },
  },
  create(context) {
    const file = context.filename;
    const here = locate(file);
    if (here.area !== 'src' && here.area !== 'web') return {};
    const fromName = path.relative(ROOT, file);
    function check(node, spec) {
      if (typeof spec !== 'string' || !(spec.startsWith('.') || spec.startsWith('/'))) return; // a package
      const target = path.resolve(path.dirname(file), spec);
      const there = locate(target);
      const data = { from: fromName, to: path.relative(ROOT, target) };
      if (here.area === 'web') {
        const ok = there.area === 'web' || (there.area === 'src' && there.name === 'contract');
        if (!ok) context.report({ node, messageId: 'web', data });
        return;
      }
      if (OUTSIDE.includes(there.area) || there.area === 'web') {
        context.report({ node, messageId: 'outside', data: { from: fromName, to: there.area } });
        return;
      }
      if (there.area !== 'src') return;
      if (/\.fixture\.[jt]s$/.test(target) && !isTestFile(file)) {
        context.report({ node, messageId: 'fixture', data });
        return;
      }
      if (there.layer === undefined) {
        context.report({ node, messageId: 'unknown', data: { name: there.name } });
        return;
      }
      if (here.layer === undefined) return; // reported once on Program
      if (here.name === ENTRY) {
        if (there.layer >= CLI) context.report({ node, messageId: 'entry' });
        return;
      }
      if (there.layer > here.layer) {
        context.report({
          node,
          messageId: 'upward',
          data: { ...data, fromLayer: LAYERS[here.layer] ?? here.name, toLayer: LAYERS[there.layer] ?? there.name },
        });
      }
    }
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      Program(node) {
        if (here.area === 'src' && here.layer === undefined)
          context.report({ node, messageId: 'unknown', data: { name: here.name } });
      },
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
      // `typeof import('../x.js')` in types (typescript-eslint 8 names the string `source`; older ones `argument`)
      TSImportType(node) {
        const lit = 'source' in node ? node.source : node.argument?.literal;
        if (lit && lit.type === 'Literal') check(node, lit.value);
      },
    };
  },
};

export default { rules: { 'layer-order': layerOrder } };
