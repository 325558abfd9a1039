// The Tokens view in chromium against a real control plane: a tenant admin issues a token, sees its secret
// once (and copies it), the secret works against /v1/whoami, revoking it (after the confirmation dialog)
// makes it fail with 401 at once; an operator picks the tenant; a viewer never sees the view.
// Screenshots under artifacts/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/tokens.test.ts');

describe.skipIf(reason !== null)('tokens view in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;
  let acmeAdmin = '';
  let acmeViewer = '';
  let revokedName = '';

  beforeAll(async () => {
    suite = await startBrowserSuite({}, async (s) => {
      acmeAdmin = await s.token('acme', 'admin');
      acmeViewer = await s.token('acme', 'viewer');
      await s.token('globex', 'member'); // a second tenant for the operator's picker
    });
    srv = suite.srv;
    await suite.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  const signIn = (token: string, hash = ''): Promise<Page> => suite.signIn(token, hash);
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `tokens-${name}.png`) });

  it('a tenant admin issues a token, sees the secret once, and revoking it refuses it at once', async () => {
    const page = await signIn(acmeAdmin);
    await page.getByRole('tab', { name: 'Tokens' }).click();
    const view = page.locator('#panel-tokens');
    await expect.poll(() => view.locator('tbody tr[data-token-id]').count()).toBe(2); // the admin and the viewer
    expect(await view.locator('[data-role=tenant]').textContent()).toBe('Tenant acme');
    expect(await view.locator('[data-role=tenant-picker]').isVisible()).toBe(false);
    // an admin may mint any role (no higher than its own)
    expect(await view.locator('select[name=token-role] option').allTextContents()).toEqual([
      'admin',
      'member',
      'viewer',
    ]);

    revokedName = 'CI pipeline of team blue';
    await view.getByLabel('Name').fill(revokedName);
    await view.getByLabel('Role').selectOption('member');
    await view.getByRole('button', { name: 'Issue token' }).click();
    const secretEl = view.locator('[data-role=secret]');
    await secretEl.waitFor({ timeout: 10_000 });
    const secret = (await secretEl.textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    await view.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expect.poll(() => view.locator('tbody tr[data-token-id]').count()).toBe(3);
    await shot(page, 'issued');
    // a token nobody has used yet says so in the Last used column (4th)
    const fresh = view.locator('tbody tr[data-token-id]', { hasText: revokedName });
    expect(await fresh.locator('td').nth(3).textContent()).toBe('never');

    // the secret is a real token of acme with the chosen role
    const me = await srv.req<{ tenant: string; role: string; tokenId: string }>('GET', '/v1/whoami', secret);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ tenant: 'acme', role: 'member' });

    // shown once: after Done it is nowhere on the page, and the list never carries it
    await view.getByRole('button', { name: 'Done' }).click();
    expect(await view.locator('[data-role=secret-box]').isVisible()).toBe(false);
    expect(await page.content()).not.toContain(secret);
    const row = view.locator(`tbody tr[data-token-id="${me.body.tokenId}"]`);
    expect(await row.locator('td').first().textContent()).toBe(revokedName);
    expect(await row.getAttribute('data-revoked')).toBe('false');

    // revoke: Keep as is leaves it working; the confirm button revokes it
    await row.getByRole('button', { name: `Revoke ${revokedName}` }).click();
    await page.locator('dialog.confirm').getByRole('button', { name: 'Keep as is' }).click();
    expect((await srv.req('GET', '/v1/whoami', secret)).status).toBe(200);
    await row.getByRole('button', { name: `Revoke ${revokedName}` }).click();
    const dlg = page.locator('dialog.confirm');
    expect(await dlg.locator('#confirm-title').textContent()).toBe(`Revoke “${revokedName}”?`);
    await shot(page, 'confirm');
    await dlg.locator('button[data-action=confirm]').click();
    await expect.poll(() => row.getAttribute('data-revoked')).toBe('true');
    // at once: the very next request with it is refused (no auth-cache grace)
    expect((await srv.req('GET', '/v1/whoami', secret)).status).toBe(401);
    expect(await row.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    await shot(page, 'revoked');
    await page.close();
  }, 60_000);

  it('an operator picks the tenant whose tokens it manages', async () => {
    const page = await signIn(srv.admin, '#tokens');
    const view = page.locator('#panel-tokens');
    const picker = view.locator('select[name=token-tenant]');
    await expect.poll(() => picker.locator('option').count()).toBeGreaterThanOrEqual(3); // system, acme, globex
    await picker.selectOption('acme');
    await expect.poll(() => view.locator('[data-role=tenant]').textContent()).toBe('Tenant acme');
    await expect.poll(() => view.locator('tbody tr[data-revoked=true]').count()).toBe(1);
    expect(await view.locator('tbody tr[data-revoked=true] td').first().textContent()).toBe(revokedName);
    await picker.selectOption('globex');
    await expect.poll(() => view.locator('tbody tr[data-token-id]').count()).toBe(1);
    expect(await view.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['member']);
    await page.close();
  }, 30_000);

  it('a viewer does not see the view, even by its URL', async () => {
    const page = await signIn(acmeViewer);
    await expect.poll(() => page.locator('.who').textContent()).toContain('viewer');
    expect(await page.getByRole('tab', { name: 'Tokens' }).count()).toBe(0);
    expect(await page.getByRole('tab', { name: 'Jobs' }).count()).toBe(1);
    await page.goto(`${srv.url}/#tokens`);
    await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
    const view = page.locator('#panel-tokens');
    expect(await view.locator('[data-role=denied]').isVisible()).toBe(true);
    expect(await view.locator('form.token-form').isVisible()).toBe(false);
    expect(await view.locator('tbody tr[data-token-id]').count()).toBe(0);
    await shot(page, 'viewer');
    await page.close();
  }, 30_000);
});
