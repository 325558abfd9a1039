// Halve the WAN link and see who slows down: the hierarchical-DP and the DiLoCo job of examples/train run
// across sites a and b of examples/deploy/two-sites-local.yaml (as root: two namespaces, tbf-shaped veth),
// first at the full scaled rate, then at half of it. Prints the measured step time of each run (the gang's
// slowest part, median of its reports) and the WAN bytes per step.
//   sudo npx tsx examples/train/compare-link-rates.ts [rateScale=1e-5]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig, serverFromConfig } from '../../src/control/config.js';
import { canUseNetns, setWanRate, type WanNamespaces } from '../../src/control/executors/netns.js';
import { loadFabric } from '../../src/fabric/index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- loosely read API bodies

const rateScale = Number(process.argv[2] ?? 1e-5);
if (!canUseNetns()) {
  console.error('needs root (network namespaces and tc): no shaped link to halve');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'sf-halve-'));
const cfg = loadServeConfig('examples/deploy/two-sites-local.yaml');
Object.assign(cfg, { port: 0, store: join(dir, 'control.db'), checkpointRoot: join(dir, 'ckpt'), logLevel: 'error' });
cfg.wan = { namespaces: 'auto', rateScale, prefix: 'sfh' };
for (const id of ['a', 'b']) Object.assign(cfg.sites[id], { root: join(dir, 'runs', id) });
const { server, adminToken } = await serverFromConfig(cfg);
const url = await server.listen(0);
const fabric = await loadFabric(cfg.fabric);
const link = fabric.wanLinks[0];
const full = Math.max(1, Math.round(link.capacityGbps * 1000 * rateScale));
const ns: WanNamespaces = {
  sites: new Map(['a', 'b'].map((s) => [s, { netns: `sfh-${s}`, address: '', wanIface: `sfhw-${s}` }])),
  rateMbit: full,
  linkId: link.id,
  teardown: () => {},
};

const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
  const r = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await r.json()) as Json;
};

async function run(file: string): Promise<{ stepS: number; wanBytes: number; seconds: number }> {
  const t0 = Date.now();
  const id = (await call('POST', '/v1/jobs', JSON.parse(readFileSync(join('examples/train', file), 'utf8')))).job.id;
  for (;;) {
    const j = (await call('GET', `/v1/jobs/${id}`)).job;
    if (['succeeded', 'failed', 'cancelled'].includes(j.state)) {
      if (j.state !== 'succeeded') throw new Error(`${file}: ${j.state} ${j.reason}`);
      const evs = ((await call('GET', `/v1/jobs/${id}/events`)).events as Json[]).filter(
        (e) => e.type === 'job.progress' && e.data.step > 10,
      );
      const times = evs.map((e) => e.data.stepTimeSeconds as number).sort((a, b) => a - b);
      return {
        stepS: times[Math.floor(times.length / 2)],
        wanBytes: j.measured.wanBytesPerStep,
        seconds: (Date.now() - t0) / 1000,
      };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rows: string[] = [];
for (const rate of [full, full / 2]) {
  setWanRate(ns, rate);
  for (const file of ['hier-dp-job.json', 'diloco-job.json']) {
    const r = await run(file);
    rows.push(
      `| ${file.replace('-job.json', '')} | ${rate} | ${r.stepS.toFixed(3)} | ${Math.round(r.wanBytes)} | ${r.seconds.toFixed(0)} |`,
    );
    console.log(rows.at(-1));
  }
}
console.log(
  ['| job | link Mbit/s | median step s | WAN bytes/step | run s |', '|---|---|---|---|---|', ...rows].join('\n'),
);
await server.close();
