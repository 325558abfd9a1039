// The run folder of the local executor, read back: which launch generation is held or committed,
// the members' process groups, the stored spec, the logs. Pure reads of <root>/<runKey>/ (see local.ts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readInt } from './local-proc.js';
import type { RunSpec } from './types.js';

export interface StoredSpec {
  spec: RunSpec;
  members: number;
}

/** The held generation (a gang part spawned on hold), or null. */
export function readyGeneration(dir: string): string | null {
  try {
    const g = readFileSync(join(dir, 'ready'), 'utf8').trim();
    return g.length > 0 ? g : null;
  } catch {
    return null;
  }
}

/** Whether a held, uncommitted generation still has every member waiting. */
export function heldAlive(dir: string): boolean {
  const gen = readyGeneration(dir);
  if (gen === null || committed(dir)) return false;
  const n = memberCount(dir);
  for (let r = 0; r < n; r++) {
    // spawned is not enough (a member may be about to fail, e.g. no such namespace): its wrapper must wait
    const pid = readInt(join(dir, `rank${r}.pgid.${gen}`));
    if (pid === null || !isAlive(pid) || !existsSync(join(dir, `rank${r}.held.${gen}`))) return false;
  }
  return true;
}

export function committed(dir: string): boolean {
  return generation(dir) !== null;
}

/** The committed generation, or null while the launch is not committed. */
export function generation(dir: string): string | null {
  try {
    const g = readFileSync(join(dir, 'launched'), 'utf8').trim();
    return g.length > 0 ? g : null;
  } catch {
    return null;
  }
}

/** Process groups of a run's members: the committed generation's, or every generation's before a commit. */
export function memberGroups(dir: string, n: number): (number | null)[] {
  const gen = generation(dir);
  if (gen !== null)
    return Array.from(
      { length: n },
      (_, r) => readInt(join(dir, `rank${r}.pgid.${gen}`)) ?? readInt(join(dir, `rank${r}.pid`)),
    );
  const out: number[] = [];
  try {
    for (const f of readdirSync(dir)) if (/^rank\d+\.pgid\./.test(f)) out.push(readInt(join(dir, f)) ?? -1);
  } catch {
    // gone
  }
  return out.filter((g) => g > 0);
}

export function memberCount(dir: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as StoredSpec).members;
  } catch {
    return new Set(readdirSync(dir).flatMap((f) => /^rank(\d+)\.(?:pgid|pid|log)/.exec(f)?.[1] ?? [])).size;
  }
}

export function storedSpec(dir: string): RunSpec | null {
  try {
    return (JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as StoredSpec).spec;
  } catch {
    return null;
  }
}

/** A committed member's end: its exit code, still running, or gone without one. */
export type MemberEnd = { code: number; alive: false } | { code: null; alive: boolean };

/**
 * Reads member `rank`'s exit file and liveness without a race: the wrapper renames its exit file into
 * place before it exits, so "died without an exit code" holds only once the process is confirmed gone
 * AND a re-read after that still finds no file (a first read may precede the rename by microseconds).
 */
export function memberEnd(dir: string, rank: number, pid: number | null): MemberEnd {
  const file = join(dir, `rank${rank}.exit`);
  const code = readInt(file);
  if (code !== null) return { code, alive: false };
  if (pid !== null && isAlive(pid)) return { code: null, alive: true };
  const again = readInt(file);
  return again !== null ? { code: again, alive: false } : { code: null, alive: false };
}

/** The members' logs, each line tagged `[rank N]`, the last `maxBytes` characters. */
export function memberLogs(dir: string, maxBytes: number): string {
  const n = memberCount(dir);
  const parts: string[] = [];
  for (let r = 0; r < n; r++) {
    try {
      const text = readFileSync(join(dir, `rank${r}.log`), 'utf8');
      parts.push(
        ...text
          .split('\n')
          .filter(Boolean)
          .map((l) => `[rank ${r}] ${l}`),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // no log yet is fine; unreadable is not
    }
  }
  const all = parts.join('\n');
  return all.length > maxBytes ? all.slice(all.length - maxBytes) : all;
}
