// One mapper from thrown input errors to the CLI's output and exit code 2 (bugs still crash loudly).
import type { InputIssue } from '../fabric/types.js';

export const EXIT_BAD_INPUT = 2;

export class CliInputError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.issues = issues;
  }
}

export function inputIssuesOf(error: unknown): InputIssue[] | undefined {
  if (error && typeof error === 'object' && 'issues' in error && Array.isArray((error as { issues: unknown }).issues)) {
    const issues = (error as { issues: unknown[] }).issues;
    if (issues.every((i) => i && typeof i === 'object' && 'path' in i && 'message' in i)) return issues as InputIssue[];
  }
  return undefined;
}

export function printIssues(issues: InputIssue[]): void {
  for (const issue of issues) process.stderr.write(`error: ${issue.path}: ${issue.message} (fix: ${issue.hint})\n`);
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
