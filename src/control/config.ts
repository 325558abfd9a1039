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
import { canUseNetns, setupWanNamespaces, type SiteNetwork, type WanNamespaces } from './executors/netns.js';
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
      /** Folder the members run in (default: the job's checkpoint folder); relative to the server's cwd. */
      workDir: z.string().optional(),
      /** Address other sites reach this site's processes at (a gang's rendezvous); set by `wan.namespaces`. */
      address: z.string().optional(),
      /** Extra environment of this site's processes (below the job's own variables). */
      env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
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
      /** Address the other sites of a gang reach this cluster's rank 0 at (default 127.0.0.1). */
      address: z.string().optional(),
    })
    .strict(),
]);

const RateLimitConfig = z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() }).strict();

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
    /** Serve HTTPS: PEM certificate (chain) and private key files. */
    tls: z
      .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
      .strict()
      .optional(),
    /** Per token (default 1,000/s, burst 2,000); `tenants: {id: {perSecond, burst}}` overrides; `unauthenticated` per address. */
    rateLimit: RateLimitConfig.extend({
      tenants: z.record(z.string(), RateLimitConfig).optional(),
      unauthenticated: RateLimitConfig.optional(),
    })
      .strict()
      .optional(),
    logLevel: z.string().optional(),
    /** Run the scheduler loop when leader (default true); false: an API-only replica. */
    schedule: z.boolean().default(true),
    /** How long every part of a cross-site gang may take to be allocated before the others are released (ms). */
    gangStartTimeoutMs: z.number().int().positive().optional(),
    /**
     * A WAN link in miniature between two local sites: `namespaces: auto` puts each site's processes in
     * their own network namespace joined by a veth pair rate-limited to the fabric link's capacityGbps x
     * rateScale when run as root, and falls back to loopback (saying so) otherwise.
     */
    wan: z
      .object({
        namespaces: z.enum(['auto', 'off']).default('auto'),
        rateScale: z.number().positive().max(1).default(1e-4),
        prefix: z
          .string()
          .regex(/^[a-z][a-z0-9]{0,5}$/, 'up to 6 lowercase letters and digits')
          .default('sf'),
      })
      .strict()
      .optional(),
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
  net: SiteNetwork | undefined,
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
        ...(c.workDir ? { workDir: resolve(c.workDir) } : {}),
        ...(c.env ? { env: c.env } : {}),
        ...(net ? { netns: net.netns, address: net.address, wanIface: net.wanIface } : {}),
        ...(!net && c.address ? { address: c.address } : {}),
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
        ...(c.address ? { address: c.address } : {}),
      });
    }
  }
}

/** The TLS files, or the config's error naming the unreadable one. */
function readTls(t: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (field: 'certFile' | 'keyFile') => {
    try {
      return readFileSync(t[field]);
    } catch (err) {
      throw new InvalidInputError(
        [
          {
            path: `tls.${field}`,
            message: `cannot read ${t[field]} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
            hint: 'give the path of a PEM file readable by this user',
          },
        ],
        400,
      );
    }
  };
  return { cert: read('certFile'), key: read('keyFile') };
}

/** Opens the store, loads the fabric, builds executors and the server (not yet listening). */
export async function serverFromConfig(
  cfg: ServeConfig,
  extra: Partial<ServerOptions> = {},
  opts: { resetStore?: boolean } = {},
): Promise<{ server: ControlServer; adminToken: string }> {
  const fabric = await loadFabric(cfg.fabric);
  const store = await openStore(cfg.store, { reset: opts.resetStore });
  let shared: TwinExecutor | null = null;
  const twin = () => (shared ??= new TwinExecutor({ fabric }));
  const net = wanNetwork(cfg, fabric, extra.logger === false ? null : console);
  const sites: SiteBinding[] = [];
  for (const s of fabric.sites) {
    const c = cfg.sites[s.id] ?? cfg.sites['*'];
    if (!c) continue;
    const executor = makeExecutor(s.id, c, twin, fabric, net?.sites.get(s.id));
    sites.push({ siteId: s.id, heartbeat: c.heartbeat, executor });
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
    ...(cfg.tls ? { tls: readTls(cfg.tls) } : {}),
    schedule: cfg.schedule,
    ...(cfg.gangStartTimeoutMs ? { gangStartTimeoutMs: cfg.gangStartTimeoutMs } : {}),
    logger: { level: cfg.logLevel ?? process.env.LOG_LEVEL ?? 'info' },
    ...extra,
  });
  const close = server.close.bind(server);
  server.close = async () => {
    await close();
    await store.close();
    net?.teardown();
  };
  return { server, adminToken };
}

/**
 * The namespaces of `wan.namespaces: auto` for the two local sites of the config, or null (not asked
 * for, not root, or not two local sites joined by a WAN link), saying why on `log`.
 */
function wanNetwork(cfg: ServeConfig, fabric: Fabric, log: Pick<Console, 'warn'> | null): WanNamespaces | null {
  if (!cfg.wan || cfg.wan.namespaces === 'off') return null;
  const local = fabric.sites.filter((s) => (cfg.sites[s.id] ?? cfg.sites['*'])?.executor === 'local').map((s) => s.id);
  if (local.length !== 2) {
    log?.warn(`wan.namespaces: needs exactly two local sites (found ${local.length}); using loopback`);
    return null;
  }
  if (!canUseNetns()) {
    log?.warn(
      "wan.namespaces: not root (or no ip/tc): sites share loopback, no shaped WAN link; WAN bytes are the trainer's own count",
    );
    return null;
  }
  const ns = setupWanNamespaces(fabric, local[0], local[1], { rateScale: cfg.wan.rateScale, prefix: cfg.wan.prefix });
  log?.warn(
    `wan.namespaces: sites ${local.join(' and ')} in namespaces ${[...ns.sites.values()].map((n) => `${n.netns} (${n.address})`).join(', ')}, link ${ns.linkId} shaped to ${ns.rateMbit} Mbit/s`,
  );
  return ns;
}
