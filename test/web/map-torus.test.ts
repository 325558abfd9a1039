// The dashboard map's torus pods (TPU slices) in a real browser against a control plane on the tpu-v4-palm preset.
// Skipped, with the reason printed, when chromium is absent. Screenshot in artifacts/ (git-ignored).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite } from './harness.js';

const reason = browserSuiteSkip('test/web/map-torus.test.ts');

describe.skipIf(reason !== null)('map: torus pods on the site card', () => {
  let suite: BrowserSuite;

  beforeAll(async () => {
    suite = await startBrowserSuite({ fabric: await loadFabric('tpu-v4-palm') });
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('draws each TPU slice: shape, OCS-joined cubes, ICI per link', async () => {
    const page = await suite.signIn(suite.srv.admin, '', 15_000);
    const torus = page.locator('.site-card[data-site="mayes"] [data-role="torus"]');
    await expect.poll(() => torus.count()).toBe(1);
    const text = (await torus.textContent()) ?? '';
    expect(text).toContain('palm-pod-a: 12×16×16 torus, 48 OCS-joined 4×4×4 cubes, ICI 44.8 GB/s per link');
    expect(text).toContain('palm-pod-b');
    // One square per cube of the first two dimensions (3 x 4), the third dimension's 4 layers beside it.
    expect(await torus.locator('svg.torus-grid').first().locator('rect.cube').count()).toBe(12);
    expect(suite.errors(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-map-torus.png') });
  }, 60_000);
});
