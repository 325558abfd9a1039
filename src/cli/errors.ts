// One mapper from thrown input errors to the CLI's output and exit code 2 (bugs still crash loudly).
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatIssue, InputIssuesError, issuesOf, type InputIssue } from '../core/issues.js';

export const EXIT_BAD_INPUT = 2;

export class CliInputError extends InputIssuesError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'CliInputError';
  }
}

/** The issues a thrown error carries (any layer's input error); an error without issues is a bug and rethrown. */
export const inputIssuesOf = issuesOf;

export function printIssues(issues: InputIssue[]): void {
  for (const issue of issues) process.stderr.write(`error: ${formatIssue(issue)}\n`);
}

/** Runs a command body; input errors print `path: message (fix: hint)` and exit 2. */
export async function runCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (error) {
    const issues = inputIssuesOf(error);
    if (!issues) throw error;
    printIssues(issues);
    process.exitCode = EXIT_BAD_INPUT;
  }
}

/**
 * Checks an output folder before any work is done (so a long run is never lost to a bad --out): it is
 * created when missing; a path that is a file, or one that cannot be created, is bad input.
 */
export function prepareOutDir(dir: string, flag = 'out'): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // missing: created below
  }
  if (!isDir && existsSync(dir)) {
    throw new CliInputError([
      {
        path: flag,
        message: `${dir} exists and is not a folder`,
        hint: `pass --${flag} with a folder path (it is created when missing)`,
      },
    ]);
  }
  try {
    makeFolders(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliInputError([
      {
        path: flag,
        message: `cannot create or write the folder ${dir} (${code})`,
        hint: `pass --${flag} with a writable folder path`,
      },
    ]);
  }
}

/** mkdir -p one level at a time (Node's recursive mkdirSync never returns for some paths, e.g. under /proc). */
function makeFolders(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    makeFolders(parent);
    mkdirSync(dir);
  }
}

/**
 * Commander's own messages (missing or unknown flags, missing arguments) in the CLI's format:
 * `error: <field>: <what is wrong> (fix: <how>)`.
 */
export function formatCommanderError(text: string, command: string): string {
  const line = text
    .replace(/^error:\s*/, '')
    .split('\n')[0]
    .trim();
  const help = `see superfactory ${command} --help`.replace(/\s+--help$/, ' --help');
  let m: RegExpMatchArray | null;
  if ((m = line.match(/^required option '(--([\w-]+)[^']*)' not specified/)))
    return `error: ${m[2]}: required option ${m[1]} not specified (fix: pass ${m[1]}; ${help})\n`;
  if ((m = line.match(/^option '(--([\w-]+)[^']*)' argument missing/)))
    return `error: ${m[2]}: ${m[1]} needs a value (fix: pass ${m[1]}; ${help})\n`;
  if ((m = line.match(/^unknown option '(-{1,2}([^'=]+))[^']*'(?:\s*\(Did you mean (.+)\?\))?/))) {
    return `error: ${m[2]}: unknown option ${m[1]} (fix: ${m[3] ? `did you mean ${m[3]}? ` : ''}${help})\n`;
  }
  if ((m = line.match(/^missing required argument '([^']+)'/)))
    return `error: ${m[1]}: missing required argument <${m[1]}> (fix: ${help})\n`;
  if ((m = line.match(/^unknown command '([^']+)'(?:\s*\(Did you mean (.+)\?\))?/))) {
    return `error: command: unknown command ${m[1]} (fix: ${m[2] ? `did you mean ${m[2]}? ` : ''}${help})\n`;
  }
  if (/^too many arguments/.test(line)) return `error: arguments: ${line} (fix: ${help})\n`;
  return `error: ${command || 'command'}: ${line} (fix: ${help})\n`;
}
