// Reading a workload mix: a name under data/workloads/ (or SUPERFACTORY_DATA_DIR/workloads/) or a YAML/JSON
// file, with `NAME:key=value,...` overrides. The file read is this folder's edge; a missing file is an issue.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { dataPath } from '../data-dir.js';
import type { InputIssue } from '../fabric/types.js';
import { parseWorkloadMix, type WorkloadMix } from './superfactory-spec.js';
import type { WorkloadOverrides } from './superfactory.js';

/** The mixes shipped (and in the user's data folder): file names under data/workloads without .yaml (not *.scenario.yaml). */
export function listWorkloadMixes(): string[] {
  const dir = dataPath('workloads');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !/\.scenario\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

const OVERRIDE_KEYS = ['seed', 'days', 'targetLoad', 'ratePerHour', 'jobs', 'maxGpus'] as const;
const INTEGER_KEYS = new Set(['seed', 'jobs', 'maxGpus']);

/** `superfactory:days=3,targetLoad=0.9` -> the name and the overrides; issues name the key and the flag. */
export function parseWorkloadArg(
  arg: string,
  flag = '--workload',
): { name: string; overrides: WorkloadOverrides; issues: InputIssue[] } {
  const colon = arg.search(/:(?![\\/])/); // a Windows drive letter (C:\) is part of a path, not an override list
  const name = (colon > 0 ? arg.slice(0, colon) : arg).trim();
  const overrides: Record<string, number> = {};
  const issues: InputIssue[] = [];
  if (name === '') issues.push({ path: flag, message: 'no workload named', hint: 'pass --workload superfactory' });
  const rest = colon > 0 ? arg.slice(colon + 1) : '';
  for (const part of rest.split(',').filter((p) => p.trim() !== '')) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.+?)\s*$/.exec(part);
    const key = m?.[1] as (typeof OVERRIDE_KEYS)[number] | undefined;
    if (!m || !key || !OVERRIDE_KEYS.includes(key)) {
      issues.push({
        path: `${flag} ${name}`,
        message: `cannot read "${part}"`,
        hint: `use ${name}:key=value,... with keys ${OVERRIDE_KEYS.join(', ')}`,
      });
      continue;
    }
    const v = Number(m[2]);
    const intOk = !INTEGER_KEYS.has(key) || Number.isInteger(v);
    if (!Number.isFinite(v) || !intOk || (key !== 'seed' && v <= 0) || v < 0)
      issues.push({
        path: `${flag} ${name}: ${key}`,
        message: `"${m[2]}" is not ${INTEGER_KEYS.has(key) ? 'an integer' : 'a number'} ${key === 'seed' ? '>= 0' : '> 0'}`,
        hint: `give ${key} a ${INTEGER_KEYS.has(key) ? 'whole ' : ''}number${key === 'seed' ? ' >= 0' : ' above 0'}`,
      });
    else overrides[key] = v;
  }
  return { name, overrides, issues };
}

/** Load and check a mix by name or path. Issues name the file and field. */
export function loadWorkloadMix(nameOrPath: string): { mix?: WorkloadMix; issues: InputIssue[] } {
  const isPath = /[\\/]/.test(nameOrPath) || /\.(ya?ml|json)$/i.test(nameOrPath);
  const file = isPath ? nameOrPath : dataPath('workloads', `${nameOrPath}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const known = listWorkloadMixes();
    return {
      issues: [
        {
          path: '--workload',
          message:
            (e as NodeJS.ErrnoException).code === 'EISDIR'
              ? `${file} is a folder, not a file`
              : `cannot read ${isPath ? file : `workload "${nameOrPath}"`}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          hint: isPath
            ? 'check the path to the workload file'
            : `use one of ${known.join(', ') || '(none shipped)'} or a file path`,
        },
      ],
    };
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    return {
      issues: [
        {
          path: `${path.basename(file)}`,
          message: `not valid YAML: ${(e as Error).message.split('\n')[0]}`,
          hint: 'fix the YAML syntax (data/workloads/superfactory.yaml is an example)',
        },
      ],
    };
  }
  return parseWorkloadMix(raw, `${path.basename(file)}: `);
}

/**
 * The tenant quotas shipped beside a mix (data/workloads/NAME-quotas.scenario.yaml `tenants`), unparsed: the caller
 * hands them to the scenario parser. Undefined when the mix has none.
 */
export function mixQuotaTenants(name: string): unknown[] | undefined {
  const file = dataPath('workloads', `${name}-quotas.scenario.yaml`);
  if (!existsSync(file)) return undefined;
  const raw = YAML.parse(readFileSync(file, 'utf8')) as { tenants?: unknown };
  return Array.isArray(raw?.tenants) ? raw.tenants : undefined;
}
