// A WAN link in miniature for local sites on one host: each site's processes in their own network
// namespace, the two joined by a veth pair whose both ends are rate-limited with a token bucket
// (`tc qdisc ... tbf`; this kernel has tbf and htb, no netem: bandwidth only, no added delay). The
// rate is the fabric link's capacityGbps x rateScale. Needs root (CAP_NET_ADMIN); without it the
// caller falls back to loopback. Addresses are 10.99.<n>.1/.2, private and only inside these namespaces.
import { execFileSync } from 'node:child_process';
import type { Fabric } from '../../fabric/types.js';

export interface SiteNetwork {
  netns: string;
  address: string;
  wanIface: string;
}

export interface WanNamespaces {
  sites: Map<string, SiteNetwork>;
  /** Link rate after scaling (Mbit/s). */
  rateMbit: number;
  linkId: string;
  teardown(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whether this process may create network namespaces (root with the ip tool). */
export function canUseNetns(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('tc', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The namespace name of a site (short: interface and namespace names are limited). */
export function netnsName(prefix: string, site: string): string {
  return `${prefix}-${site}`.slice(0, 15);
}

function removeNetns(name: string): void {
  try {
    ip(['netns', 'del', name]);
  } catch {
    // absent: nothing to remove
  }
}

/**
 * Creates one namespace per site of the two-site link between `siteA` and `siteB` (removing leftovers of
 * a killed run first) and the shaped veth pair between them.
 */
export function setupWanNamespaces(
  fabric: Fabric,
  siteA: string,
  siteB: string,
  opts: { rateScale: number; prefix?: string; subnet?: number },
): WanNamespaces {
  const link = fabric.wanLinks.find((l) => (l.a === siteA && l.b === siteB) || (l.a === siteB && l.b === siteA));
  if (!link) throw new Error(`no WAN link between ${siteA} and ${siteB} in fabric ${fabric.name}`);
  const prefix = opts.prefix ?? 'sf';
  const subnet = opts.subnet ?? 99;
  const rateMbit = Math.max(1, Math.round(link.capacityGbps * 1000 * opts.rateScale));
  const sites = new Map<string, SiteNetwork>();
  const ends = [siteA, siteB].map((site, i) => ({
    site,
    netns: netnsName(prefix, site),
    iface: `${prefix}w-${site}`.slice(0, 15),
    address: `10.${subnet}.0.${i + 1}`,
  }));
  for (const e of ends) removeNetns(e.netns);
  for (const e of ends) ip(['netns', 'add', e.netns]);
  ip(['link', 'add', ends[0].iface, 'type', 'veth', 'peer', 'name', ends[1].iface]);
  // a burst of 128 KiB (>= one 64 KiB segment) and a 500 ms queue: no drops, so no retransmitted bytes
  const tbf = ['root', 'tbf', 'rate', `${rateMbit}mbit`, 'burst', '128kb', 'latency', '500ms'];
  for (const e of ends) {
    ip(['link', 'set', e.iface, 'netns', e.netns]);
    ip(['-n', e.netns, 'link', 'set', 'lo', 'up']);
    // a large MTU keeps header bytes under 0.2% of what is counted on the link
    ip(['-n', e.netns, 'link', 'set', e.iface, 'mtu', '65535']);
    ip(['-n', e.netns, 'addr', 'add', `${e.address}/24`, 'dev', e.iface]);
    ip(['-n', e.netns, 'link', 'set', e.iface, 'up']);
    execFileSync('ip', ['netns', 'exec', e.netns, 'tc', 'qdisc', 'add', 'dev', e.iface, ...tbf], { stdio: 'ignore' });
    sites.set(e.site, { netns: e.netns, address: e.address, wanIface: e.iface });
  }
  return {
    sites,
    rateMbit,
    linkId: link.id,
    teardown: () => {
      for (const e of ends) removeNetns(e.netns);
    },
  };
}

/** Bytes sent on a site's WAN interface so far (read inside its namespace), or null. */
export function wanTxBytes(net: SiteNetwork): number | null {
  try {
    const out = execFileSync(
      'ip',
      ['netns', 'exec', net.netns, 'cat', `/sys/class/net/${net.wanIface}/statistics/tx_bytes`],
      {
        encoding: 'utf8',
      },
    );
    return Number(out.trim());
  } catch {
    return null;
  }
}

/** Changes the shaped rate of both ends (tests: halve the link). */
export function setWanRate(ns: WanNamespaces, rateMbit: number): void {
  for (const net of ns.sites.values()) {
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        net.netns,
        'tc',
        'qdisc',
        'change',
        'dev',
        net.wanIface,
        'root',
        'tbf',
        'rate',
        `${rateMbit}mbit`,
        'burst',
        '128kb',
        'latency',
        '500ms',
      ],
      { stdio: 'ignore' },
    );
  }
  ns.rateMbit = rateMbit;
}
