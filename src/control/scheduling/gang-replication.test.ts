import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingShards, latestCheckpoint } from '../executors/checkpoints.js';
import { newestCommonStep, planCopies } from './gang-replication.js';

const shards = (...n: number[]) => new Set(n.map((r) => `shard-${r}.pt`));
const all = ['shard-0.pt', 'shard-1.pt', 'shard-2.pt', 'shard-3.pt'];

describe('checkpoint replication plan', () => {
  it('two sites swap the shards each lacks, one copy per direction', () => {
    expect(planCopies([shards(0, 1), shards(2, 3)], all)).toEqual([
      { from: 1, to: 0, files: ['shard-2.pt', 'shard-3.pt'] },
      { from: 0, to: 1, files: ['shard-0.pt', 'shard-1.pt'] },
    ]);
  });

  it('a whole site sends nothing; a file nobody has is not planned', () => {
    expect(planCopies([shards(0, 1, 2, 3), shards(0, 1, 2, 3)], all)).toEqual([]);
    expect(planCopies([shards(0), shards(1)], all)).toEqual([
      { from: 1, to: 0, files: ['shard-1.pt'] },
      { from: 0, to: 1, files: ['shard-0.pt'] },
    ]);
  });

  it('three sites: each missing shard comes from the first site holding it', () => {
    const plan = planCopies([shards(0), shards(1), shards(2)], ['shard-0.pt', 'shard-1.pt', 'shard-2.pt']);
    const into = (to: number) => plan.filter((c) => c.to === to).flatMap((c) => c.files.map((f) => `${c.from}:${f}`));
    expect(into(0)).toEqual(['1:shard-1.pt', '2:shard-2.pt']);
    expect(into(1)).toEqual(['0:shard-0.pt', '2:shard-2.pt']);
    expect(into(2)).toEqual(['0:shard-0.pt', '1:shard-1.pt']);
  });

  it('a site folder holding half the shards is not a complete checkpoint; the newest common step is found', () => {
    const root = join(tmpdir(), `sf-repl-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const mk = (site: string, step: number, have: number[]) => {
      const d = join(root, site, `step-${step}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'manifest.json'), JSON.stringify({ step, shards: 4 }));
      for (const r of have) writeFileSync(join(d, `shard-${r}.pt`), 'x');
      writeFileSync(join(root, site, 'latest'), `step-${step}`);
    };
    mk('a', 10, [0, 1, 2, 3]);
    mk('a', 20, [0, 1]);
    mk('b', 20, [2, 3]);
    expect(missingShards(join(root, 'a', 'step-20'))).toEqual(['shard-2.pt', 'shard-3.pt']);
    // `latest` says 20, but only 10 is whole on a; b has no whole checkpoint at all
    expect(latestCheckpoint(join(root, 'a'))?.step).toBe(10);
    expect(latestCheckpoint(join(root, 'b'))).toBeNull();
    expect(newestCommonStep([join(root, 'a'), join(root, 'b')])).toBe(20);
    expect(newestCommonStep([join(root, 'a'), join(root, 'c')])).toBeNull();
  });
});
