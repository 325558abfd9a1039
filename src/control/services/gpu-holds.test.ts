import { describe, expect, it } from 'vitest';
import { buildClusterState, findSite, findTenant } from '../../sched/index.js';
import { loadFabric } from '../../fabric/index.js';
import type { ServiceRecord } from '../store/services.js';
import { applyHold, bookReplica, gpuBook, replicaFit, replicaHolds } from './gpu-holds.js';

const fabric = await loadFabric('test/control/data/two-sites.yaml');

const svc = (id: string, tenantId: string, gpusPerReplica: number) =>
  ({ id, tenantId, spec: { gpusPerReplica } }) as unknown as ServiceRecord;

describe('replica GPU holds', () => {
  it('turns replica rows of known services into holds charged to the service tenant', () => {
    const holds = replicaHolds(
      [svc('s1', 'ta', 4), svc('s2', 'tb', 0)],
      [
        { id: 'r1', serviceId: 's1', site: 'atl' },
        { id: 'r2', serviceId: 's2', site: 'wi' },
        { id: 'r3', serviceId: 'gone', site: 'wi' },
      ],
    );
    expect(holds).toEqual([{ id: 'r1', site: 'atl', tenantId: 'ta', gpus: 4 }]);
  });

  it('takes held GPUs from the site and the tenant, and reports what a full site could not give', () => {
    const state = buildClusterState(fabric, { tenants: [{ id: 'ta', quotaGpus: 12 }] });
    const atlFree = findSite(state, 'atl')!.freeGpus;
    expect(applyHold(state, { id: 'r1', site: 'atl', tenantId: 'ta', gpus: 3 }).short).toBe(0);
    expect(findSite(state, 'atl')!.freeGpus).toBe(atlFree - 3);
    expect(findTenant(state, 'ta')!.usedGpus).toBe(3);
    const over = applyHold(state, { id: 'r2', site: 'atl', tenantId: 'ta', gpus: atlFree });
    expect(over.short).toBe(3);
    expect(findSite(state, 'atl')!.freeGpus).toBe(0);
    expect(applyHold(state, { id: 'r3', site: 'atl', tenantId: 'ta', gpus: 1 })).toEqual({ alloc: null, short: 1 });
  });

  it('fits a replica by the tenant quota (jobs + replicas) first, then the free GPUs of each site', () => {
    const sites = [
      { id: 'atl', gpus: 8 },
      { id: 'wi', gpus: 8 },
    ];
    const jobs = [{ tenantId: 'ta', gpus: 4, placement: [{ site: 'atl', gpus: 4 }] }];
    const book = gpuBook(sites, jobs, [{ id: 'r1', site: 'atl', tenantId: 'ta', gpus: 4 }]);
    expect(book.freeBySite).toEqual(
      new Map([
        ['atl', 0],
        ['wi', 8],
      ]),
    );
    expect(book.usedByTenant.get('ta')).toBe(8);
    const s = svc('s1', 'ta', 4);
    expect(replicaFit(book, s, null, ['atl', 'wi'])).toEqual({ sites: ['wi'], reason: null, short: null });
    expect(replicaFit(book, s, 12, ['atl']).reason).toMatch(/no site has 4 free GPU\(s\).*atl 0/);
    expect(replicaFit(book, s, 12, ['atl']).short).toBe('gpus');
    expect(replicaFit(book, s, 11, ['wi']).short).toBe('quota');
    expect(replicaFit(book, s, 11, ['wi']).reason).toMatch(/tenant ta uses 8 of its 11 GPU quota/);
    bookReplica(book, 'ta', 'wi', 4);
    expect(replicaFit(book, s, 12, ['wi']).reason).toMatch(/uses 12 of its 12/);
    expect(replicaFit(book, s, 16, ['wi'])).toEqual({ sites: ['wi'], reason: null, short: null });
  });
});
