// The dashboard in a real browser (Debian's chromium through playwright-core) against a real control
// plane: fairwater preset, SQLite in a temp dir, twin executors, the real planner. Skipped, with the
// reason printed, when chromium is absent. Screenshots go to artifacts/ (git-ignored).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/dashboard.test.ts');

interface JobBody {
  job: { id: string; state: string; sites: string[]; placement: { site: string; gpus: number }[] | null };
}

describe.skipIf(reason !== null)('dashboard in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let admin: Page;
  let viewerToken: string;
  let jobId = '';

  beforeAll(async () => {
    suite = await startBrowserSuite({}, async (s) => {
      viewerToken = await s.token('acme', 'viewer');
    });
    srv = suite.srv;
    admin = await signIn(srv.admin);
  }, 90_000);

  afterAll(async () => {
    await suite?.close();
  });

  const signIn = (token: string, hash = ''): Promise<Page> => suite.signIn(token, hash, 15_000);

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`) });

  it('shows both fairwater sites and their WAN link on the map', async () => {
    await admin.getByRole('tab', { name: 'Map' }).click();
    for (const site of ['atl', 'wi']) {
      await expect.poll(() => admin.locator(`svg.map g.site[data-site="${site}"]`).count()).toBe(1);
      await expect.poll(() => admin.locator(`.site-card[data-site="${site}"]`).getAttribute('data-state')).toBe('up');
    }
    expect(await admin.locator('svg.map g.link[data-link="atl-wi"] path.link-use').count()).toBe(1);
    expect(await admin.locator('svg.map g.link[data-link="atl-wi"]').textContent()).toContain('100 Tb/s');
    expect(await admin.locator('.site-card[data-site="atl"]').textContent()).toMatch(/gCO₂\/kWh/);
    await shot(admin, 'map');
  });

  it('lists a job submitted through the form and shows it start', async () => {
    await admin.getByRole('tab', { name: 'Jobs' }).click();
    const form = admin.locator('form.submit-form');
    await form.getByLabel('Name').fill('e2e-train');
    await form.getByLabel('Model').selectOption('llama3-8b');
    await form.getByLabel('GPUs').fill('144');
    await form.getByLabel('Tokens to train').fill('2e12');
    await form.getByRole('button', { name: 'Submit job' }).click();
    const row = admin.locator('table.jobs tr', { hasText: 'e2e-train' });
    await row.waitFor({ timeout: 10_000 });
    jobId = (await row.getAttribute('data-job-id')) ?? '';
    expect(jobId).toMatch(/^job_/);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('running');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/single-site|hierarchical-dp/);
    await shot(admin, 'jobs');
  }, 45_000);

  it('shows a site drained through the UI as draining and moves its jobs', async () => {
    expect(jobId).not.toBe('');
    const before = await srv.req<JobBody>('GET', `/v1/jobs/${jobId}`, srv.admin);
    const from = before.body.job.sites[0];
    const to = from === 'atl' ? 'wi' : 'atl';
    await admin.getByRole('tab', { name: 'Map' }).click();
    await admin.getByRole('button', { name: `Drain site ${from}` }).click();
    // a confirmation first: keeping it as is drains nothing
    const dialog = admin.getByRole('dialog', { name: `Drain site ${from}?` });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toMatch(/move to other sites at their next checkpoint/);
    await shot(admin, 'map-drain-confirm');
    await dialog.getByRole('button', { name: 'Keep as is' }).click();
    expect(
      (await srv.req<{ sites: { id: string; drained: boolean }[] }>('GET', '/v1/sites', srv.admin)).body.sites.find(
        (s) => s.id === from,
      )?.drained,
    ).toBe(false);
    await admin.getByRole('button', { name: `Drain site ${from}` }).click();
    await admin
      .getByRole('dialog', { name: `Drain site ${from}?` })
      .getByRole('button', { name: `Drain ${from}` })
      .click();
    await expect
      .poll(() => admin.locator(`.site-card[data-site="${from}"]`).getAttribute('data-state'), { timeout: 10_000 })
      .toBe('draining');
    await expect
      .poll(() => admin.locator(`svg.map g.site[data-site="${from}"]`).getAttribute('data-state'))
      .toBe('draining');
    await shot(admin, 'map-draining');
    // the job checkpoints, is requeued and starts on the other site; the table follows live
    await admin.getByRole('tab', { name: 'Jobs' }).click();
    const row = admin.locator(`table.jobs tr[data-job-id="${jobId}"]`);
    await expect
      .poll(
        async () =>
          `${await row.getAttribute('data-state')} ${await row.locator('[data-role=placement]').textContent()}`,
        { timeout: 40_000 },
      )
      .toMatch(new RegExp(`^running .*\\b${to}\\b`));
    expect(await row.locator('[data-role=placement]').textContent()).not.toMatch(new RegExp(`\\b${from}\\b`));
    await row.getByRole('button', { name: /Details of job/ }).click();
    await expect
      .poll(() => admin.locator('#job-detail .events').textContent(), { timeout: 10_000 })
      .toMatch(/drained|checkpointing/);
    await shot(admin, 'jobs-moved');
    await admin.getByRole('tab', { name: 'Map' }).click();
    await admin.getByRole('button', { name: `Undrain site ${from}` }).click();
    await expect
      .poll(() => admin.locator(`.site-card[data-site="${from}"]`).getAttribute('data-state'), { timeout: 10_000 })
      .toBe('up');
  }, 70_000);

  it('renders ranked plans for Llama 3 70B in the plan explorer', async () => {
    await admin.getByRole('tab', { name: 'Plan explorer' }).click();
    const form = admin.locator('form.plan-form');
    await expect.poll(() => form.getByLabel('Model').locator('option').count()).toBeGreaterThan(3);
    await form.getByLabel('Model').selectOption('llama3-70b');
    await form.getByRole('button', { name: 'Plan', exact: true }).click();
    const table = admin.locator('[data-testid=ranked-plans]');
    await table.waitFor({ timeout: 30_000 });
    expect(await table.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await admin.locator('.plan-results').textContent()).toContain('Llama 3 70B on fairwater');
    expect(await table.locator('tbody tr[data-rank="1"]').textContent()).toMatch(
      /hierarchical-dp|diloco|single-site|pipeline/,
    );
    expect(await admin.locator('.plan-results svg.bars rect').count()).toBeGreaterThan(5);
    await shot(admin, 'plans');
  }, 45_000);

  it('runs a what-if: a site down for six hours against a baseline', async () => {
    await admin.getByRole('tab', { name: 'What-if' }).click();
    const form = admin.locator('form.whatif-form');
    await form.getByLabel(/^Jobs \(/).fill('150');
    await form.getByRole('button', { name: 'Run simulation' }).click();
    // two twin runs of 150 jobs on fairwater: about 25 s on this 2-core machine when idle, more when shared
    await admin.locator('.chart-row canvas').first().waitFor({ timeout: 120_000 });
    expect(await admin.locator('.chart-row figure').count()).toBe(3);
    expect(await admin.locator('table.compare').textContent()).toContain('atl down 6 h');
    await shot(admin, 'whatif');
  }, 150_000);

  it('shows a viewer no submit button, no cancel and no drain', async () => {
    const page = await signIn(viewerToken, '#jobs');
    await expect.poll(() => page.locator('.who').textContent()).toContain('viewer');
    expect(await page.getByRole('button', { name: 'Submit job' }).count()).toBe(0);
    expect(await page.locator('form.submit-form').isVisible()).toBe(false);
    expect(await page.locator('button[data-action=cancel]').count()).toBe(0);
    await page.getByRole('tab', { name: 'Map' }).click();
    expect(await page.locator('button[data-action=drain]').count()).toBe(0);
    await shot(page, 'viewer');
    await page.close();
  }, 30_000);

  it('moves between views with the arrow keys (ARIA tabs)', async () => {
    const page = await signIn(viewerToken);
    await page.getByRole('tab', { name: 'Map' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Jobs' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#panel-jobs').isVisible()).toBe(true);
    await page.keyboard.press('End');
    // End selects the last tab this viewer sees (new views add tabs; Tokens stays hidden from a viewer)
    const shown = await page
      .locator('[role=tab]:not([hidden])')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.tab ?? ''));
    expect(shown.slice(0, 2)).toEqual(['map', 'jobs']);
    expect(shown).toEqual(expect.arrayContaining(['plans', 'whatif']));
    expect(shown).not.toContain('tokens');
    const last = shown[shown.length - 1];
    expect(await page.locator(`#tab-${last}`).getAttribute('aria-selected')).toBe('true');
    // Tab leaves the tab list (one stop: the selected tab), passes the header's sign-out and reaches the panel
    const stops: string[] = [];
    for (let i = 0; i < 3 && stops.at(-1) !== `panel-${last}`; i++) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''));
    }
    expect(stops).toEqual(['Sign out', `panel-${last}`]);
    await page.close();
  });
});
