// Helpers of the services tests: whether PyTorch is there, read a generate stream, find a replica's process group.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from './fixtures.js';

/** The Python the replicas and the trainer run on (Debian's, with python3-torch). */
export const PYTHON = '/usr/bin/python3';

/** Why the PyTorch tests must skip (null: torch imports). */
export function torchMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch: apt-get install python3-torch (scripts/ci/system-packages.sh)`;
  }
}

/** Reads a generate stream: the token lines and the router's summary line. */
export async function generate(
  url: string,
  token: string,
  id: string,
  body: Json,
): Promise<{ status: number; tokens: string[]; done: Json; headers: Headers }> {
  const res = await fetch(`${url}/v1/services/${id}/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, tokens: [], done: JSON.parse(text), headers: res.headers };
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const done = lines.pop();
  return { status: res.status, tokens: lines.map((l) => l.token), done, headers: res.headers };
}

/** The pid (process group) of a replica's process, from the local executor's run folder. */
export function replicaPgid(root: string, runKey: string): number {
  const dir = join(root, runKey);
  const f = readdirSync(dir).find((n) => /^rank0\.pgid\./.test(n));
  if (!f) throw new Error(`no pgid file in ${dir}`);
  return Number(readFileSync(join(dir, f), 'utf8'));
}
