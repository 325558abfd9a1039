// What `jobs submit` sends: a SkyPilot-style YAML job file and/or flags (flags win), the command after `--`.
// Checked here with the API's own schema (src/contract) so a typo is named with its file and key before
// anything is sent; the server checks again.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { SubmitJobSchema, parseRequest, type InputIssue, type SubmitJobBody } from '../contract/index.js';
import { CliInputError } from './errors.js';

/** Keys of a job file, and the API field each becomes. */
const FILE_KEYS: Record<string, string> = {
  name: 'name',
  model: 'model',
  gpus: 'gpus',
  tokens: 'tokens',
  command: 'command',
  sites: 'sites',
  jurisdictions: 'allowedJurisdictions',
  checkpointing: 'checkpointable',
  priority: 'priority',
  preemptible: 'preemptible',
  deadline: 'deadline',
  executor: 'executor',
  env: 'env',
};
/** The API's own names are accepted too, so a body copied from the API docs works as a job file. */
const API_ALIASES: Record<string, string> = {
  allowedJurisdictions: 'allowedJurisdictions',
  checkpointable: 'checkpointable',
};

export interface SubmitFlags {
  name?: string;
  model?: string;
  gpus?: string;
  tokens?: string;
  sites?: string;
  jurisdictions?: string;
  checkpointing?: boolean;
  priority?: string;
  preemptible?: boolean;
  deadline?: string;
  executor?: string;
  env?: string[];
}

/** The body to POST /v1/jobs (sites included: the server restricts placement to them). */
export type SubmitRequest = SubmitJobBody;

/** A string command runs through `sh -c` (like SkyPilot's `run:`); a list is the argv itself. */
export function commandArgv(value: unknown): unknown {
  return typeof value === 'string' ? ['sh', '-c', value] : value;
}

function fileIssue(file: string, key: string, message: string, hint: string): InputIssue {
  return { path: `${file}: ${key}`, message, hint };
}

/** Reads and checks the YAML job file into API field names. */
export function readJobFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CliInputError([
      { path: 'file', message: `cannot read ${file} (${code})`, hint: 'pass the path of a YAML job file' },
    ]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new CliInputError(
      doc.errors.map((e) => ({
        path: `${file}: line ${e.linePos?.[0].line ?? '?'}`,
        message: e.message.split('\n')[0],
        hint: 'fix the YAML syntax (see the job file example in the README)',
      })),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CliInputError([
      fileIssue(file, '(file)', 'a job file is a YAML mapping', 'write key: value lines (name, model, gpus, command)'),
    ]);
  }
  const out: Record<string, unknown> = {};
  const issues: InputIssue[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const field = FILE_KEYS[key] ?? API_ALIASES[key];
    if (!field) {
      issues.push(fileIssue(file, key, `unknown key "${key}"`, `use ${Object.keys(FILE_KEYS).join(', ')}`));
      continue;
    }
    out[field] = field === 'command' ? commandArgv(value) : value;
  }
  if (issues.length) throw new CliInputError(issues);
  return out;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A number flag ("8", "1e12", "15e12"): left as the string when it is not one, for the schema to name. */
const num = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

/** Flags into API fields; only the flags given. */
export function flagFields(
  o: SubmitFlags,
  command: string[],
): { fields: Record<string, unknown>; issues: InputIssue[] } {
  const fields: Record<string, unknown> = {};
  const issues: InputIssue[] = [];
  if (o.name !== undefined) fields.name = o.name;
  if (o.model !== undefined) fields.model = o.model;
  if (o.gpus !== undefined) fields.gpus = num(o.gpus);
  if (o.tokens !== undefined) fields.tokens = num(o.tokens);
  if (o.priority !== undefined) fields.priority = num(o.priority);
  if (o.sites !== undefined) fields.sites = list(o.sites);
  if (o.jurisdictions !== undefined) fields.allowedJurisdictions = list(o.jurisdictions);
  if (o.checkpointing !== undefined) fields.checkpointable = o.checkpointing;
  if (o.preemptible !== undefined) fields.preemptible = o.preemptible;
  if (o.deadline !== undefined) fields.deadline = o.deadline;
  if (o.executor !== undefined) fields.executor = o.executor;
  if (o.env !== undefined) {
    const env: Record<string, string> = {};
    for (const kv of o.env) {
      const at = kv.indexOf('=');
      if (at <= 0) issues.push({ path: '--env', message: `"${kv}" is not KEY=VALUE`, hint: 'pass --env KEY=VALUE' });
      else env[kv.slice(0, at)] = kv.slice(at + 1);
    }
    fields.env = env;
  }
  if (command.length > 0) fields.command = command;
  return { fields, issues };
}

/** Where a field came from, to name it in an error: the flag, or the file's key. */
function sourceOf(field: string, fromFlags: Record<string, unknown>, file: string | undefined): string {
  const flag: Record<string, string> = {
    allowedJurisdictions: '--jurisdictions',
    checkpointable: '--checkpointing',
    command: 'command (after --)',
  };
  if (field === '(body)') return file ?? 'submit';
  if (field in fromFlags || !file) return flag[field] ?? `--${field}`;
  const key = Object.entries(FILE_KEYS).find(([, f]) => f === field)?.[0] ?? field;
  return `${file}: ${key}`;
}

/** The request for `jobs submit`: file fields, overridden by flags, checked against the API schema. */
export function buildSubmitRequest(file: string | undefined, o: SubmitFlags, command: string[]): SubmitRequest {
  const fromFile = file ? readJobFile(file) : {};
  const { fields: fromFlags, issues } = flagFields(o, command);
  const merged: Record<string, unknown> = { ...fromFile, ...fromFlags };
  const parsed = parseRequest(SubmitJobSchema, merged);
  if (!parsed.ok) {
    for (const i of parsed.issues) {
      const [field, ...rest] = i.path.split(/(?=[.[])/);
      const missing = field === 'name' || field === 'model' ? `; pass --${field} or put ${field}: in a job file` : '';
      issues.push({ ...i, path: `${sourceOf(field, fromFlags, file)}${rest.join('')}`, hint: `${i.hint}${missing}` });
    }
  }
  if (issues.length || !parsed.ok) throw new CliInputError(issues);
  return parsed.data;
}
