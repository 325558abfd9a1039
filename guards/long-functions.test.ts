// Size guard (issue 9): no function in src/ or web/src over 80 lines unless a comment line directly above it
// says why ("long because ..."). Parsed with the TypeScript compiler API, so strings and comments cannot fool it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 80;
const ROOTS = ['src', 'web/src'];
const REASON = /long because/i;

// Long functions not split yet, each with its owner: the test fails on any other long function, and on an entry
// that no longer trips (delete it then), so the list only shrinks.
const KNOWN: Record<string, string> = {};

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n).split(path.sep).join('/');
    if (statSync(p).isDirectory()) return files(p);
    return /\.tsx?$/.test(p) && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

type FnNode = ts.FunctionLikeDeclaration;

function isFunction(n: ts.Node): n is FnNode {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

/** The name a reader would search for: the declaration's own name, or the variable/property it is assigned to. */
function nameOf(fn: FnNode): string {
  if (ts.isConstructorDeclaration(fn)) return 'constructor';
  if (fn.name && (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name))) return fn.name.text;
  const p = fn.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isCallExpression(p)) return `<callback of ${p.expression.getText().slice(0, 40)}>`;
  return '<anonymous>';
}

/** The node whose first line the reason comment sits above: the statement, class member or property holding fn. */
function anchorOf(fn: FnNode): ts.Node {
  let n: ts.Node = fn;
  while (
    n.parent &&
    !ts.isSourceFile(n.parent) &&
    !ts.isBlock(n.parent) &&
    !ts.isClassLike(n.parent) &&
    !ts.isObjectLiteralExpression(n.parent) &&
    !ts.isCallExpression(n.parent)
  ) {
    n = n.parent;
  }
  return n;
}

/** True when a comment line directly above `line` (0-based; contiguous comment lines only) gives the reason. */
function hasReason(lines: string[], line: number): boolean {
  for (let i = line - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (!/^(\/\/|\/\*|\*)/.test(t)) return false;
    if (REASON.test(t)) return true;
  }
  return false;
}

export interface LongFunction {
  key: string;
  lines: number;
}

/** Every function over MAX_LINES lines in one source text that has no reason comment above it. */
export function longFunctions(file: string, text: string): LongFunction[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const out: LongFunction[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunction(n) && n.body) {
      const start = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const anchor = sf.getLineAndCharacterOfPosition(anchorOf(n).getStart(sf)).line;
      if (end - start + 1 > MAX_LINES && !hasReason(lines, anchor)) {
        out.push({ key: `${file}:${nameOf(n)}`, lines: end - start + 1 });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('long functions', () => {
  it('the scanner finds a long function, and accepts it with a reason comment', () => {
    const body = Array.from({ length: MAX_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const fn = `export function big(): void {\n${body}\n}\n`;
    expect(longFunctions('x.ts', fn)).toEqual([{ key: 'x.ts:big', lines: MAX_LINES + 2 }]);
    expect(longFunctions('x.ts', `// Long because it is one flat table.\n${fn}`)).toEqual([]);
    // A reason separated from the function by a blank line does not count.
    expect(longFunctions('x.ts', `// Long because it is one flat table.\n\n${fn}`)).toHaveLength(1);
    const arrow = `const f = (a: number) => {\n${body}\n};\n`;
    expect(longFunctions('y.ts', arrow).map((f) => f.key)).toEqual(['y.ts:f']);
    expect(longFunctions('y.ts', `/**\n * Long because of one literal.\n */\n${arrow}`)).toEqual([]);
    const short = `function s(): void {\n  return;\n}\n`;
    expect(longFunctions('z.ts', short)).toEqual([]);
  });

  it(`no function in ${ROOTS.join(' or ')} is over ${MAX_LINES} lines without a "long because" comment`, () => {
    const found = ROOTS.flatMap(files).flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')));
    const unknown = found.filter((f) => !(f.key in KNOWN)).map((f) => `${f.key} (${f.lines} lines)`);
    expect(unknown, 'split these, or write why directly above: // Long because ...').toEqual([]);
    const keys = new Set(found.map((f) => f.key));
    const stale = Object.keys(KNOWN).filter((k) => !keys.has(k));
    expect(stale, 'fixed: delete these entries from KNOWN').toEqual([]);
  });
});
