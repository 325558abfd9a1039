// Store conformance, operations part (issue 14): the fleet history with its retention and a token's last use,
// run against every backend like store-conformance.test.ts. A second store opened on the same database
// stands for another replica (or a restart): it must read what the first wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistorySample } from '../../src/contract/index.js';
import type { Store } from '../../src/control/store/index.js';
import { storeBackends } from './store-backends.js';

const backends = await storeBackends('store ops conformance', 'sf_ops');

/** A sample whose one site's used GPUs encode `n`, so that order and identity can be checked. */
const sampleAt = (ms: number, n: number): HistorySample => ({
  at: new Date(ms).toISOString(),
  sites: [{ id: 'atl', utilization: n / 100, usedGpus: n, powerDrawMW: 1.5, carbonGPerKWh: null, queued: 0 }],
  wanLinks: [{ id: 'atl-wi', usedGbps: 0, utilization: 0 }],
});
const KEEP_ALL = { maxAgeMs: Number.MAX_SAFE_INTEGER, maxRows: 1_000_000 };
const used = (s: HistorySample[]) => s.map((x) => x.sites[0].usedGpus);

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`store ops conformance: ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let replica: () => Store;
    beforeAll(async () => {
      ({ store, cleanup, replica } = await backend.open());
      await store.migrate();
      await store.createTenant({ id: 'acme', name: 'Acme', quotaGpus: null, allowedJurisdictions: null, at: 1 });
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('keeps history samples oldest first and reads them from a second store on the same database', async () => {
      const t0 = 1_700_000_000_000;
      for (let i = 0; i < 5; i++) await store.appendHistorySample(t0 + i * 1000, sampleAt(t0 + i * 1000, i), KEEP_ALL);
      expect(used(await store.listHistorySamples(0, 100))).toEqual([0, 1, 2, 3, 4]);
      expect(used(await store.listHistorySamples(t0 + 2000, 100))).toEqual([2, 3, 4]);
      // the newest `limit`, still oldest first
      expect(used(await store.listHistorySamples(0, 2))).toEqual([3, 4]);
      const other = replica();
      try {
        expect(await other.listHistorySamples(0, 100)).toEqual(await store.listHistorySamples(0, 100));
      } finally {
        await other.close();
      }
      // the same instant twice: the later sample replaces the first
      await store.appendHistorySample(t0 + 4000, sampleAt(t0 + 4000, 40), KEEP_ALL);
      expect(used(await store.listHistorySamples(0, 100))).toEqual([0, 1, 2, 3, 40]);
    });

    it('enforces the retention on every write: by age and by row count', async () => {
      const t0 = 1_800_000_000_000;
      await store.appendHistorySample(t0, sampleAt(t0, 7), KEEP_ALL);
      // every earlier sample (1,700,000,000,000 + ...) is far older than 10 s: gone
      await store.appendHistorySample(t0 + 1000, sampleAt(t0 + 1000, 8), { maxAgeMs: 10_000, maxRows: 100 });
      expect(used(await store.listHistorySamples(0, 100))).toEqual([7, 8]);
      for (let i = 2; i < 10; i++)
        await store.appendHistorySample(t0 + i * 1000, sampleAt(t0 + i * 1000, i), { maxAgeMs: 60_000, maxRows: 3 });
      expect(used(await store.listHistorySamples(0, 100))).toEqual([7, 8, 9]);
      // the age bound counts from the newest sample's time
      await store.appendHistorySample(t0 + 20_000, sampleAt(t0 + 20_000, 20), { maxAgeMs: 11_000, maxRows: 100 });
      expect(used(await store.listHistorySamples(0, 100))).toEqual([9, 20]);
    });

    it("records a token's last use, never moving it back, and lists it", async () => {
      await store.createToken({ id: 'tok_a', tenantId: 'acme', role: 'member', name: 'a', secretHash: 'h-a', at: 10 });
      expect((await store.getToken('tok_a'))?.lastUsedAt).toBeNull();
      await store.touchToken('tok_a', 5_000);
      expect((await store.getToken('tok_a'))?.lastUsedAt).toBe(5_000);
      await store.touchToken('tok_a', 4_000); // a slower replica's older write
      expect((await store.getToken('tok_a'))?.lastUsedAt).toBe(5_000);
      await store.touchToken('tok_a', 6_000);
      expect((await store.listTokens('acme')).map((t) => [t.id, t.lastUsedAt])).toEqual([['tok_a', 6_000]]);
    });
  });
}
