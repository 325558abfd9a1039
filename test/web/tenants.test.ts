// The Tenants view in chromium against a real control plane (fairwater on the twin): quota and GPUs in use per
// tenant, the queue per tenant, cost and energy per tenant and per job for the period chosen; an operator sees
// every tenant, a member only its own; a custom period that ends before it starts is named. Screenshots under
// artifacts/ (tenants-*.png).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../control/helpers.js';
import { ARTIFACTS, browserSuiteSkip, useBrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/tenants.test.ts');

describe.skipIf(reason !== null)('tenants view in chromium', () => {
  let acme = '';
  let runningId = '';

  /** Two tenants' jobs on the twin: acme's first runs, its second waits over quota; globex's runs. */
  async function setup(srv: DashboardServer): Promise<void> {
    acme = await srv.token('acme', 'member');
    const globex = await srv.token('globex', 'member');
    expect((await srv.req('PATCH', '/v1/tenants/acme', srv.admin, { quotaGpus: 2048 })).status).toBe(200);
    const job = { model: 'llama3-70b', tokens: 1e15, sites: ['atl'] };
    const a = await srv.req<{ job: { id: string } }>('POST', '/v1/jobs', acme, {
      name: 'acme pretrain',
      gpus: 1024,
      ...job,
    });
    runningId = a.body.job.id;
    await srv.req('POST', '/v1/jobs', globex, { name: 'globex finetune', gpus: 512, ...job });
    const state = async (id: string) =>
      (await srv.req<{ job: { state: string } }>('GET', `/v1/jobs/${id}`, acme)).body.job.state;
    await waitFor(async () => (await state(runningId)) === 'running', 30_000);
    // over acme's quota with the first one running: it waits in acme's queue
    await srv.req('POST', '/v1/jobs', acme, { name: 'acme waits', gpus: 2048, ...job });
    await new Promise((r) => setTimeout(r, 2000)); // two seconds of 1,024 GPUs: some kWh to show
  }
  const run = useBrowserSuite(() => ({ planner: null }), setup, 120_000);

  async function openTenants(token: string): Promise<Page> {
    const page = await run.suite.signIn(token);
    await page.getByRole('tab', { name: 'Tenants' }).click();
    await page.locator('#panel-tenants tbody tr[data-tenant]').first().waitFor({ timeout: 10_000 });
    expect(run.suite.errors(page)).toEqual([]);
    return page;
  }
  const cell = (page: Page, tenant: string, col: string) =>
    page.locator(`#panel-tenants tr[data-tenant="${tenant}"] [data-col="${col}"]`).textContent();

  it('an operator sees every tenant: quota and use, queue, cost and energy; a row opens its jobs', async () => {
    const { srv } = run.suite;
    const page = await openTenants(srv.admin);
    const view = page.locator('#panel-tenants');
    const tenants = await view
      .locator('tbody tr[data-tenant]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tenant')));
    expect(tenants).toEqual(expect.arrayContaining(['acme', 'globex', 'system']));
    expect(await cell(page, 'acme', 'use')).toBe('1,024 / 2,048');
    expect(await cell(page, 'acme', 'queue')).toBe('1 job(s), 2,048 GPUs');
    expect(await cell(page, 'globex', 'use')).toBe('512 / no quota');
    // the figures the API gives for the same period, as shown
    const api = (
      await srv.req<{ tenants: { tenant: string; totals: { energyMWh: number; costUsd: number } }[] }>(
        'GET',
        '/v1/usage?tenant=acme',
        srv.admin,
      )
    ).body.tenants[0];
    expect(api.totals.energyMWh).toBeGreaterThan(0);
    expect(await cell(page, 'acme', 'energy')).toMatch(/^\d+(\.\d+)? (kWh|MWh)$/);
    expect(await cell(page, 'acme', 'cost')).toMatch(/^\$\d[\d,]*(\.\d\d)?$/);
    await page.locator('#panel-tenants tr[data-tenant="acme"]').click();
    const jobs = view.locator('[data-role=tenant-jobs]');
    await expect.poll(() => jobs.locator('h3').textContent()).toContain('acme');
    expect(await jobs.locator('tbody tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-job')))).toEqual([
      runningId,
    ]);
    expect(await jobs.locator('tbody tr [data-col=energy]').textContent()).toMatch(/(kWh|MWh)$/);
    expect(await jobs.locator(`a[href="#job/${runningId}"]`).textContent()).toBe('acme pretrain');
    expect(await view.locator('[data-role=usage-info]').textContent()).toContain('PUE');
    await page.screenshot({ path: join(ARTIFACTS, 'tenants-operator.png'), fullPage: true });
    await page.close();
  });

  it('a member sees only its own tenant; a custom period ending before it starts is named', async () => {
    const page = await openTenants(acme);
    const view = page.locator('#panel-tenants');
    expect(await view.locator('tbody tr[data-tenant]').count()).toBe(1);
    expect(await view.locator('tbody tr[data-tenant="acme"]').count()).toBe(1);
    await view.getByLabel('Period').selectOption('custom');
    await view.getByLabel('From').fill('2026-01-02T00:00');
    await view.getByLabel('To').fill('2026-01-01T00:00');
    await view.getByRole('button', { name: 'Show' }).click();
    expect(await view.locator('.errors').textContent()).toBe('From: must be before To.');
    // a period before anything ran: no job, zero figures
    await view.getByLabel('To').fill('2026-01-03T00:00');
    await view.getByRole('button', { name: 'Show' }).click();
    await expect
      .poll(() => view.locator('[data-role=tenant-jobs] p').first().textContent())
      .toBe('No job ran in this period.');
    expect(await cell(page, 'acme', 'gpu-hours')).toBe('0.00');
    expect(await cell(page, 'acme', 'use')).toBe('1,024 / 2,048');
    await page.screenshot({ path: join(ARTIFACTS, 'tenants-member.png'), fullPage: true });
    await page.close();
  });
});
