// A token's last use is written at most once per interval per token (a hot token must not write per request),
// to a real in-memory store; a failed write is logged and retried at the next use.
import { describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../store/sqlite.js';
import { TokenUsage } from './token-usage.js';

async function storeWithTokens() {
  const store = new SqliteStore({ path: ':memory:' });
  await store.migrate();
  await store.createTenant({ id: 'acme', name: 'Acme', quotaGpus: null, allowedJurisdictions: null, at: 1 });
  for (const id of ['a', 'b'])
    await store.createToken({ id, tenantId: 'acme', role: 'member', name: id, secretHash: `h-${id}`, at: 1 });
  return store;
}
const quiet = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

describe('TokenUsage', () => {
  it('writes the first use, then at most once per interval per token', async () => {
    const store = await storeWithTokens();
    const touch = vi.spyOn(store, 'touchToken');
    let now = 10_000;
    const usage = new TokenUsage(store, quiet, () => now, 60_000);
    await usage.used('a');
    for (let i = 0; i < 1000; i++) {
      now += 10; // 1,000 requests over 10 s
      expect(usage.used('a')).toBeNull();
    }
    await usage.used('b'); // another token has its own interval
    expect(touch).toHaveBeenCalledTimes(2);
    expect((await store.getToken('a'))?.lastUsedAt).toBe(10_000);
    now = 70_000; // the interval has passed
    await usage.used('a');
    expect(touch).toHaveBeenCalledTimes(3);
    expect((await store.getToken('a'))?.lastUsedAt).toBe(70_000);
    await store.close();
  });

  it('logs a failed write and tries again at the next use', async () => {
    const store = await storeWithTokens();
    const warn = vi.fn();
    const usage = new TokenUsage(store, { ...quiet, warn }, () => 5_000, 60_000);
    await store.close(); // every call now fails
    await usage.used('a');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][1]).toBe('cannot record token use');
    expect(usage.used('a')).not.toBeNull();
  });
});
