// docs/grafana/superfactory.json against a real server's /metrics: every metric its expressions read is one the
// control plane exports (a renamed series fails here, not silently in Grafana), and it parses as a dashboard.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './fixtures.js';

const FILE = fileURLToPath(new URL('../../docs/grafana/superfactory.json', import.meta.url));
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  // one request and one submission so that the histograms and counters have samples
  await t.req('POST', '/v1/jobs', t.admin, { name: 'g', model: 'llama3-8b', gpus: 8 });
});
afterAll(async () => {
  await t?.close();
});

interface Panel {
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string }[];
}

describe('the Grafana dashboard', () => {
  it('reads only series the server exports', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => m[1]));
    expect(exported.size).toBeGreaterThan(10);
    const dash = JSON.parse(readFileSync(FILE, 'utf8')) as { uid: string; panels: Panel[] };
    expect(dash.uid).toBe('superfactory');
    expect(dash.panels.length).toBeGreaterThanOrEqual(8);
    const used = new Set<string>();
    for (const p of dash.panels) {
      expect(p.targets.length).toBeGreaterThan(0);
      for (const tg of p.targets) for (const m of tg.expr.matchAll(/superfactory_[a-z0-9_]+/g)) used.add(m[0]);
    }
    const missing = [...used].filter((m) => !exported.has(m.replace(/_(bucket|sum|count)$/, '')) && !exported.has(m));
    expect(missing).toEqual([]);
    // the domain series are all on it
    for (const m of [
      'superfactory_jobs',
      'superfactory_site_up',
      'superfactory_jobs_submitted_total',
      'superfactory_leader',
    ])
      expect(used.has(m)).toBe(true);
  });

  it('lays panels out without overlap on the 24-column grid', () => {
    const dash = JSON.parse(readFileSync(FILE, 'utf8')) as { panels: Panel[] };
    const cells = new Set<string>();
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });
});
