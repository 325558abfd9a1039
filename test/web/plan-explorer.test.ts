// Plan explorer fixes in chromium: a plan far slower than the rest is drawn on a broken axis (the others stay
// readable), every bar's parts sum to its labelled step time, the sweep heatmap has a colour scale and the
// synchronous-only thresholds beside the any-strategy ones, and a WAN latency override below the light bound
// is refused as `fabric validate` refuses it. Screenshots under artifacts/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/plan-explorer.test.ts');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
type Json = any;

describe.skipIf(reason !== null)('plan explorer in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let page: Page;

  beforeAll(async () => {
    suite = await startBrowserSuite();
    srv = suite.srv;
    page = await suite.signIn(srv.admin, '#plans');
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('refuses a WAN latency override below light in fiber, naming the field and the floor', async () => {
    const r = await srv.req<Json>('POST', '/v1/explore/plans', srv.admin, { model: 'llama3-70b', wanLatencyMs: 2 });
    expect(r.status).toBe(422);
    expect(r.body.errors[0]).toMatchObject({ path: 'wanLatencyMs' });
    expect(r.body.errors[0].message).toMatch(/faster than light in fiber/);
    // fairwater's atl-wi: 1,390 km x 4.9 us/km = 6.81 ms
    expect(r.body.errors[0].hint).toMatch(/at least 6\.81 ms: link atl-wi is 1,390 km/);
    const ok = await srv.req<Json>('POST', '/v1/explore/plans', srv.admin, {
      model: 'llama3-70b',
      wanLatencyMs: 7,
      top: 1,
    });
    expect(ok.status).toBe(200);
    // in the page: the form shows the refusal
    await page.getByLabel('WAN latency (ms)').fill('2');
    await page
      .getByRole('button', { name: /Rank plans|Plan/ })
      .first()
      .click();
    await expect
      .poll(() => page.locator('.plans-view').textContent(), { timeout: 15_000 })
      .toMatch(/faster than light in fiber/);
    await page.getByLabel('WAN latency (ms)').fill('');
  });

  it('breaks the axis for a far slower plan; each bar’s parts sum to its step time', async () => {
    const body = { model: 'llama3-70b', top: 6, wanCapacityGbps: 10 };
    const api = (await srv.req<Json>('POST', '/v1/explore/plans', srv.admin, body)).body;
    const steps: number[] = api.plans.map((p: Json) => p.stepTimeSeconds);
    expect(Math.max(...steps)).toBeGreaterThan(100 * Math.min(...steps)); // 10 Gb/s: synchronous cross-site plans crawl
    await page.getByLabel('WAN capacity (Gb/s)').fill('10');
    await page
      .getByLabel('Top')
      .fill('6')
      .catch(() => undefined);
    await page
      .getByRole('button', { name: /Rank plans|Plan/ })
      .first()
      .click();
    const bars = page.locator('.plan-results svg.bars');
    await expect.poll(() => bars.locator('g[data-row]').count(), { timeout: 30_000 }).toBe(steps.length);
    const drawn = await page.evaluate(() =>
      [...document.querySelectorAll('.plan-results svg.bars g[data-row]')].map((g) => ({
        broken: g.getAttribute('data-broken') === 'true',
        seconds: [...g.querySelectorAll('rect')].reduce((a, r) => a + Number(r.getAttribute('data-seconds')), 0),
        width: [...g.querySelectorAll('rect')].reduce((a, r) => a + Number(r.getAttribute('width')), 0),
      })),
    );
    drawn.forEach((d, i) => expect(d.seconds).toBeCloseTo(steps[i], 6));
    const slow = drawn.filter((d, i) => steps[i] > 10);
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.every((d) => d.broken)).toBe(true);
    // the fast plans stay readable: the fastest bar is at least a fifth of the widest
    const fastWidths = drawn.filter((d) => !d.broken).map((d) => d.width);
    expect(Math.min(...fastWidths)).toBeGreaterThan(Math.max(...drawn.map((d) => d.width)) / 5);
    expect(await page.locator('.plan-results figure').first().textContent()).toMatch(/broken at the axis end/);
    await page.locator('.plan-results').screenshot({ path: join(ARTIFACTS, 'plans-broken-axis.png') });
  });

  it('shows the heatmap colour scale and the synchronous-only thresholds beside the any-strategy ones', async () => {
    await page.getByLabel('WAN capacity (Gb/s)').fill('');
    await page.getByRole('button', { name: 'Run WAN sweep' }).click();
    const out = page.locator('.sweep-results');
    await expect.poll(() => out.locator('svg.heatmap').count(), { timeout: 90_000 }).toBe(1);
    expect(await out.locator('[data-role=colour-scale] .heat-key').allTextContents()).toEqual([
      '≤75%',
      '80%',
      '85%',
      '90%',
      '95%',
      '100%',
    ]);
    const rows = out.locator('table[data-role=thresholds] tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (let i = 0; i < (await rows.count()); i++) {
      expect(await rows.nth(i).locator('td[data-kind=any]').textContent()).toMatch(/(b\/s|none of the grid) \/ /);
      expect(await rows.nth(i).locator('td[data-kind=synchronous]').textContent()).toMatch(
        /(b\/s|none of the grid) \/ /,
      );
    }
    await out.screenshot({ path: join(ARTIFACTS, 'plans-sweep-scale.png') });
  }, 120_000);
});
