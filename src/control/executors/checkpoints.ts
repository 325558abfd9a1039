// The checkpoint convention shared by the local and Slurm executors: a job writes checkpoints under
// SUPERFACTORY_CHECKPOINT_DIR as entries named `step-<N>` (file or folder), optionally with a
// `latest` file holding the newest tag (`step-<N>` or `<N>`), like DeepSpeed's `latest`.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function latestCheckpoint(dir: string): { step: number; path: string } | null {
  let best = -1;
  try {
    const latest = readFileSync(join(dir, 'latest'), 'utf8').trim();
    const m = /^(?:step-)?(\d+)$/.exec(latest);
    if (m) best = Number(m[1]);
  } catch {
    // no latest file
  }
  try {
    for (const name of readdirSync(dir)) {
      const m = /^step-(\d+)$/.exec(name);
      if (m && Number(m[1]) > best) best = Number(m[1]);
    }
  } catch {
    return null;
  }
  return best >= 0 ? { step: best, path: join(dir, `step-${best}`) } : null;
}
