// `superfactory start` logs readable lines on a terminal and JSON lines otherwise: the real CLI in a child
// process, once under a real pseudo-terminal (util-linux `script`) and once on a pipe.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 120_000 });

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const START = [
  process.execPath,
  '--import',
  TSX,
  join(ROOT, 'src/cli/main.ts'),
  'start',
  '--port',
  '0',
  '--no-overview',
];
const noScript = spawnSync('script', ['--version']).error ? 'util-linux `script` is not installed' : null;
if (noScript) console.log(`[start log format] skipping the terminal case: ${noScript}`);

/** Starts the demo server (argv), requests /livez once it is up, and returns everything it printed by then. */
async function startAndRequest(argv: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-logfmt-'));
  // its own process group, so that the server under `script` stops with it
  const proc = spawn(argv[0], argv.slice(1), {
    cwd: dir,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      SUPERFACTORY_ADMIN_TOKEN: '',
      SUPERFACTORY_LOG_FORMAT: '',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  try {
    await waitFor(() => /admin token: \S+/.test(out), 100_000);
    const url = /control plane: (http:\/\/\S+) /.exec(out)![1].replace('localhost', '127.0.0.1');
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    await waitFor(() => /request completed/.test(out), 10_000); // the only request: ours
    return out.replace(/\r\n/g, '\n');
  } finally {
    const exited = new Promise((r) => proc.on('exit', r));
    process.kill(-proc.pid!, 'SIGTERM');
    await exited;
  }
}

describe('superfactory start logs', () => {
  it.skipIf(noScript !== null)('on a terminal: one readable line per record, no JSON', async () => {
    const out = await startAndRequest(['script', '-qefc', START.map((a) => `'${a}'`).join(' '), '/dev/null']);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+/m);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}request completed {2}GET \/livez 200 \d+\.\d ms {2}req=\w+$/m);
    expect(out).not.toMatch(/^\{"level"/m);
  });

  it('on a pipe: pino JSON lines', async () => {
    const out = await startAndRequest(START);
    const records = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(records.some((r) => r.level === 30 && /^Server listening at/.test(r.msg))).toBe(true);
    expect(records.some((r) => r.msg === 'request completed' && r.res?.statusCode === 200)).toBe(true);
  });
});
