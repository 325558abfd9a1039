// Multi-path scale-out: how flows use the paths above the leaf. Packet spraying (Fairwater's MRC) and adaptive
// routing keep the scale-out efficiency; per-flow ECMP hashing keeps 60/95 of it (NVIDIA's published standard
// Ethernet vs Spectrum-X data throughput on xAI's Colossus). The effect shows on a plan bound by scale-out traffic.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { dataPath } from '../data-dir.js';
import { parseFabric } from '../fabric/load.js';
import type { Fabric } from '../fabric/types.js';
import { estimateWithTiers } from './estimate.js';
import { loadModel } from './models.js';
import { ECMP_THROUGHPUT_SHARE, SCALE_OUT_EFFICIENCY, tiersForFabric } from './tiers.js';
import type { Plan } from './types.js';

/** A preset with every pod's load balancing replaced (undefined: the field left out). */
function fairwaterWith(loadBalancing: string | undefined, preset = 'fairwater'): Fabric {
  const doc = YAML.parse(readFileSync(dataPath('fabrics', `${preset}.yaml`), 'utf8'));
  for (const site of doc.sites)
    for (const pod of site.pods) {
      if (loadBalancing === undefined) delete pod.network.loadBalancing;
      else pod.network.loadBalancing = loadBalancing;
    }
  const r = parseFabric(doc, 'fairwater.yaml');
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  return r.fabric;
}

/** Llama 3 8B in pure data parallelism over 1,024 H100 of 8-GPU nodes (Meta's RoCE preset) without overlap: the
 * gradient all-reduce between nodes crosses the scale-out fabric, a visible part of the step. */
const plan: Plan = { gpus: 1024, tp: 1, pp: 1, dp: 1024, vpp: 1, mbs: 1, gbs: 1024, seq: 4096, zero: 1 };
const options = { flashAttention: true, dpOverlap: false, gradReduceBytes: 2 };

describe('multi-path scale-out (loadBalancing: adaptive | ecmp | spray)', () => {
  it('the fairwater preset sprays packets (MRC) and resolves to the full scale-out efficiency', () => {
    const tiers = tiersForFabric(fairwaterWith('spray'));
    expect(tiers.scaleOut.efficiency).toBe(SCALE_OUT_EFFICIENCY);
    const preset = parseFabric(YAML.parse(readFileSync(dataPath('fabrics', 'fairwater.yaml'), 'utf8')), 'f.yaml');
    expect(
      preset.ok && preset.fabric.sites.every((s) => s.pods.every((p) => p.network.loadBalancing === 'spray')),
    ).toBe(true);
  });

  it('ECMP keeps 60/95 of the scale-out efficiency; spray, adaptive and the default keep it all', () => {
    const eff = (lb: string | undefined) => tiersForFabric(fairwaterWith(lb)).scaleOut.efficiency;
    expect(ECMP_THROUGHPUT_SHARE).toBeCloseTo(0.6316, 4);
    expect(eff('ecmp')).toBeCloseTo((SCALE_OUT_EFFICIENCY * 0.6) / 0.95, 12);
    expect(eff('adaptive')).toBe(eff('spray'));
    expect(eff(undefined)).toBe(eff('spray'));
  });

  it('a plan with exposed scale-out traffic runs slower under ECMP than with spraying, and no slower than 95/60 times', () => {
    const model = loadModel('llama3-8b');
    const step = (lb: string) =>
      estimateWithTiers(model, tiersForFabric(fairwaterWith(lb, 'hgx-h100-roce')), plan, options);
    const spray = step('spray');
    const ecmp = step('ecmp');
    expect(spray.fits).toBe(true);
    expect(ecmp.breakdown.computeSeconds).toBe(spray.breakdown.computeSeconds);
    // The bandwidth part of the all-reduce grows by 95/60; its latency and NVLink parts do not.
    const dpRatio = ecmp.breakdown.dpCommTotalSeconds / spray.breakdown.dpCommTotalSeconds;
    expect(dpRatio).toBeGreaterThan(1.2);
    expect(dpRatio).toBeLessThanOrEqual(0.95 / 0.6 + 1e-9);
    expect(ecmp.stepTimeSeconds).toBeGreaterThan(spray.stepTimeSeconds * 1.05);
    expect(ecmp.stepTimeSeconds).toBeLessThanOrEqual((spray.stepTimeSeconds * 0.95) / 0.6 + 1e-9);
  });

  it('rejects an unknown load-balancing mode, naming the field and the choices', () => {
    const doc = YAML.parse(readFileSync(dataPath('fabrics', 'fairwater.yaml'), 'utf8'));
    doc.sites[0].pods[0].network.loadBalancing = 'round-robin';
    const r = parseFabric(doc, 'fairwater.yaml');
    expect(r.ok).toBe(false);
    const issue = r.ok ? undefined : r.issues.find((i) => i.path.endsWith('loadBalancing'));
    expect(issue?.path).toBe('sites[0].pods[0].network.loadBalancing');
    expect(issue?.hint).toMatch(/ecmp/);
  });
});
