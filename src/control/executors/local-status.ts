// A local run's status, read from its run folder (see local.ts): which members run, ended or were lost,
// and the phase that follows (held, launching, running, stopping, cancelled, failed, succeeded).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { latestCheckpoint } from './checkpoints.js';
import { isAlive, lastJsonLine } from './local-proc.js';
import { committed, heldAlive, memberCount, memberEnd, memberGroups, storedSpec } from './local-run-dir.js';
import type { RunProgress, RunStatus } from './types.js';
import { unknownStatus } from './types.js';

/** The members of a run, counted by how they stand. */
interface MemberTally {
  alive: number;
  succeeded: number;
  lost: number;
  failedRank: number;
  failedCode: number | null;
  pids: number[];
}

function tallyMembers(dir: string, n: number, launched: boolean): MemberTally {
  const t: MemberTally = { alive: 0, succeeded: 0, lost: 0, failedRank: -1, failedCode: null, pids: [] };
  const groups = memberGroups(dir, n);
  if (!launched) {
    // not committed: nothing ran; held members (if any) exit by themselves
    for (const g of groups) if (g !== null && isAlive(g)) t.alive++;
    return t;
  }
  for (let r = 0; r < n; r++) {
    // the wrapper's pid (= its process group) is written at spawn, before the commit
    const pid = groups[r] ?? null;
    const end = memberEnd(dir, r, pid);
    if (pid !== null) t.pids.push(pid);
    if (end.code !== null) {
      if (end.code === 0) t.succeeded++;
      else if (t.failedRank < 0) {
        t.failedCode = end.code;
        t.failedRank = r;
      }
    } else if (end.alive) t.alive++;
    else t.lost++;
  }
  return t;
}

/** Whether a committed gang has a member that failed or died without an exit code (the rest must stop). */
export function gangFailed(dir: string): boolean {
  const n = memberCount(dir); // throws when the run folder is gone: the caller warns
  if (!committed(dir)) return false;
  const groups = memberGroups(dir, n);
  for (let r = 0; r < n; r++) {
    const pid = groups[r] ?? null;
    const end = memberEnd(dir, r, pid);
    if ((end.code !== null && end.code !== 0) || (end.code === null && pid !== null && !end.alive)) return true;
  }
  return false;
}

/**
 * The run's status; `stopGang` is true when the gang has failed but members still run
 * (the caller stops them: reading stays free of side effects).
 */
export function readRunStatus(dir: string, runKey: string): { status: RunStatus; stopGang: boolean } {
  if (!existsSync(dir)) return { status: unknownStatus(runKey), stopGang: false };
  const n = memberCount(dir);
  const cancelled = existsSync(join(dir, 'cancelled'));
  const launched = committed(dir);
  const t = tallyMembers(dir, n, launched);
  const spec = storedSpec(dir);
  const checkpoint = spec ? latestCheckpoint(spec.checkpointDir) : null;
  const progress = lastJsonLine<RunProgress>(join(dir, 'progress.jsonl'));
  const base = { runKey, externalId: t.pids.length ? `pids:${t.pids.join(',')}` : null, checkpoint, progress };
  const only = (status: RunStatus) => ({ status, stopGang: false });
  if (!launched && !cancelled) {
    return only(
      heldAlive(dir)
        ? {
            ...base,
            phase: 'pending',
            exitCode: null,
            reason: 'held: waiting for the other parts of its gang',
            held: true,
          }
        : { ...base, phase: 'pending', exitCode: null, reason: 'launching' },
    );
  }
  if (cancelled) {
    return only(
      t.alive > 0
        ? { ...base, phase: 'running', exitCode: null, reason: 'stopping' }
        : { ...base, phase: 'cancelled', exitCode: t.failedCode, reason: 'cancelled' },
    );
  }
  if (t.failedRank >= 0 || t.lost > 0) {
    const reason =
      t.failedRank >= 0
        ? `rank ${t.failedRank} exited with code ${t.failedCode}; gang stopped`
        : `${t.lost} member(s) died without an exit code; gang stopped`;
    return { status: { ...base, phase: 'failed', exitCode: t.failedCode ?? 137, reason }, stopGang: t.alive > 0 };
  }
  if (t.succeeded === n) return only({ ...base, phase: 'succeeded', exitCode: 0, reason: null });
  return only({ ...base, phase: 'running', exitCode: null, reason: null });
}
