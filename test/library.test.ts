import { describe, expect, it } from 'vitest';
import { estimate, loadFabric, loadModel, planJob } from '../src/index.js';
import { runCli } from './cli/run-cli.js';

describe('library entry', () => {
  it('estimate() returns the same object that estimate --json prints', async () => {
    const model = loadModel('llama3-8b');
    const fabric = await loadFabric('dgx-h100-ib');
    const plan = {
      gpus: 64,
      tp: 2,
      pp: 1,
      dp: 32,
      mbs: 1,
      gbs: 256,
      recompute: 'selective' as const,
      sequenceParallel: true,
    };
    const fromLibrary = estimate({ model, fabric, plan });
    const run = runCli([
      'estimate',
      '--model',
      'llama3-8b',
      '--fabric',
      'dgx-h100-ib',
      '--gpus',
      '64',
      '--tp',
      '2',
      '--pp',
      '1',
      '--dp',
      '32',
      '--mbs',
      '1',
      '--gbs',
      '256',
      '--recompute',
      'selective',
      '--sequence-parallel',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(fromLibrary)));
  });

  it('planJob() takes ids and returns ranked plans', async () => {
    const result = await planJob({ model: 'llama3-8b', fabric: 'gb200-nvl72', gpus: 1024, top: 2 });
    expect(result.plans[0].effectiveTokensPerSecond).toBeGreaterThan(0);
  });
});
