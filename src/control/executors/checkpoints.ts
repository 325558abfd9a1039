// The checkpoint convention shared by the local and Slurm executors: a job writes checkpoints under
// SUPERFACTORY_CHECKPOINT_DIR as entries named `step-<N>` (file or folder), optionally with a
// `latest` file holding the newest tag (`step-<N>` or `<N>`), like DeepSpeed's `latest`. A folder with a
// manifest.json naming `shards: S` (examples/train) is complete only once shard-0.pt .. shard-(S-1).pt are
// all there: a gang part's site holds only its own ranks' shards until replication brings the others.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Shard files a sharded checkpoint folder lacks ([] when whole or not sharded). */
export function missingShards(path: string): string[] {
  let shards: unknown;
  try {
    shards = (JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as { shards?: unknown }).shards;
  } catch {
    return []; // no manifest: not the sharded convention, complete by the step-N rule alone
  }
  if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1) return [];
  const out: string[] = [];
  for (let r = 0; r < shards; r++) if (!existsSync(join(path, `shard-${r}.pt`))) out.push(`shard-${r}.pt`);
  return out;
}

export function latestCheckpoint(dir: string): { step: number; path: string } | null {
  const steps = new Set<number>();
  try {
    const latest = readFileSync(join(dir, 'latest'), 'utf8').trim();
    const m = /^(?:step-)?(\d+)$/.exec(latest);
    if (m) steps.add(Number(m[1]));
  } catch {
    // no latest file
  }
  try {
    for (const name of readdirSync(dir)) {
      const m = /^step-(\d+)$/.exec(name);
      if (m) steps.add(Number(m[1]));
    }
  } catch {
    return null;
  }
  // newest first; a `latest` tag without its entry counts as before (a file-less convention)
  for (const step of [...steps].sort((a, b) => b - a)) {
    const path = join(dir, `step-${step}`);
    if (missingShards(path).length === 0) return { step, path };
  }
  return null;
}
