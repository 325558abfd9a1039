// The fleet's time series under the map, in chromium: five charts (utilization, power, WAN, carbon, queue per
// site) from GET /v1/history, refreshed live as the server samples. Screenshot under artifacts/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/fleet.test.ts');

describe.skipIf(reason !== null)('fleet time series in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let page: Page;

  beforeAll(async () => {
    // a sample every 0.5 s (the default is 15 s) so that the test sees the series move
    suite = await startBrowserSuite({ history: { sampleMs: 500, retentionMs: 3_600_000 } }, async (s) => {
      for (const gpus of [14400, 7200]) {
        const r = await s.req('POST', '/v1/jobs', s.admin, {
          name: `fleet ${gpus}`,
          model: 'llama3-8b',
          gpus,
          tokens: 1e13,
        });
        expect(r.status).toBe(201);
      }
    });
    srv = suite.srv;
    page = await suite.signIn(srv.admin, '#map');
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('draws utilization, power, WAN, carbon and queue per site, and follows new samples live', async () => {
    const fleet = page.locator('section.fleet');
    await expect.poll(() => fleet.locator('figure[data-metric]').count(), { timeout: 15_000 }).toBe(5);
    expect(await fleet.locator('figure[data-metric] figcaption').allTextContents()).toEqual([
      'GPU utilization per site',
      'Power drawn per site',
      'WAN use per link',
      'Grid carbon intensity per site',
      'Queue length per site',
    ]);
    const count = async () =>
      Number(/^(\d+) sample/.exec((await fleet.locator('[data-role=history-info]').textContent()) ?? '')?.[1] ?? 0);
    const first = await count();
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(first + 2);
    // the jobs hold GPUs on a site: its utilization line is above zero
    await expect
      .poll(() => fleet.locator('figure[data-metric=utilization] p.sr-only').textContent(), { timeout: 15_000 })
      .toMatch(/(atl|wi): mean [\d.]+%, max (?!0%)[\d.]+%/);
    expect(await fleet.locator('figure[data-metric=utilization] .u-legend').textContent()).toMatch(/atl.*wi/s);
    await fleet.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-history.png'), fullPage: true });
  });
});
