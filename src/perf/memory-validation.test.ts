import { describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { estimateWithTiers, layerShape, loadModel, parameterCounts, tiersForFabric } from './index.js';
import { stageParameters } from './memory.js';
import { runMemoryValidation } from './memory-validation.js';
import { layersPerStage } from './pipeline.js';

describe('peak memory against published measurements', () => {
  it('predicts every Megatron-LM CI peak-memory measurement within 10% (at least 5 cases)', async () => {
    const rows = await runMemoryValidation();
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const r of rows) expect(Math.abs(r.errorPercent), r.id).toBeLessThanOrEqual(10);
    // The memory held between steps (weights, gradient buffers, optimizer) is checked on its own as well.
    for (const r of rows) expect(Math.abs(r.predictedStateGB / r.measuredStateGB - 1), r.id).toBeLessThanOrEqual(0.1);
  });
});

describe('per-stage model state', () => {
  it('adds up to the whole model over the stages (plus the tied-embedding copy on the last stage)', () => {
    for (const id of ['llama3-70b', 'deepseek-v3', 'mixtral-8x7b', 'gpt3-175b']) {
      const model = loadModel(id);
      const shape = layerShape(model);
      const counts = parameterCounts(model, shape);
      for (const pp of [1, 3, 8]) {
        const stages = layersPerStage(model.layers, pp);
        const p = { tp: 2, pp, ep: 4, etp: 1 };
        let dense = 0;
        let expert = 0;
        for (let s = 0; s < pp; s++) {
          const part = stageParameters(model, shape, p, stages, s);
          dense += part.dense * p.tp;
          expert += part.expert * p.etp * p.ep;
        }
        const copy = model.tiedEmbeddings && pp > 1 ? model.vocabSize * model.hiddenSize : 0;
        expect(expert, `${id} pp ${pp}`).toBeCloseTo(counts.expertParamsTotal, -2);
        expect(dense + expert, `${id} pp ${pp}`).toBeCloseTo(counts.total + copy, -2);
      }
    }
  });

  it('puts the input embedding on the first stage: stage 0 outweighs a middle stage by vocab x hidden / tp', () => {
    const model = loadModel('llama3-8b');
    const shape = layerShape(model);
    const stages = layersPerStage(model.layers, 4);
    const p = { tp: 2, pp: 4, ep: 1, etp: 2 };
    const first = stageParameters(model, shape, p, stages, 0).dense;
    const middle = stageParameters(model, shape, p, stages, 1).dense;
    expect(first - middle).toBeCloseTo((model.vocabSize * model.hiddenSize) / 2, -1);
  });

  it('keeps 2 more bytes per token x hidden per layer with hidden dropout (two 1-byte masks, TP-replicated)', async () => {
    const tiers = tiersForFabric(await loadFabric('dgx-h100-ib'));
    const base = loadModel('llama3-8b');
    const plan = { gpus: 8, tp: 4, pp: 1, dp: 2, mbs: 1, gbs: 8, seq: 4096, recompute: 'none' as const };
    const off = estimateWithTiers(base, tiers, plan).breakdown.memory.activationsGiB;
    const on = estimateWithTiers({ ...base, hiddenDropout: true }, tiers, plan).breakdown.memory.activationsGiB;
    expect((on - off) * 2 ** 30).toBeCloseTo(2 * 4096 * base.hiddenSize * base.layers, -3);
  });
});
