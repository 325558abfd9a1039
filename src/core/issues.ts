// Bad input as data: {path, message, hint}, and the one conversion of zod errors into that form.
// Every layer reports input problems this way; the CLI prints them and exits 2, the API answers 4xx with them.

export interface InputIssue {
  /** Where: a field path such as sites[1].pods[0].racks, a flag such as gpus, or "file: path". */
  path: string;
  /** What is wrong, naming the value. */
  message: string;
  /** The fix, e.g. "pass --gpus N". */
  hint: string;
}

/** `path: message (fix: hint)`, the one-line form the CLI prints. */
export function formatIssue(issue: InputIssue): string {
  return `${issue.path}: ${issue.message} (fix: ${issue.hint})`;
}

/** An error carrying issues; layers may subclass it (its `issues` are what the edges print). */
export class InputIssuesError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[], message?: string) {
    super(message ?? issues.map(formatIssue).join('; '));
    this.name = 'InputIssuesError';
    this.issues = issues;
  }
}

/** The issues an error carries, if it carries any (any error class with an `issues` array of InputIssue). */
export function issuesOf(error: unknown): InputIssue[] | undefined {
  if (!error || typeof error !== 'object' || !('issues' in error)) return undefined;
  const issues = (error as { issues: unknown }).issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  const ok = issues.every(
    (i) => i !== null && typeof i === 'object' && typeof i.path === 'string' && typeof i.message === 'string',
  );
  return ok ? (issues as InputIssue[]) : undefined;
}

/** `['sites', 1, 'pods', 0, 'system']` -> `sites[1].pods[0].system`; an empty path is `root`. */
export function formatPath(path: readonly PropertyKey[], root = '(root)'): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? root : out;
}

/**
 * A prefix and a path: "jobs" + [3, 'gpus'] -> "jobs[3].gpus", "model" + ['layers'] -> "model.layers";
 * a prefix ending in a space or ':' (a file or flag, "scenario.yaml: ", "--synthetic ") is put in front as it is.
 */
export function prefixPath(prefix: string | undefined, path: readonly PropertyKey[], root = '(root)'): string {
  if (!prefix) return formatPath(path, root);
  if (/[\s:]$/.test(prefix)) return prefix + formatPath(path, root);
  if (path.length === 0) return prefix;
  return formatPath([prefix, ...path]);
}

/** The fields of a zod 4 issue this conversion reads (structural, so core does not import zod). */
export interface ZodIssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  input?: unknown;
  expected?: string;
  values?: readonly unknown[];
  keys?: readonly string[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
}

export interface ZodIssuesOptions {
  /** Put in front of every path (see prefixPath). */
  pathPrefix?: string;
  /** The path of an issue about the whole value when there is no prefix (default "(root)"). */
  root?: string;
  /**
   * Hints by field name: the last string segment of the path is looked up first, then the ones above it.
   * Or a function of the raw path (e.g. keyed by the top-level field).
   */
  hints?: Readonly<Record<string, string>> | ((path: readonly PropertyKey[]) => string | undefined);
  /** The hint when no field hint applies. */
  defaultHint?: string;
  /**
   * Rewrite zod's messages to name the value ("expected number, got \"x\"", "missing required field").
   * Needs the parse to run with `{ reportInput: true }`: without it a missing field cannot be told from a wrong type.
   */
  friendly?: boolean;
  /** Hint for unknown keys (friendly mode), e.g. where the format is documented. */
  unknownKeysHint?: (keys: readonly string[]) => string;
}

const DEFAULT_HINT = 'see the documentation of this input for its format';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function fieldHint(path: readonly PropertyKey[], hints: ZodIssuesOptions['hints']): string | undefined {
  if (!hints) return undefined;
  if (typeof hints === 'function') return hints(path);
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    if (typeof seg === 'string' && Object.hasOwn(hints, seg)) return hints[seg];
  }
  return undefined;
}

function lastField(path: readonly PropertyKey[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

/** The friendly message and hint of one issue (the fabric loader's wording). */
function friendlyIssue(zi: ZodIssueLike, path: string, hint: string | undefined, o: ZodIssuesOptions): InputIssue {
  const field = lastField(zi.path);
  const fallback = hint ?? o.defaultHint ?? DEFAULT_HINT;
  switch (zi.code) {
    case 'invalid_type':
      if ('input' in zi && zi.input === undefined) {
        return {
          path,
          message: `missing required field "${field || path}"`,
          hint: `add ${field || path}: ${hint ?? `a ${zi.expected ?? 'value'}`}`,
        };
      }
      if (zi.expected === 'int' && typeof zi.input === 'number')
        return { path, message: `${describe(zi.input)} is not a whole number`, hint: hint ?? 'use a whole number' };
      return {
        path,
        message: `expected ${zi.expected ?? 'another type'}, got ${'input' in zi ? describe(zi.input) : 'another type'}`,
        hint: hint ?? `set ${path} to a ${zi.expected ?? 'valid value'}`,
      };
    case 'invalid_value': {
      const options = (zi.values ?? []).map(String).join(', ');
      return { path, message: `${describe(zi.input)} is not allowed`, hint: `use one of: ${options}` };
    }
    case 'too_small':
    case 'too_big': {
      const small = zi.code === 'too_small';
      const bound = small ? zi.minimum : zi.maximum;
      if (zi.origin === 'array') {
        const n = Number(bound);
        return {
          path,
          message: small ? `needs at least ${n} item${n === 1 ? '' : 's'}` : `has more than ${n} items`,
          hint: hint ?? `give ${small ? 'at least' : 'at most'} ${n}`,
        };
      }
      const cmp = small ? (zi.inclusive ? '>=' : '>') : zi.inclusive ? '<=' : '<';
      return {
        path,
        message: `${describe(zi.input)} is out of range: must be ${cmp} ${String(bound)}`,
        hint: hint ?? `use a value ${cmp} ${String(bound)}`,
      };
    }
    case 'invalid_format':
      return { path, message: `${describe(zi.input)} has the wrong format`, hint: hint ?? zi.message };
    case 'unrecognized_keys': {
      const keys = zi.keys ?? [];
      return {
        path,
        message: `unknown field${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`,
        hint: o.unknownKeysHint?.(keys) ?? `remove or rename ${keys.join(', ')} (check the spelling)`,
      };
    }
    default:
      return { path, message: zi.message, hint: fallback };
  }
}

/**
 * The one zod -> issues conversion. `options` may be just a path prefix. Paths read like code
 * (`sites[1].pods[0].racks`); hints come from `hints` by field name, else `defaultHint`.
 */
export function zodIssues(
  error: { readonly issues: readonly ZodIssueLike[] },
  options: string | ZodIssuesOptions = {},
): InputIssue[] {
  const o: ZodIssuesOptions = typeof options === 'string' ? { pathPrefix: options } : options;
  return error.issues.map((zi) => {
    const path = prefixPath(o.pathPrefix, zi.path, o.root);
    const hint = fieldHint(zi.path, o.hints);
    if (o.friendly) return friendlyIssue(zi, path, hint, o);
    return { path, message: zi.message, hint: hint ?? o.defaultHint ?? DEFAULT_HINT };
  });
}
