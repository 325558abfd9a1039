// Bad input on the command line: exit 2 and `error: <field>: <message> (fix: <hint>)`, never a stack trace,
// and a bad --out is refused before any work is done.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateArgs, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sf-bad-input-'));
const aFile = join(dir, 'a-file.csv');
writeFileSync(aFile, 'submit,duration,gpus\n0,100,8\n');
const aFolder = join(dir, 'a-folder');
mkdirSync(aFolder);
const empty = join(dir, 'empty.yaml');
writeFileSync(empty, '');
const badYaml = join(dir, 'bad.yaml');
writeFileSync(badYaml, 'not: [yaml\n  : : :');

/** Exit 2, every stderr line that starts with "error:" in the CLI's format, and no stack trace. */
function expectBadInput(run: { code: number | null; stderr: string }, field: string): void {
  expect(run.code).toBe(2);
  expect(run.stderr).not.toMatch(/\n\s+at |node:fs|Error: /);
  expect(run.stderr).toMatch(
    new RegExp(`^error: ${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+ \\(fix: .+\\)$`, 'm'),
  );
}

describe('CLI bad input', () => {
  it('refuses an --out that is a file before planning or simulating (exit 2, no stack)', () => {
    expectBadInput(
      runCli([
        'sweep',
        '--model',
        'llama3-8b',
        '--gpus',
        '1024',
        '--wan-gbps',
        '100',
        '--wan-latency-ms',
        '5',
        '--out',
        aFile,
      ]),
      'out',
    );
    expectBadInput(runCli(['simulate', '--synthetic', 'jobs=5', '--out', aFile]), 'out');
    expectBadInput(runCli(['compare', '--synthetic', 'jobs=5', '--policies', 'fifo', '--out', aFile]), 'out');
  });

  it('refuses an --out that cannot be created, without hanging', () => {
    expectBadInput(
      runCli(['simulate', '--synthetic', 'jobs=5', '--out', join(aFile, 'sub')], { timeoutMs: 60_000 }),
      'out',
    );
  });

  it('refuses empty and repeated site lists instead of ignoring them', () => {
    expectBadInput(runCli(['plan', '--model', 'llama3-8b', '--sites', ',']), 'sites');
    expectBadInput(runCli(['plan', '--model', 'llama3-8b', '--allow', '']), 'allow');
    expectBadInput(runCli(['plan', '--model', 'llama3-8b', '--sites', 'atl,atl']), 'sites');
    expectBadInput(
      runCli(['sweep', '--model', 'llama3-8b', '--wan-gbps', '100', '--wan-latency-ms', '5', '--sites', 'atl']),
      'sites',
    );
  });

  it('names the GPU budget when no plan fits it', () => {
    const run = runCli(['plan', '--model', 'llama3-405b', '--gpus', '8']);
    expectBadInput(run, 'gpus');
    expect(run.stderr).toMatch(/budget of 8 GPUs/);
  });

  it('formats commander errors (missing or unknown flags, missing arguments) like every other input error', () => {
    const missing = runCli(['estimate', '--model', 'llama3-8b', '--gpus', '8']);
    expectBadInput(missing, 'tp');
    expectBadInput(runCli(estimateArgs({}, ['--bogus'])), 'bogus');
    expectBadInput(runCli(['fabric', 'validate']), 'file');
    expectBadInput(runCli(['fabric', 'nope']), 'command');
  });

  it('accepts only decimal whole numbers for estimate flags', () => {
    expectBadInput(runCli(estimateArgs({ gpus: '0x8' })), 'gpus');
    expectBadInput(runCli(estimateArgs({ gpus: ' ' })), 'gpus');
    expectBadInput(runCli(estimateArgs({ gbs: '1e17' })), 'gbs');
    expect(runCli(estimateArgs({ gpus: '8e0' })).code).toBe(0);
  });

  it('says what is wrong with a folder, an empty file or broken YAML given as a file', () => {
    const model = runCli(estimateArgs({ model: aFolder }));
    expectBadInput(model, 'model');
    expect(model.stderr).toMatch(/a folder, not a file/);
    const fabric = runCli(['fabric', 'validate', empty]);
    expect(fabric.code).toBe(2);
    expect(fabric.stderr).toMatch(/^error: \(file\): empty\.yaml is empty \(fix: .*data\/fabrics\/README\.md/m);
    const scenario = runCli(['simulate', '--synthetic', 'jobs=5', '--scenario', badYaml]);
    expectBadInput(scenario, '--scenario');
    expect(scenario.stderr.trim().split('\n')).toHaveLength(1);
    const config = runCli(['serve', '--config', join(dir, 'missing.yaml')]);
    expectBadInput(config, 'config');
    const configDir = runCli(['serve', '--config', aFolder]);
    expectBadInput(configDir, 'config');
  });

  it('overview lists a model that does not fit the budget instead of failing', () => {
    const run = runCli(['overview', '--gpus', '8']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Llama 3 405B\s+does not fit/);
    expect(run.stdout).toMatch(/Llama 3 8B\s+single-site/);
  });
});
