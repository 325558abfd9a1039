// The deployment config of `superfactory serve --config FILE` (YAML), validated at the edge.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { loadFabric } from '../fabric/index.js';
import type { Fabric } from '../fabric/types.js';
import type { SiteBinding } from './control-plane.js';
import { InvalidInputError } from './domain.js';
import { LocalExecutor } from './executors/local.js';
import { SlurmExecutor } from './executors/slurm.js';
import { TwinExecutor } from './executors/twin.js';
import type { Executor } from './executors/types.js';
import { zodIssues } from './schemas.js';
import { buildServer, ensureAdmin, type ControlServer, type ServerOptions } from './server.js';
import { openStore } from './store/index.js';

const Heartbeat = z.enum(['executor', 'agent']).default('executor');
const SiteConfig = z.discriminatedUnion('executor', [
  z
    .object({
      executor: z.literal('twin'),
      heartbeat: Heartbeat,
      /** Simulated seconds per wall second (default 3600). */
      speedup: z.number().positive().optional(),
      /** Fixed checkpoint interval (simulated s of compute); default Young/Daly from the site's checkpoint bandwidth. */
      checkpointEveryS: z.number().positive().optional(),
      /** Sampled hardware failures per GPU-hour (default 0: none; Llama 3 saw 1.97e-5). */
      failuresPerGpuHour: z.number().min(0).optional(),
      seed: z.number().int().optional(),
    })
    .strict(),
  z
    .object({
      executor: z.literal('local'),
      heartbeat: Heartbeat,
      root: z.string().optional(),
      gpusPerProcess: z.number().int().positive().optional(),
      maxProcesses: z.number().int().positive().optional(),
    })
    .strict(),
  z
    .object({
      executor: z.literal('slurm'),
      heartbeat: Heartbeat,
      url: z.string().url(),
      /** The JWT itself, or tokenEnv: the environment variable that holds it (preferred: keeps secrets out of files). */
      token: z.string().optional(),
      tokenEnv: z.string().optional(),
      user: z.string().default('root'),
      partition: z.string().optional(),
      workDir: z.string(),
      gpusPerNode: z.number().int().positive().optional(),
      gpusPerTask: z.number().int().positive().optional(),
    })
    .strict(),
]);

export const ServeConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().default('127.0.0.1'),
    /** sqlite:PATH, a file path, or postgres://... */
    store: z.string().default('.superfactory/control.db'),
    fabric: z.string().default('fairwater'),
    policy: z.enum(['fifo', 'priority', 'fair-share', 'carbon-aware']).default('priority'),
    adminToken: z.string().min(16).optional(),
    checkpointRoot: z.string().default('.superfactory/checkpoints'),
    tickMs: z.number().int().positive().optional(),
    heartbeatTimeoutMs: z.number().int().positive().optional(),
    checkpointWaitMs: z.number().int().positive().optional(),
    leaseTtlMs: z.number().int().positive().optional(),
    replicaId: z.string().optional(),
    rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() }).strict().optional(),
    logLevel: z.string().optional(),
    /** Run the scheduler loop when leader (default true); false: an API-only replica. */
    schedule: z.boolean().default(true),
    /** Site id -> executor; sites of the fabric not listed get none (nothing is scheduled there). '*' applies to all. */
    sites: z.record(z.string(), SiteConfig).default({ '*': { executor: 'twin', heartbeat: 'executor' } }),
  })
  .strict();
export type ServeConfig = z.infer<typeof ServeConfigSchema>;

export function parseServeConfig(text: string, source = 'config'): ServeConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new InvalidInputError(
      [{ path: '(file)', message: `${source}: ${(err as Error).message.split('\n')[0]}`, hint: 'fix the YAML syntax' }],
      400,
    );
  }
  const r = ServeConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new InvalidInputError(zodIssues(r.error), 400);
  return r.data;
}

export function loadServeConfig(file: string): ServeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InvalidInputError(
      [
        {
          path: 'config',
          message: `cannot read ${file} (${code === 'EISDIR' ? 'a folder, not a file' : code})`,
          hint: 'pass --config with the path of a YAML deployment file (src/control/README.md)',
        },
      ],
      400,
    );
  }
  return parseServeConfig(text, file);
}

function makeExecutor(
  siteId: string,
  c: z.infer<typeof SiteConfig>,
  twin: () => TwinExecutor,
  fabric: Fabric,
): Executor {
  switch (c.executor) {
    case 'twin':
      return c.speedup || c.checkpointEveryS || c.failuresPerGpuHour || c.seed !== undefined
        ? new TwinExecutor({
            fabric,
            speedup: c.speedup,
            checkpointEveryS: c.checkpointEveryS,
            failuresPerGpuHour: c.failuresPerGpuHour,
            seed: c.seed,
          })
        : twin();
    case 'local':
      return new LocalExecutor({
        root: resolve(c.root ?? `.superfactory/runs/${siteId}`),
        gpusPerProcess: c.gpusPerProcess,
        maxProcesses: c.maxProcesses,
      });
    case 'slurm': {
      const token = c.token ?? (c.tokenEnv ? process.env[c.tokenEnv] : undefined);
      if (!token) {
        throw new InvalidInputError(
          [
            {
              path: `sites.${siteId}.token`,
              message: 'no Slurm JWT',
              hint: 'set tokenEnv to a variable holding `scontrol token` output',
            },
          ],
          400,
        );
      }
      return new SlurmExecutor({
        url: c.url,
        token,
        user: c.user,
        partition: c.partition,
        workDir: resolve(c.workDir),
        gpusPerNode: c.gpusPerNode,
        gpusPerTask: c.gpusPerTask,
      });
    }
  }
}

/** Opens the store, loads the fabric, builds executors and the server (not yet listening). */
export async function serverFromConfig(
  cfg: ServeConfig,
  extra: Partial<ServerOptions> = {},
): Promise<{ server: ControlServer; adminToken: string }> {
  const fabric = await loadFabric(cfg.fabric);
  const store = await openStore(cfg.store);
  let shared: TwinExecutor | null = null;
  const twin = () => (shared ??= new TwinExecutor({ fabric }));
  const sites: SiteBinding[] = [];
  for (const s of fabric.sites) {
    const c = cfg.sites[s.id] ?? cfg.sites['*'];
    if (!c) continue;
    sites.push({ siteId: s.id, heartbeat: c.heartbeat, executor: makeExecutor(s.id, c, twin, fabric) });
  }
  for (const id of Object.keys(cfg.sites)) {
    if (id !== '*' && !fabric.sites.some((s) => s.id === id)) {
      throw new InvalidInputError(
        [
          {
            path: `sites.${id}`,
            message: `no site ${id} in fabric ${fabric.name}`,
            hint: `sites: ${fabric.sites.map((s) => s.id).join(', ')}`,
          },
        ],
        400,
      );
    }
  }
  const adminToken = await ensureAdmin(store, cfg.adminToken ?? process.env.SUPERFACTORY_ADMIN_TOKEN);
  const server = await buildServer({
    store,
    fabric,
    sites,
    policy: cfg.policy,
    checkpointRoot: resolve(cfg.checkpointRoot),
    tickMs: cfg.tickMs,
    heartbeatTimeoutMs: cfg.heartbeatTimeoutMs,
    checkpointWaitMs: cfg.checkpointWaitMs,
    leaseTtlMs: cfg.leaseTtlMs,
    replicaId: cfg.replicaId,
    rateLimit: cfg.rateLimit,
    schedule: cfg.schedule,
    logger: { level: cfg.logLevel ?? process.env.LOG_LEVEL ?? 'info' },
    ...extra,
  });
  const close = server.close.bind(server);
  server.close = async () => {
    await close();
    await store.close();
  };
  return { server, adminToken };
}
