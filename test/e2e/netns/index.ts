// Set-up shared by the e2e tests that run real processes at "sites" on this one host: whether PyTorch is there,
// and (root) sites in network namespaces. Training across sites (cross-site.test.ts) lets the control plane build
// its two-site shaped veth link (src/control/executors/netns.ts, `wan.namespaces: auto`); serving across sites
// (serve-netns.test.ts) needs the router on this host to reach every site, each over its own link with the fiber
// delay of its distance: setupServeNetwork() below. This kernel has no sch_netem, so the delay is a user-space
// wire (delay-wire.py) between two TUN devices, the host's end and the site's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fabric } from '../../../src/fabric/types.js';
import { netnsName } from '../../../src/control/executors/netns.js';

export { canUseNetns } from '../../../src/control/executors/netns.js';

/** Debian's interpreter, the one python3-torch installs for (the python3 first on PATH may be another). */
export const PYTHON = '/usr/bin/python3';
const WIRE = fileURLToPath(new URL('./delay-wire.py', import.meta.url));

/** Why the PyTorch tests cannot run here (null: they can); `gloo` also asks for torch.distributed's gloo. */
export function torchMissing(opts: { gloo?: boolean } = {}): string | null {
  const check = opts.gloo ? 'import torch, torch.distributed as d; assert d.is_gloo_available()' : 'import torch';
  try {
    execFileSync(PYTHON, ['-c', check], { stdio: 'ignore' });
    return null;
  } catch {
    const what = opts.gloo ? 'torch with gloo' : 'torch';
    return `${PYTHON} cannot import ${what}: apt-get install python3-torch (scripts/ci/system-packages.sh)`;
  }
}

export interface SiteLink {
  site: string;
  netns: string;
  /** The link's TUN device on this host and in the site's namespace. */
  hostIface: string;
  siteIface: string;
  hostAddress: string;
  /** Where the site's processes listen (the executor's address: the router reaches replicas there). */
  siteAddress: string;
  /** Delay each way: the fabric link's one-way latency (routeKm x 4.9 us + equipment), ms. */
  oneWayMs: number;
  rateMbit: number;
}

export interface ServeNetwork {
  /** The users' namespace, joined to this host by a veth pair without added delay (the router is their edge). */
  user: { netns: string; address: string; hostAddress: string };
  sites: Map<string, SiteLink>;
  /** Brings a site's end of its link down or up (the executor's heartbeat checks that end). */
  setLink(site: string, up: boolean): void;
  teardown(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // absent: nothing to remove
  }
}

/** Waits for the wire's ready file (it attached to both devices), at most 10 s; throws with its exit otherwise. */
async function wireReady(p: ChildProcess, file: string, what: string): Promise<void> {
  let exit: string | null = null;
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += d));
  p.on('exit', (code, sig) => (exit = `exited ${code ?? sig}`));
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) return;
    if (exit) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  p.kill('SIGTERM');
  throw new Error(`delay wire for ${what} not ready: ${exit ?? 'no ready file in 10 s'} ${stderr.trim()}`);
}

/**
 * Namespaces for serving from `sites` to users at `origin` (root): one namespace per site, each joined to this
 * host by a delay wire whose one-way delay is the fabric's direct link origin <-> site (rate: its capacity x
 * `rateScale`), and a users' namespace on a plain veth pair. Addresses 10.<subnet>.<i>.1 (host) / .2 (site or
 * users), private and only on these links. Leftovers of a killed run are removed first.
 */
export async function setupServeNetwork(
  fabric: Fabric,
  origin: string,
  sites: readonly string[],
  opts: { prefix: string; rateScale: number; subnet?: number },
): Promise<ServeNetwork> {
  const subnet = opts.subnet ?? 97;
  const p = opts.prefix;
  const user = { netns: netnsName(p, 'user'), address: `10.${subnet}.0.2`, hostAddress: `10.${subnet}.0.1` };
  const userHostIface = `${p}u-h`;
  const links = sites.map((site, i): SiteLink => {
    const l = fabric.wanLinks.find((x) => (x.a === origin && x.b === site) || (x.b === origin && x.a === site));
    if (!l) throw new Error(`fabric ${fabric.name}: no WAN link between ${origin} and ${site}`);
    return {
      site,
      netns: netnsName(p, site),
      hostIface: `${p}h-${site}`.slice(0, 15),
      siteIface: `${p}s-${site}`.slice(0, 15),
      hostAddress: `10.${subnet}.${i + 1}.1`,
      siteAddress: `10.${subnet}.${i + 1}.2`,
      oneWayMs: l.latencyMs,
      rateMbit: Math.max(1, Math.round(l.capacityGbps * 1000 * opts.rateScale)),
    };
  });
  const wires: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sf-wire-'));
  const removeLinks = () => {
    for (const l of links) quietly(() => ip(['link', 'del', l.hostIface]));
    for (const ns of [user.netns, ...links.map((l) => l.netns)]) quietly(() => ip(['netns', 'del', ns]));
    quietly(() => ip(['link', 'del', userHostIface])); // gone with its peer's namespace, unless that failed
  };
  const teardown = () => {
    for (const w of wires) w.kill('SIGTERM');
    removeLinks();
    rmSync(dir, { recursive: true, force: true });
  };
  removeLinks(); // a killed run's leftovers (its wires exit once their parent is gone)
  try {
    ip(['netns', 'add', user.netns]);
    ip(['-n', user.netns, 'link', 'set', 'lo', 'up']);
    ip(['link', 'add', userHostIface, 'type', 'veth', 'peer', 'name', `${p}u-u`, 'netns', user.netns]);
    ip(['addr', 'add', `${user.hostAddress}/30`, 'dev', userHostIface]);
    ip(['link', 'set', userHostIface, 'up']);
    ip(['-n', user.netns, 'addr', 'add', `${user.address}/30`, 'dev', `${p}u-u`]);
    ip(['-n', user.netns, 'link', 'set', `${p}u-u`, 'up']);
    for (const l of links) {
      ip(['netns', 'add', l.netns]);
      ip(['-n', l.netns, 'link', 'set', 'lo', 'up']);
      ip(['tuntap', 'add', 'dev', l.hostIface, 'mode', 'tun']);
      ip(['-n', l.netns, 'tuntap', 'add', 'dev', l.siteIface, 'mode', 'tun']);
      ip(['addr', 'add', l.hostAddress, 'peer', l.siteAddress, 'dev', l.hostIface]);
      ip(['-n', l.netns, 'addr', 'add', l.siteAddress, 'peer', l.hostAddress, 'dev', l.siteIface]);
      ip(['link', 'set', l.hostIface, 'up']);
      ip(['-n', l.netns, 'link', 'set', l.siteIface, 'up']);
      const ready = join(dir, `${l.site}.ready`);
      const args = [`--a=-:${l.hostIface}`, `--b=${l.netns}:${l.siteIface}`];
      args.push('--delay-ms', String(l.oneWayMs), '--rate-mbit', String(l.rateMbit), '--ready', ready);
      // real-time priority: a link's delay does not grow with this host's load (the wire sleeps between packets)
      const w = spawn('chrt', ['-f', '20', 'python3', WIRE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      wires.push(w);
      await wireReady(w, ready, `${origin} <-> ${l.site}`);
    }
  } catch (err) {
    teardown();
    throw err;
  }
  const byId = new Map(links.map((l) => [l.site, l]));
  return {
    user,
    sites: byId,
    setLink: (site, up) => {
      const l = byId.get(site);
      if (!l) throw new Error(`no link for site ${site}`);
      ip(['-n', l.netns, 'link', 'set', l.siteIface, up ? 'up' : 'down']);
    },
    teardown,
  };
}
