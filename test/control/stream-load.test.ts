// Viewers cannot stall the server (issue 13, item 2): with 40 event streams open without a position on
// a store of 30,000 events, every stream starts (at the tail: no table scan), health answers, the
// scheduler keeps ticking, and a resumed stream replays only its bounded window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tenantToken, type TestServer } from './fixtures.js';

let t: TestServer;
const EVENTS = 30_000;

beforeAll(async () => {
  t = await startTestServer({ streamLimits: { replayMax: 1000 } });
  const at = Date.now();
  for (let i = 0; i < EVENTS; i++) await t.store.appendEvent({ at, type: 'load.test', tenantId: 'v0', data: { i } });
}, 120_000);
afterAll(async () => t?.close());

const ticks = async () => {
  const m = (await t.req('GET', '/metrics')).body as string;
  return Number(/superfactory_scheduler_tick_seconds_count (\d+)/.exec(m)?.[1] ?? NaN);
};

describe('event streams under load', () => {
  it('40 streams start at the tail while health answers and the scheduler ticks', async () => {
    const viewers = await Promise.all(Array.from({ length: 10 }, (_, i) => tenantToken(t, `v${i}`, 'viewer')));
    const before = await ticks();
    const ctl = new AbortController();
    const streams = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${t.url}/v1/events/stream`, {
          headers: { authorization: `Bearer ${viewers[i % 10]}` },
          signal: ctl.signal,
        }),
      ),
    );
    try {
      expect(streams.map((s) => s.status)).toEqual(Array(40).fill(200));
      const first = await streams[0].body!.getReader().read();
      const text = new TextDecoder().decode(first.value);
      expect(text).toContain(': connected');
      expect(text, 'no replay from the start of the table').not.toContain('load.test');
      expect((await t.req('GET', '/healthz')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await ticks(), 'the scheduler ticked while the streams were open').toBeGreaterThan(before);
    } finally {
      ctl.abort();
    }
  }, 60_000);

  it('a resumed stream replays only the last replayMax events, and says what it skipped', async () => {
    const viewer = await tenantToken(t, 'v0', 'viewer');
    const ctl = new AbortController();
    const res = await fetch(`${t.url}/v1/events/stream?after=0`, {
      headers: { authorization: `Bearer ${viewer}` },
      signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"i":29999')) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    expect(text).toMatch(/: replay limited to the last 1000 events: skipped 1\.\.\d+/);
    expect(text).not.toContain('"i":0}');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeLessThanOrEqual(1000);
  }, 60_000);
});
