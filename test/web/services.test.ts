// The Services view in chromium against a real control plane whose site `local` runs real replicas of the reference
// model (examples/serve/serve.py, PyTorch): requests sent through the router show up live in the view (rate,
// TTFT/TPOT, SLO attainment, replicas), and the view's numbers are the API's. Screenshot under artifacts/.
// Skips with the reason when chromium or torch is absent.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../control/services-helpers.js';
import { waitFor } from '../control/helpers.js';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

function torchMissing(): string | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return null;
  } catch {
    return '/usr/bin/python3 cannot import torch: apt-get install python3-torch';
  }
}
const reason = browserSuiteSkip('test/web/services.test.ts', torchMissing);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
type Json = any;

describe.skipIf(reason !== null)('services view in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let member = '';
  let id = '';

  beforeAll(async () => {
    suite = await startBrowserSuite({ local: true }, async (server) => {
      member = await server.token('acme', 'member');
      const c = await server.req<Json>('POST', '/v1/services', member, {
        name: 'chat',
        model: 'reference',
        slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
      });
      if (c.status !== 201) throw new Error(`create service: ${c.status} ${JSON.stringify(c.body)}`);
      id = c.body.service.id;
      await waitFor(async () => {
        const s = (await server.req<Json>('GET', `/v1/services/${id}`, member)).body.service;
        return s.replicas.some((r: Json) => r.state === 'healthy');
      }, 60_000);
    });
    srv = suite.srv;
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('shows each service’s rate, TTFT/TPOT and SLO attainment, updated live', async () => {
    for (let i = 0; i < 3; i++)
      expect((await generate(srv.url, member, id, { prompt: `hi ${i}`, maxTokens: 8 })).status).toBe(200);
    const page = await suite.signIn(member, '#services');
    await page.getByRole('tab', { name: 'Services' }).click();
    const row = page.locator('tr[data-service="chat"]');
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.locator('[data-col="slo"]').textContent(), { timeout: 10_000 }).toBe('100.0%');
    expect(await row.locator('[data-col="replicas"]').textContent()).toMatch(/^1 \/ 1/);
    const api = (await srv.req<Json>('GET', `/v1/services/${id}/metrics`, member)).body.metrics;
    expect(api.requests).toBe(3);
    expect(await page.locator('[data-role="services-info"]').textContent()).toMatch(/3 request\(s\) in the last 60 s/);
    const ttft = (await row.locator('[data-col="ttft"]').textContent())!;
    expect(ttft).toMatch(/^[0-9.]+ \/ [0-9.]+/);

    // live: more requests show up without a reload, and the charts appear once there are two polls
    for (let i = 0; i < 4; i++) await generate(srv.url, member, id, { prompt: `more ${i}`, maxTokens: 8 });
    await expect
      .poll(() => page.locator('[data-role="services-info"]').textContent(), { timeout: 10_000 })
      .toMatch(/7 request\(s\)/);
    await page.waitForSelector('figure.chart canvas', { timeout: 10_000 });
    expect(await page.locator('figure.chart figcaption').allTextContents()).toEqual([
      'Requests per second',
      'p99 time to first token',
      'SLO attainment',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'services-view.png'), fullPage: true });
    expect(suite.errors(page)).toEqual([]);
    await page.close();
  }, 90_000);
});
