// TPU-specific figures of the model (data/catalog/achievable.json tpu-v4; docs/sources.md "Torus systems and TPU
// presets"): XLA's 1.25 GiB reserve instead of the CUDA one, the loss buffers of an XLA step, and the TPU rows of the
// validation set (MaxText 22B / 52B on one TPU v4 slice, PaLM 540B).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../fabric/load.js';
import { estimateWithTiers, memoryReserveGiB, tiersForFabric } from './index.js';
import { runValidation, type ValidationRow } from './validation.js';
import type { ModelSpec, Plan, SystemTiers } from './types.js';

/** MaxText configs/v4/22b.sh + base.yml at commit 76bd53b0f (data/validation/maxtext-2023-tpu-v4.json). */
const maxtext22b: ModelSpec = {
  name: 'MaxText 22B',
  layers: 48,
  hiddenSize: 6144,
  ffnHiddenSize: 24576,
  attentionHeads: 24,
  kvHeads: 24,
  headDim: 256,
  vocabSize: 32768,
  seqLength: 2048,
  gatedMlp: false,
  tiedEmbeddings: true,
};
const plan22b: Plan = { gpus: 64, tp: 1, pp: 1, dp: 64, mbs: 16, gbs: 1024, seq: 2048, recompute: 'full', zero: 3 };
const options = { flashAttention: true, tpCommOverlap: true, dpOverlap: true, gradReduceBytes: 4 };

let tpu: SystemTiers;
let h100: SystemTiers;
let rows: ValidationRow[];
beforeAll(async () => {
  tpu = tiersForFabric(await loadFabric('tpu-v4-palm'));
  h100 = tiersForFabric(await loadFabric('dgx-h100-ib'));
  rows = await runValidation();
});

describe('TPU v4 memory (XLA)', () => {
  it("holds back XLA's 1.25 GiB on TPU and keeps the CUDA reserve formula on GPUs", () => {
    expect(tpu.memoryReserveGiB).toBe(1.25);
    expect(tpu.xlaBufferPlan).toBe(true);
    expect(h100.memoryReserveGiB).toBeCloseTo(memoryReserveGiB(h100.gpu.hbmGiB), 12);
    expect(h100.xlaBufferPlan).toBeUndefined();
  });

  it('fits MaxText 22B at 16 sequences per chip in the 32 GiB, which the CUDA accounting would not', () => {
    const e = estimateWithTiers(maxtext22b, tpu, plan22b, options);
    // 5.75 GiB of state + 48 layer inputs (18 GiB) + one layer's working set (6 GiB) + 0.4 GiB + 1.25 GiB reserve.
    expect(e.memoryGiBPerGpu).toBeGreaterThan(30.5);
    expect(e.memoryGiBPerGpu).toBeLessThan(32);
    expect(e.fits).toBe(true);
    // The same run with the logits and their gradient held apart and next to the working set, and the CUDA reserve.
    const cuda: SystemTiers = { ...tpu, memoryReserveGiB: memoryReserveGiB(tpu.gpu.hbmGiB) };
    delete cuda.xlaBufferPlan;
    const gpuStyle = estimateWithTiers(maxtext22b, cuda, plan22b, options);
    expect(gpuStyle.memoryGiBPerGpu - e.memoryGiBPerGpu).toBeGreaterThan(11);
    expect(gpuStyle.fits).toBe(false);
  });
});

describe('TPU rows of the validation set', () => {
  it('keeps MaxText 22B and 52B on one TPU v4 slice and PaLM 540B within 12% of the published figure', () => {
    const tpuRows = rows.filter((r) => r.gpu === 'TPU-v4');
    expect(tpuRows.map((r) => r.id).sort()).toEqual([
      'maxtext-2023-22b-v4-128',
      'maxtext-2023-52b-v4-384',
      'palm-2022-540b-6144-tpuv4',
    ]);
    for (const r of tpuRows) {
      expect(r.estimate.fits, r.id).toBe(true);
      expect(Math.abs(r.errorPercent), r.id).toBeLessThanOrEqual(12);
    }
    // PaLM is compared in hardware FLOPs (57.8% HFU with rematerialization, Table 3) on full recompute.
    const palm = tpuRows.find((r) => r.id.startsWith('palm'))!;
    expect(palm.counting).toBe('hardware');
    expect(palm.plan.recompute).toBe('full');
  });
});
