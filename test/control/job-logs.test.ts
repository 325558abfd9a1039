// GET /v1/jobs/:id/logs paging over real HTTP, on a real command (local executor) that writes far more than the
// 64 KiB tail: pages by offset join into the whole log, the download is the whole log, bad queries are named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
let jobId = '';
const LINES = 4000;
beforeAll(async () => {
  t = await startTestServer({ executor: 'local' });
  // about 4,000 lines of ~40 bytes (~190 KiB with the "[rank 0] " prefix), with multi-byte characters
  const script = `for i in $(seq 1 ${LINES}); do echo "line $i of ${LINES}: é€😀 padding padding"; done`;
  const r = await t.req('POST', '/v1/jobs', t.admin, {
    name: 'chatty',
    model: 'llama3-8b',
    gpus: 1,
    command: ['sh', '-c', script],
  });
  expect(r.status).toBe(201);
  jobId = r.body.job.id;
  await waitFor(async () => (await t.req('GET', `/v1/jobs/${jobId}`, t.admin)).body.job.state === 'succeeded', 30_000);
});
afterAll(async () => {
  await t?.close();
});

const raw = async (q: string) => {
  const res = await fetch(`${t.url}/v1/jobs/${jobId}/logs${q}`, { headers: { authorization: `Bearer ${t.admin}` } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
};

describe('GET /v1/jobs/:id/logs paging', () => {
  it('downloads the whole log, and pages by offset join into exactly that', async () => {
    const whole = await raw('?download=1');
    expect(whole.res.status).toBe(200);
    expect(whole.res.headers.get('content-disposition')).toBe(`attachment; filename="${jobId}.log"`);
    const size = Number(whole.res.headers.get('x-log-size'));
    expect(whole.bytes.length).toBe(size);
    expect(size).toBeGreaterThan(150 * 1024);
    const lines = whole.bytes.toString('utf8').split('\n');
    expect(lines[0]).toBe(`[rank 0] line 1 of ${LINES}: é€😀 padding padding`);
    expect(lines[LINES - 1]).toBe(`[rank 0] line ${LINES} of ${LINES}: é€😀 padding padding`);

    const parts: Buffer[] = [];
    let offset = 0;
    let pages = 0;
    while (offset < size) {
      const p = await raw(`?offset=${offset}&limit=50000`);
      expect(Number(p.res.headers.get('x-log-offset'))).toBe(offset);
      parts.push(p.bytes);
      offset = Number(p.res.headers.get('x-log-next-offset'));
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(Buffer.concat(parts).equals(whole.bytes)).toBe(true);
  });

  it('without an offset: the 64 KiB tail; format=json gives the page with its offsets', async () => {
    const tail = await raw('');
    expect(tail.bytes.length).toBeLessThanOrEqual(64 * 1024);
    expect(tail.bytes.length).toBeGreaterThan(64 * 1024 - 4);
    const size = Number(tail.res.headers.get('x-log-size'));
    expect(Number(tail.res.headers.get('x-log-next-offset'))).toBe(size);
    const j = (await t.req('GET', `/v1/jobs/${jobId}/logs?offset=0&limit=100&format=json`, t.admin)).body as Json;
    expect(j).toMatchObject({ job: jobId, offset: 0, size });
    expect(j.text.startsWith('[rank 0] line 1 of')).toBe(true);
    expect(Buffer.byteLength(j.text)).toBe(j.nextOffset);
    expect(j.nextOffset).toBeLessThanOrEqual(100);
  });

  it('names a bad offset or limit', async () => {
    const r = await t.req('GET', `/v1/jobs/${jobId}/logs?offset=-1`, t.admin);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('offset');
    const l = await t.req('GET', `/v1/jobs/${jobId}/logs?limit=99999999`, t.admin);
    expect(l.status).toBe(400);
    expect(l.body.errors[0]).toMatchObject({ path: 'limit' });
    expect(l.body.errors[0].hint).toContain('4194304');
  });
});
