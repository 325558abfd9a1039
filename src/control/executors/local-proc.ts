// Process helpers of the local executor: the member wrapper (two-phase launch), liveness, small files, ports.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Held members give up after this many 50 ms polls (5 min) when no launch commits (the launcher died and nobody adopted the run). */
const HOLD_POLLS = 6000;
export const WRAPPER = [
  // the member is up and waiting (in its namespace, if any): what makes a gang part "held"
  '[ -n "$SF_HELDFILE" ] && : > "$SF_HELDFILE"',
  'i=0',
  `while [ ! -s "$SF_LAUNCHED" ]; do if [ -e "$SF_CANCELLED" ] || [ $i -ge ${HOLD_POLLS} ]; then exit 0; fi; sleep 0.05; i=$((i+1)); done`,
  '[ "$(cat "$SF_LAUNCHED")" = "$SF_GEN" ] || exit 0',
  '[ -e "$SF_CANCELLED" ] && exit 0',
  'echo $$ > "$SF_PIDFILE"; "$@"; c=$?; echo $c > "$SF_EXITFILE.tmp"; mv "$SF_EXITFILE.tmp" "$SF_EXITFILE"; exit $c',
].join('\n');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

export function readInt(file: string): number | null {
  try {
    // an empty file is no number (Number('') is 0: an exit file caught mid-write would read as success)
    const text = readFileSync(file, 'utf8').trim();
    const n = text.length > 0 ? Number(text) : NaN;
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Last JSON line of a progress file (the trainer appends one per step), or null. */
export function lastJsonLine<T>(file: string): T | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null; // no report yet
  }
  const lines = text.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 3; i--) {
    try {
      return JSON.parse(lines[i]) as T;
    } catch {
      // a line being written: try the one before
    }
  }
  return null;
}

/**
 * Whether this site's end of its WAN link, interface `iface` of namespace `netns`, is up. Only the site's
 * own end counts (the UP flag): when the other site's end goes down this end loses its carrier
 * (no LOWER_UP) too, and that must not take this site down with it.
 */
export function linkUp(netns: string, iface: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('ip', ['-n', netns, '-o', 'link', 'show', iface], { timeout: 2000 }, (err, stdout) => {
      resolve(!err && /[<,]UP[,>]/.test(stdout)); // flags like <BROADCAST,MULTICAST,UP,LOWER_UP>
    });
  });
}

/**
 * Stops process groups: `first` (SIGTERM), then SIGKILL to whatever is left after `graceMs`.
 * Returns at once when no group could be signalled (all gone).
 */
export async function stopGroups(groups: readonly number[], first: NodeJS.Signals, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    let any = false;
    for (const g of groups) {
      try {
        process.kill(-g, sig);
        any = true;
      } catch {
        // group gone
      }
    }
    return any;
  };
  if (!signal(first)) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groups.some((g) => isAlive(g))) await new Promise((r) => setTimeout(r, 50));
  signal('SIGKILL');
}
