// What-if fixes: an outage that starts after the workload ends is refused (422 on atHours, never charted as
// "no change"); colours say better or worse the right way (an outage loses GPU-hours: red); the table's
// utilization "as charted" agrees with the chart's own mean. Screenshot under artifacts/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/whatif-fixes.test.ts');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
type Json = any;

describe.skipIf(reason !== null)('what-if fixes in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let page: Page;

  beforeAll(async () => {
    suite = await startBrowserSuite();
    srv = suite.srv;
    page = await suite.signIn(srv.admin, '#whatif');
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('refuses an outage that starts after the workload has ended', async () => {
    const body = { mode: 'outage', site: 'atl', atHours: 1400, downHours: 6, workload: { jobs: 20, medianHours: 1 } };
    const r = await srv.req<Json>('POST', '/v1/whatif', srv.admin, body);
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('atHours');
    expect(r.body.errors[0].message).toMatch(
      /starts after the workload ends \(the baseline finishes its last job at [\d.]+ h\)/,
    );
    expect(r.body.errors[0].hint).toMatch(/give atHours below \d+/);
  }, 60_000);

  it('colours an outage’s extra lost GPU-hours as worse, and the table agrees with the chart', async () => {
    const form = page.locator('form.whatif-form');
    // fairwater (here with site local) runs the superfactory mix: the form says so and defaults to a busy fleet
    const jobs = form.getByLabel('Jobs (superfactory mix)');
    expect(await jobs.inputValue()).toBe('3000');
    expect(await form.getByLabel('Arrivals per hour').inputValue()).toBe('');
    await jobs.fill('150');
    await form.getByRole('button', { name: 'Run simulation' }).click();
    await page
      .locator('.chart-row canvas')
      .first()
      .waitFor({ timeout: 150_000 })
      .catch(async (err: Error) => {
        await page.screenshot({ path: join(ARTIFACTS, 'whatif-fixes-failed.png') });
        throw err;
      });
    expect(await page.locator('.whatif-results p.muted').first().textContent()).toMatch(
      /: 15\d jobs of the superfactory mix, same seed/,
    );
    const row = (label: string) => page.locator('table.compare tbody tr').filter({ hasText: label });
    const lost = row('lost GPU-hours').locator('td').nth(1);
    expect(await lost.locator('.delta').textContent()).toMatch(/^ \(\+/);
    expect(await lost.locator('.delta').getAttribute('data-better')).toBe('false');
    const red = await lost.locator('.delta').evaluate((e) => getComputedStyle(e).color);
    const down = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--down)';
      document.body.append(probe);
      const c = getComputedStyle(probe).color;
      probe.remove();
      return c;
    });
    expect(red).toBe(down);
    // "as charted": the table's figure per run and the chart's own mean (its text summary) agree
    const summary = (await page.locator('.chart-row figure').first().locator('p.sr-only').textContent()) ?? '';
    const cells = await row('as charted').locator('td').allTextContents();
    expect(cells).toHaveLength(2);
    const means = [...summary.matchAll(/: mean ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(means).toHaveLength(2);
    cells.forEach((c, i) => expect(Math.abs(parseFloat(c) - means[i])).toBeLessThan(0.5));
    await page.locator('.whatif-results').screenshot({ path: join(ARTIFACTS, 'whatif-fixes.png') });
  }, 200_000);
});
