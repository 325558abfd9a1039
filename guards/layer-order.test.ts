// The layer rule through ESLint's own API and the project's real eslint.config.js, so neither the rule nor its
// wiring can rot silently. Files are linted as text under virtual paths (nothing is written to the tree).
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
});

/** The layer-order messages ESLint reports for `code` as if it lived at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'superfactory/layer-order').map((m) => m.message);
}

describe('superfactory/layer-order', () => {
  it('rejects the old back-edge workload -> sim/rng', async () => {
    const errors = await layerErrors(
      'src/workload/probe.ts',
      "import { Rng } from '../sim/rng.js';\nexport { Rng };\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/src\/workload\/probe\.ts \(layer workload\) must not import src\/sim\/rng\.js/);
  });

  it('resolves paths from any depth and every import form', async () => {
    const code = [
      "import type { X } from '../../cli/main.js';",
      "export * from '../../cli/main.js';",
      "export { y } from '../../cli/main.js';",
      "export const z = () => import('../../cli/main.js');",
      "export type T = typeof import('../../cli/main.js');",
      'export type { X };',
    ].join('\n');
    const errors = await layerErrors('src/control/executors/probe.ts', code);
    expect(errors).toHaveLength(5);
    for (const e of errors) expect(e).toMatch(/\(layer control\) must not import src\/cli\/main\.js \(layer cli\)/);
  });

  it('allows imports down the order and within a layer', async () => {
    const code = [
      "import { a } from '../core/rng.js';",
      "import { b } from '../fabric/index.js';",
      "import { c } from '../perf/index.js';",
      "import { d } from './state.js';",
      "import { z } from 'zod';",
      'export { a, b, c, d, z };',
    ].join('\n');
    expect(await layerErrors('src/sched/probe.ts', code)).toEqual([]);
  });

  it('lets the library entry import every layer but cli', async () => {
    expect(await layerErrors('src/index.ts', "export * from './control/server.js';\n")).toEqual([]);
    const errors = await layerErrors('src/index.ts', "export * from './cli/main.js';\n");
    expect(errors).toEqual([expect.stringMatching(/library entry/)]);
  });

  it('keeps web/ on the contract only', async () => {
    const ok =
      "import type { A } from '../../../src/contract/index.js';\nimport { b } from '../api';\nexport type { A };\nexport { b };\n";
    expect(await layerErrors('web/src/views/probe.ts', ok)).toEqual([]);
    const bad = "import type { P } from '../../../src/planner/types';\nexport type { P };\n";
    expect(await layerErrors('web/src/views/probe.ts', bad)).toEqual([expect.stringMatching(/src\/planner\/types/)]);
  });

  it('keeps src/ (tests included) out of test/ and product code off fixtures', async () => {
    const fromTest = "import { makeFabric } from '../../test/sim/helpers.js';\nexport { makeFabric };\n";
    expect(await layerErrors('src/sched/probe.test.ts', fromTest)).toEqual([expect.stringMatching(/from test\//)]);
    const fixture = "import { makeFabric } from '../fabric/make-fabric.fixture.js';\nexport { makeFabric };\n";
    expect(await layerErrors('src/sched/probe.ts', fixture)).toEqual([expect.stringMatching(/fixture/)]);
    expect(await layerErrors('src/sched/probe.test.ts', fixture)).toEqual([]);
  });

  it('places a root file and its unit test in the same layer', async () => {
    const code = "import { dataPath } from './data-dir.js';\nexport { dataPath };\n";
    expect(await layerErrors('src/data-dir.test.ts', code)).toEqual([]);
    expect(await layerErrors('src/fabric/probe.ts', "export * from '../data-dir.js';\n")).toEqual([]);
    const up = await layerErrors('src/data-dir.test.ts', "export * from './fabric/load.js';\n");
    expect(up).toEqual([expect.stringMatching(/must not import src\/fabric\/load\.js/)]);
  });

  it('names a folder that is missing from the order', async () => {
    const errors = await layerErrors('src/newthing/probe.ts', 'export const x = 1;\n');
    expect(errors).toEqual([expect.stringMatching(/src\/newthing is not in the layer order/)]);
  });
});
