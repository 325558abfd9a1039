import { describe, expect, it } from 'vitest';
import type { SiteBinding } from '../control-plane.js';
import type { Executor, RunSpec, RunStatus } from '../executors/types.js';
import { combineGang, partKey, partSpecs, rendezvousPort, siteParts, type RunRef } from './gang.js';

const executor = (address: string, gpusPerProcess: number) =>
  ({ address, processes: (g: number) => Math.ceil(g / gpusPerProcess) }) as Pick<Executor, 'address' | 'processes'>;
const ref = (site: string, index: number, gpus: number, ex: ReturnType<typeof executor>): RunRef => ({
  binding: { siteId: site, heartbeat: 'executor', executor: ex as Executor } as SiteBinding,
  runKey: partKey('job_x.3', index),
  site,
  index,
  gpus,
});
const status = (phase: RunStatus['phase'], extra: Partial<RunStatus> = {}): RunStatus => ({
  runKey: 'k',
  phase,
  externalId: null,
  exitCode: null,
  reason: null,
  checkpoint: null,
  ...extra,
});

describe('cross-site gang parts', () => {
  it('groups a placement by site, in order', () => {
    const placement = [
      { site: 'a', gpus: 4 },
      { site: 'b', gpus: 8 },
      { site: 'a', gpus: 4 },
    ];
    expect(siteParts({ placement })).toEqual([
      { site: 'a', gpus: 8 },
      { site: 'b', gpus: 8 },
    ]);
  });

  it('numbers ranks site by site with one rendezvous on the first site', () => {
    const refs = [ref('a', 0, 8, executor('10.99.0.1', 4)), ref('b', 1, 12, executor('10.99.0.2', 4))];
    const base = {
      runKey: 'job_x.3',
      checkpointDir: '/ck/job_x',
      placement: [
        { site: 'a', gpus: 8 },
        { site: 'b', gpus: 12 },
      ],
    } as RunSpec;
    const job = { plan: null, spec: { datasets: { b: '/data/b/corpus' } } };
    const specs = partSpecs({ ...base, env: { X: '1' } }, refs, job as never, true);
    expect(specs.map((s) => s.runKey)).toEqual(['job_x.3.p0', 'job_x.3.p1']);
    expect(specs.map((s) => [s.gang!.rankOffset, s.gang!.worldSize, s.gang!.worldSizes])).toEqual([
      [0, 5, [2, 3]],
      [2, 5, [2, 3]],
    ]);
    expect(new Set(specs.map((s) => `${s.gang!.masterAddr}:${s.gang!.masterPort}`)).size).toBe(1);
    expect(specs[1].gang!.masterAddr).toBe('10.99.0.1');
    expect(specs[1].placement).toEqual([{ site: 'b', gpus: 12 }]);
    expect(specs.every((s) => s.gang!.hold)).toBe(true);
    // each site writes into its own folder: only replication makes a checkpoint whole on a site
    expect(specs.map((s) => s.checkpointDir)).toEqual(['/ck/job_x/sites/a', '/ck/job_x/sites/b']);
    // the site's dataset folder, where the job names one
    expect(specs.map((s) => s.env)).toEqual([{ X: '1' }, { X: '1', SUPERFACTORY_DATASET: '/data/b/corpus' }]);
  });

  it('derives the same rendezvous port for the same attempt, in range', () => {
    expect(rendezvousPort('job_x.3')).toBe(rendezvousPort('job_x.3'));
    const ports = ['job_a.1', 'job_b.1', 'job_a.2'].map(rendezvousPort);
    for (const p of ports) expect(p >= 20000 && p < 32000).toBe(true);
    expect(new Set(ports).size).toBe(3);
  });

  it('one status for the gang: a failed part wins, pending while a part waits, succeeded only when all did', () => {
    const refs = [ref('a', 0, 8, executor('x', 8)), ref('b', 1, 8, executor('y', 8))];
    const failed = combineGang(
      refs,
      [status('running'), status('failed', { reason: 'rank 1 exited 1', exitCode: 1 })],
      'r',
    );
    expect(failed).toMatchObject({ phase: 'failed', exitCode: 1 });
    expect(failed.reason).toMatch(/part on b: rank 1 exited 1; gang stopped/);
    expect(combineGang(refs, [status('succeeded'), status('running')], 'r').phase).toBe('running');
    expect(combineGang(refs, [status('succeeded'), status('succeeded')], 'r').phase).toBe('succeeded');
    const held = combineGang(refs, [status('pending', { held: true }), status('pending', { held: true })], 'r');
    expect(held).toMatchObject({ phase: 'pending', held: true });
    expect(combineGang(refs, [status('pending', { held: true }), status('pending')], 'r').held).toBe(false);
    const ck = combineGang(
      refs,
      [
        status('running', { checkpoint: { step: 20, path: 'p20' } }),
        status('running', { checkpoint: { step: 30, path: 'p30' } }),
      ],
      'r',
    );
    // the newest checkpoint whole on every site: 20 (30 is not yet replicated to the first site)
    expect(ck.checkpoint).toEqual({ step: 20, path: 'p20' });
    const none = combineGang(
      refs,
      [status('running', { checkpoint: { step: 20, path: 'p20' } }), status('running')],
      'r',
    );
    expect(none.checkpoint).toBeNull();
  });
});
