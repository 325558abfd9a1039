// The jobs table in chromium: search by name or id, sort by a column, column choice (kept across reloads),
// pages; Cancel in view at 1280x800 with long names and reasons; a layout that works at 800x600; "cancelled
// by" names the token (the person), not its id. Screenshots under artifacts/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/jobs-table.test.ts');

interface JobBody {
  job: { id: string; state: string; reason: string | null };
}

describe.skipIf(reason !== null)('jobs table in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let alice = '';
  const ids: string[] = [];

  beforeAll(async () => {
    suite = await startBrowserSuite({}, async (s) => {
      await s.token('acme', 'member'); // creates tenant acme
      const t = await s.req<{ token: string }>('POST', '/v1/tenants/acme/tokens', s.admin, {
        role: 'member',
        name: 'Alice Example',
      });
      alice = t.body.token;
      // 30 jobs: 20 alpha, 10 beta; long enough names to crowd the table
      for (let i = 0; i < 30; i++) {
        const name = `${i % 3 === 2 ? 'beta' : 'alpha'}-${String(i).padStart(2, '0')} pretraining run with a rather long descriptive name`;
        const r = await s.req<JobBody>('POST', '/v1/jobs', alice, { name, model: 'llama3-8b', gpus: 72, tokens: 1e13 });
        expect(r.status).toBe(201);
        ids.push(r.body.job.id);
      }
    });
    srv = suite.srv;
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  const openJobs = (token: string): Promise<Page> => suite.signIn(token, '#jobs');
  const rowNames = (page: Page) =>
    page.locator('table.jobs tbody tr[data-job-id] td.col-job button.link').allTextContents();

  it('pages, searches by name or id, and sorts by a column', async () => {
    const page = await openJobs(alice);
    await expect.poll(() => page.locator('table.jobs tbody tr[data-job-id]').count()).toBe(25);
    expect(await page.locator('nav.pager [data-role=page]').textContent()).toMatch(/page 1 of 2 · 30 job\(s\)/);
    await page.getByRole('button', { name: 'Next ›' }).click();
    await expect.poll(() => page.locator('table.jobs tbody tr[data-job-id]').count()).toBe(5);
    // newest first: the second page holds the five oldest
    expect((await rowNames(page)).map((n) => n.slice(0, 8))).toEqual([
      'alpha-04',
      'alpha-03',
      'beta-02 ',
      'alpha-01',
      'alpha-00',
    ]);
    await page.getByLabel('Search jobs by name or id').fill('beta');
    await expect.poll(() => page.locator('table.jobs tbody tr[data-job-id]').count()).toBe(10);
    expect((await rowNames(page)).every((n) => n.startsWith('beta-'))).toBe(true);
    await page.getByLabel('Search jobs by name or id').fill(ids[7].slice(4));
    await expect.poll(() => rowNames(page)).toEqual([expect.stringMatching(/^alpha-07 /)]);
    await page.getByLabel('Search jobs by name or id').fill('');
    await page.locator('th.col-job button.sort').click();
    await expect.poll(async () => (await rowNames(page))[0]).toMatch(/^alpha-00 /);
    expect(await page.locator('th.col-job').getAttribute('aria-sort')).toBe('ascending');
    await page.locator('th.col-job button.sort').click();
    await expect.poll(async () => (await rowNames(page))[0]).toMatch(/^beta-29 /);
    expect(await page.locator('th.col-job').getAttribute('aria-sort')).toBe('descending');
    await page.close();
  });

  it('hides the columns one unticks, and remembers the choice', async () => {
    const page = await openJobs(alice);
    expect(await page.locator('th.col-plan').isVisible()).toBe(true);
    await page.locator('details.columns-menu summary').click();
    await page.getByRole('checkbox', { name: 'Plan', exact: true }).uncheck();
    await page.getByRole('checkbox', { name: 'Checkpoint', exact: true }).uncheck();
    await expect.poll(() => page.locator('th.col-plan').isVisible()).toBe(false);
    expect(await page.locator('td.col-plan').first().isVisible()).toBe(false);
    expect(await page.locator('td.col-checkpoint').first().isVisible()).toBe(false);
    expect(await page.locator('td.col-predicted').first().isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-table-columns.png') });
    await page.reload(); // the token stays in this tab's sessionStorage; the column choice in localStorage
    await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
    expect(await page.locator('th.col-plan').isVisible()).toBe(false);
    await page.locator('details.columns-menu summary').click();
    await page.getByRole('checkbox', { name: 'Plan', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Checkpoint', exact: true }).check();
    await page.close();
  });

  it('keeps Cancel in view at 1280x800; cancelled by names the person', async () => {
    const page = await openJobs(alice);
    const row = page.locator(`tr[data-job-id="${ids[29]}"]`);
    const btn = row.getByRole('button', { name: /^Cancel job/ });
    const box = (await btn.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-table-1280x800.png') });
    await btn.click();
    await row.getByRole('button', { name: /^Confirm: cancel job/ }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    const job = (await srv.req<JobBody>('GET', `/v1/jobs/${ids[29]}`, alice)).body.job;
    expect(job.reason).toBe('cancelled by Alice Example');
    await expect
      .poll(() => row.locator('td.col-state').textContent(), { timeout: 15_000 })
      .toContain('cancelled by Alice Example');
    await page.close();
  });

  it('works at 800x600: no sideways page scroll, the side panel below the table, Cancel reachable', async () => {
    const page = await openJobs(alice);
    await page.setViewportSize({ width: 800, height: 600 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth }));
    expect(widths.doc).toBeLessThanOrEqual(widths.win);
    const wrap = (await page.locator('.table-wrap').first().boundingBox())!;
    const side = (await page.locator('.jobs-side').boundingBox())!;
    expect(side.y).toBeGreaterThan(wrap.y + wrap.height - 1);
    const btn = page
      .locator('table.jobs tbody tr[data-job-id]')
      .nth(1)
      .getByRole('button', { name: /^Cancel job/ });
    const box = (await btn.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(800);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-table-800x600.png') });
    await page.close();
  });
});
