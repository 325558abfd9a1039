// Spawning one gang member of the local executor: its torchrun environment and its held wrapper
// process (see local.ts for the two-phase launch and local-proc.ts for the wrapper).
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WRAPPER } from './local-proc.js';
import type { RunSpec } from './types.js';
import { baseEnv } from './types.js';

/** What every member of one site needs beyond the run spec (the executor's options). */
export interface MemberSite {
  gpusPerProcess: number;
  siteEnv: Record<string, string>;
  netns: string | null;
  wanIface: string | null;
  workDir: string | null;
}

/** One launch generation of a run: its folder, spec, member count, token and rendezvous port. */
export interface Generation {
  dir: string;
  spec: RunSpec;
  members: number;
  gen: string;
  port: number;
}

/** The variables shared by every member of a generation: site, job, WAN interface, progress file. */
export function generationEnv(site: MemberSite, g: Generation): Record<string, string> {
  const env: Record<string, string> = { ...site.siteEnv, ...baseEnv(g.spec) };
  if (site.wanIface) {
    env.GLOO_SOCKET_IFNAME = site.wanIface;
    env.SUPERFACTORY_WAN_IFACE = site.wanIface;
  }
  env.SUPERFACTORY_PROGRESS_FILE = join(g.dir, 'progress.jsonl');
  return env;
}

/** Member `rank`'s own variables: torchrun ranks, its GPUs, and the wrapper's state files. */
export function memberEnv(site: MemberSite, g: Generation, rank: number): Record<string, string> {
  const gang = g.spec.gang;
  const gpus = Array.from({ length: site.gpusPerProcess }, (_, i) => rank * site.gpusPerProcess + i).join(',');
  return {
    RANK: String((gang?.rankOffset ?? 0) + rank),
    WORLD_SIZE: String(gang?.worldSize ?? g.members),
    LOCAL_RANK: String(rank),
    LOCAL_WORLD_SIZE: String(g.members),
    GROUP_RANK: String(gang?.index ?? 0),
    MASTER_ADDR: gang?.masterAddr ?? '127.0.0.1',
    MASTER_PORT: String(g.port),
    CUDA_VISIBLE_DEVICES: gpus,
    SF_GEN: g.gen,
    SF_LAUNCHED: join(g.dir, 'launched'),
    SF_CANCELLED: join(g.dir, 'cancelled'),
    SF_PIDFILE: join(g.dir, `rank${rank}.pid`),
    SF_EXITFILE: join(g.dir, `rank${rank}.exit`),
    SF_HELDFILE: join(g.dir, `rank${rank}.held.${g.gen}`),
  };
}

/**
 * Spawns member `rank` held, in its own process group, and records that group (rank<N>.pgid.<gen>).
 * `onFailure` runs when the member exits non-zero (the executor stops the rest of the gang).
 */
export function spawnMember(
  site: MemberSite,
  g: Generation,
  rank: number,
  shared: Record<string, string>,
  onFailure: () => void,
): void {
  const env = { ...process.env, ...shared, ...memberEnv(site, g, rank) };
  const log = openSync(join(g.dir, `rank${rank}.log`), 'a');
  try {
    // `ip netns exec` execs in place: the pid (and process group) stays the wrapper's
    const argv = ['/bin/sh', '-c', WRAPPER, 'sf-member', ...(g.spec.command ?? [])];
    const [cmd, ...args] = site.netns ? ['ip', 'netns', 'exec', site.netns, ...argv] : argv;
    const child = spawn(cmd, args, {
      env,
      cwd: site.workDir ?? g.spec.checkpointDir,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.on('error', (err) => {
      // the wrapper could not be spawned: the member has no pid and read() reports the run lost
      process.emitWarning(`local executor: member ${rank} of ${g.spec.runKey}: ${err.message}`);
    });
    child.on('exit', (code) => {
      if (code !== 0) onFailure();
    });
    child.unref();
    if (child.pid) writeFileSync(join(g.dir, `rank${rank}.pgid.${g.gen}`), String(child.pid));
  } finally {
    closeSync(log);
  }
}
