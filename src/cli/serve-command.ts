// `superfactory start` (the demo: SQLite under ./.superfactory/, the fairwater preset on the twin
// executor, a site `local` that runs real commands on this machine, a small demo workload) and
// `superfactory serve --config FILE` (a real deployment).
import { loadServeConfig, parseServeConfig, serverFromConfig } from '../control/config.js';
import { issueToken } from '../control/auth.js';
import { InvalidInputError } from '../control/domain.js';
import { resolve } from 'node:path';
import type { ControlServer } from '../control/server.js';
import { LOCAL_SITE_ID, writeStartFabric } from './start-fabric.js';

/** Jobs the demo submits on first start so that the dashboard has something to show. */
const DEMO_JOBS = [
  { name: 'llama3-405b pretrain', model: 'llama3-405b', gpus: 16384, tokens: 15e12, priority: 10 },
  { name: 'deepseek-v3 pretrain', model: 'deepseek-v3', gpus: 8192, tokens: 14.8e12, priority: 5 },
  {
    name: 'llama3-70b pretrain',
    model: 'llama3-70b',
    gpus: 4096,
    tokens: 2e12,
    priority: 3,
    allowedJurisdictions: ['US-WI'],
  },
  { name: 'mixtral-8x7b finetune', model: 'mixtral-8x7b', gpus: 512, tokens: 5e10, priority: 1 },
  { name: 'llama3-8b ablation', model: 'llama3-8b', gpus: 256, tokens: 1e10, priority: 0 },
  { name: 'gpt3-175b replay', model: 'gpt3-175b', gpus: 2048, tokens: 3e11, priority: 0, preemptible: true },
];

function onSignals(server: ControlServer): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function printIssues(err: unknown): never {
  if (err instanceof InvalidInputError) {
    for (const i of err.issues) console.error(`error: ${i.path}: ${i.message} (fix: ${i.hint})`);
    process.exit(2);
  }
  throw err;
}

export async function runStart(opts: { port?: number; resetStore?: boolean } = {}): Promise<ControlServer> {
  const port = opts.port ?? (process.env.PORT ? Number(process.env.PORT) : 8080);
  const fabric = writeStartFabric(resolve('.superfactory/fabric.json'));
  const cfg = parseServeConfig(
    [
      `port: ${port}`,
      `host: ${process.env.HOST ?? '127.0.0.1'}`,
      'store: .superfactory/control.db',
      `fabric: ${JSON.stringify(fabric)}`,
      'checkpointRoot: .superfactory/checkpoints',
      'rateLimit: { perSecond: 200, burst: 400 }',
      'sites:',
      "  '*': { executor: twin, speedup: 3600, checkpointEveryS: 1800 }",
      // this machine: a job's command runs here for real, in the folder `start` was run from
      `  ${LOCAL_SITE_ID}: { executor: local, root: .superfactory/runs/local, workDir: . }`,
    ].join('\n'),
  );
  const { server, adminToken } = await serverFromConfig(cfg, {}, { resetStore: opts.resetStore }).catch(printIssues);
  const store = server.cp.store;
  // demo data only into a store this start created: never into a store that lost its jobs
  if (store.fresh) {
    if (!(await store.getTenant('demo'))) {
      await store.createTenant({
        id: 'demo',
        name: 'Demo lab',
        quotaGpus: 65536,
        allowedJurisdictions: ['US'],
        at: Date.now(),
      });
    }
    await issueToken(store, 'demo', 'member', 'demo workload', Date.now());
    for (const j of DEMO_JOBS) {
      await server.cp
        .submitJob({ tenantId: 'demo', role: 'member', tokenId: 'demo' }, j, null)
        .catch((err: Error) => console.error(`demo job ${j.name}: ${err.message}`));
    }
  }
  const url = await server.listen(port, cfg.host);
  onSignals(server);
  const shown = url.replace('127.0.0.1', 'localhost');
  console.log(`superfactory control plane: ${shown} (docs ${shown}/docs)`);
  console.log(`admin token: ${adminToken}`);
  return server;
}

export async function runServe(opts: { config: string; resetStore?: boolean }): Promise<ControlServer> {
  let cfg;
  try {
    cfg = loadServeConfig(opts.config);
  } catch (err) {
    printIssues(err);
  }
  const { server, adminToken } = await serverFromConfig(cfg, {}, { resetStore: opts.resetStore }).catch(printIssues);
  const url = await server.listen(cfg.port, cfg.host);
  onSignals(server);
  console.log(`superfactory control plane: ${url} (store ${server.cp.store.kind}, fabric ${server.cp.fabric.name})`);
  console.log(`admin token: ${adminToken}`);
  return server;
}
