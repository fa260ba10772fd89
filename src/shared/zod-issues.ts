import type * as z from 'zod';

// One line per problem, `stages.1.run: required`, so a user can find each in the file without a stack trace.
// Given the schema, an unknown key says which known key it is likely a typo of, at the level where it stands.
export function formatIssues(error: z.ZodError, schema?: z.ZodType): string[] {
  return error.issues.flatMap((issue) => issueLines(issue, [], schema));
}

function issueLines(issue: z.core.$ZodIssue, prefix: PropertyKey[], schema: z.ZodType | undefined): string[] {
  const at = [...prefix, ...issue.path];
  // An unknown key is named where it stands, `stages.2.retires: unknown key`, which is where the typo is.
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${pathOf([...at, key])}: unknown key${didYouMean(schema, at, key)}`);
  if (issue.code === 'invalid_union') {
    // The branch that took the value for its type, if it refused it only for a key: its problems, each where it is.
    const branch = issue.errors.find((b) => b.some((i) => i.code === 'unrecognized_keys'));
    if (branch) return branch.flatMap((inner) => issueLines(inner, at, schema));
  }
  return [`${pathOf(at)}: ${describeIssue(issue)}`];
}

const pathOf = (path: PropertyKey[]): string => (path.length > 0 ? path.map(String).join('.') : '(root)');

function describeIssue(issue: z.core.$ZodIssue): string {
  if (isMissing(issue)) return 'required';
  if (issue.code === 'invalid_union') {
    // Of a union's reasons, the one that is not just "wrong type" says most (a bad duration, a bad code).
    const inner = issue.errors.flat().find((i) => i.code !== 'invalid_type');
    if (inner) return describeIssue(inner);
  }
  return issue.message;
}

// zod reports an absent field as a type mismatch against undefined, for each branch of a union.
function isMissing(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined');
  if (issue.code === 'invalid_union') return issue.errors.length > 0 && issue.errors.flat().every(isMissing);
  return false;
}

/** Names other tools use for what a key here is called: `command:` in a stage is its `run:`. */
const OTHER_NAMES: Record<string, string> = { command: 'run', cmd: 'run', script: 'run', shell: 'run' };

function didYouMean(schema: z.ZodType | undefined, at: PropertyKey[], key: string): string {
  if (!schema) return '';
  const known = keysAt(schema, at);
  const alias = OTHER_NAMES[key];
  if (alias && known.includes(alias)) return ` (did you mean ${alias}?)`;
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

// zod's own description of a schema, read to find the keys an object at a path takes. Wrappers (optional, default,
// a transform's input) and every branch of a union are looked through.
type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; valueType?: z.ZodType };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(unwrap);
  return [schema];
}

function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let here = unwrap(schema);
  for (const step of path) {
    here = here.flatMap((s) => {
      const def = defOf(s);
      if (def.type === 'object' && typeof step === 'string' && def.shape?.[step]) return unwrap(def.shape[step]);
      if (def.type === 'array' && def.element && typeof step === 'number') return unwrap(def.element);
      if (def.type === 'record' && def.valueType) return unwrap(def.valueType);
      return [];
    });
  }
  return [...new Set(here.flatMap((s) => Object.keys(defOf(s).type === 'object' ? (defOf(s).shape ?? {}) : {})))];
}

// Edits from one word to the other, a swap of two neighbours counting as one (`retires` is one from `retries`).
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
