// Issue 10: the twin injects a straggler site; a cross-site gang steps at its slowest part.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import type { JobSpec } from '../../src/workload/types.js';
import { gangJob, quietScenario, simulateFifo, twoSites } from './gang-fixtures.js';

const fabric = twoSites();
const WINDOW_S = 6 * 3600;

// not checkpointing: no checkpoint pauses, so wall time is work / speed
const job = (id: string, gpus: number): JobSpec => gangJob({ id, gpus });
const run = (jobs: JobSpec[], events: unknown[]) => simulateFifo(fabric, jobs, quietScenario(events));

const win = (site: string, straggler: number) => ({ site, straggler, from: '2h', to: '8h' });

describe('straggler injection in the twin', () => {
  const base = run([job('gang', 96)], []);
  const gang0 = base.jobs[0];

  it('a straggler site slows the whole cross-site gang by its slowdown while the window lasts', () => {
    expect(gang0.sites).toEqual(['a', 'b']);
    const slow = run([job('gang', 96)], [win('b', 2)]);
    const g = slow.jobs[0];
    expect(g.status).toBe('finished');
    // 6 h at half speed do 3 h of the gang's work: it ends 3 h of its own wall time later
    expect(g.jctS! - gang0.jctS!).toBeCloseTo(WINDOW_S / 2, 0);
    expect(slow.summary.stragglers).toEqual([
      { site: 'b', slowdown: 2, fromS: 7200, toS: 28_800, jobs: ['gang'], crossSiteJobs: ['gang'] },
    ]);
    expect('stragglers' in base.summary).toBe(false);
  });

  it('the step is set by the slowest part: a milder straggler on the other site changes nothing', () => {
    const both = run([job('gang', 96)], [win('a', 1.5), win('b', 2)]);
    const onlyB = run([job('gang', 96)], [win('b', 2)]);
    expect(both.jobs[0].jctS).toBe(onlyB.jobs[0].jctS);
    const onlyA = run([job('gang', 96)], [win('a', 1.5)]);
    // 6 h at 1/1.5 speed do 4 h of work: 2 h later
    expect(onlyA.jobs[0].jctS! - gang0.jctS!).toBeCloseTo(WINDOW_S / 3, 0);
  });

  it('a job on another site is not slowed; one on the straggler site is', () => {
    const res = run([job('one', 32)], [win('b', 2)]);
    const site = res.jobs[0].sites[0];
    const other = site === 'a' ? 'b' : 'a';
    const onOther = run([job('one', 32)], [win(other, 2)]);
    const plain = run([job('one', 32)], []);
    expect(onOther.jobs[0].jctS).toBe(plain.jobs[0].jctS);
    const onSite = run([job('one', 32)], [win(site, 2)]);
    expect(onSite.jobs[0].jctS! - plain.jobs[0].jctS!).toBeCloseTo(WINDOW_S / 2, 0);
    expect(onSite.summary.stragglers![0].jobs).toEqual(['one']);
    expect(onSite.summary.stragglers![0].crossSiteJobs).toEqual([]);
  });

  it('bad input names the field: a speed-up is not a straggler, an unknown site is refused', () => {
    const bad = parseScenario({ events: [{ site: 'b', straggler: 0.5, from: '1h', to: '2h' }] });
    expect(bad.scenario).toBeUndefined();
    expect(bad.issues[0].path).toContain('events');
    expect(() => run([job('gang', 96)], [win('zz', 2)])).toThrow(/events\[0\]\.site: "zz" is not in the fabric/);
  });
});
