// Runs the real CLI in a child process (through tsx, so no build is needed) and captures its output.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): CliRun {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${root}src/cli/main.ts`, ...args], {
    cwd: options.cwd ?? root,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const ESTIMATE_DEFAULTS = { model: 'llama3-8b', gpus: '8', tp: '8', pp: '1', dp: '1', mbs: '1', gbs: '8' };

/**
 * `estimate` arguments: llama3-8b on 8 GPUs as tp 8 x pp 1 x dp 1, micro-batch 1, global batch 8 (a plan that
 * fits), with `flags` replacing or adding `--name value` pairs and `extra` (switches) after them.
 */
export function estimateArgs(flags: Record<string, string> = {}, extra: string[] = []): string[] {
  const all = { ...ESTIMATE_DEFAULTS, ...flags };
  return ['estimate', ...Object.entries(all).flatMap(([name, value]) => [`--${name}`, value]), ...extra];
}
