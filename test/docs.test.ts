import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/shared/errors.js';
import { PipelineSpec } from '../src/shared/pipeline-schema.js';

// The user documentation in docs/ keeps up with the code: every error code has its heading, every pipeline key its
// entry, and no link leads out of the repository or to a file that is not there.

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

// Every .ts/.tsx file under src/, walked afresh so that files may move between folders.
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** ERROR_CODES, plus every quoted `ERR_…` literal in the sources (Slurm's codes, for one, live beside their executor). */
function errorCodes(): Set<string> {
  const codes = new Set<string>(ERROR_CODES);
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/['"`](ERR_[A-Z0-9_]+)['"`]/g)) codes.add(match[1] as string);
  }
  return codes;
}

const errorHeadings = (): Set<string> => new Set([...read('docs/errors.md').matchAll(/^### (ERR_[A-Z0-9_]+)[ \t]*$/gm)].map((m) => m[1] as string));

// The zod 4 schema, walked through its definitions: each key of an object is a path. Top-level keys and the keys of
// a stage are plain (`name`, `timeout`); a key nested in another is dotted from it (`retries.attempts`,
// `slurm.partition`, `notify.webhook`); a map's own keys are `<name>` (`params.<name>.default`). docs/pipelines.md
// states the same convention.
type ZodLike = { _zod: { def: Record<string, unknown> & { type: string } } };

function pipelineKeys(): Set<string> {
  const keys = new Set<string>();
  const walk = (schema: ZodLike, at: string[]): void => {
    const def = schema._zod.def;
    const next = (child: unknown, pathTo: string[] = at): void => walk(child as ZodLike, pathTo);
    switch (def.type) {
      case 'object':
        for (const [key, child] of Object.entries(def.shape as Record<string, ZodLike>)) {
          // A stage's keys are written as plainly as the top level's.
          const pathTo = at.length === 1 && at[0] === 'stages' ? [key] : [...at, key];
          keys.add(pathTo.join('.'));
          next(child, pathTo);
        }
        return;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'nonoptional':
      case 'readonly':
      case 'catch':
        return next(def.innerType);
      case 'array':
        return next(def.element);
      case 'union':
        return (def.options as ZodLike[]).forEach((option) => next(option));
      case 'pipe':
        next(def.in);
        return next(def.out);
      case 'record':
        return next(def.valueType, [...at, '<name>']);
      case 'intersection':
        next(def.left);
        return next(def.right);
      case 'lazy':
        return next((def.getter as () => unknown)());
      default:
        return; // a leaf: string, number, enum, transform…
    }
  };
  walk(PipelineSpec as unknown as ZodLike, []);
  return keys;
}

/** Keys named in backticks on a heading or a table row of docs/pipelines.md. */
function documentedKeys(): Set<string> {
  const named = new Set<string>();
  for (const line of read('docs/pipelines.md').split('\n')) {
    if (!/^(#{1,6} |\|)/.test(line)) continue;
    for (const match of line.matchAll(/`([^`]+)`/g)) named.add(match[1] as string);
  }
  return named;
}

describe('docs/errors.md', () => {
  it('has a heading `### ERR_X` for every error code in the code', () => {
    const codes = errorCodes();
    // The walk found the sources: codes outside ERROR_CODES (Slurm's) are among them.
    expect(codes.has('ERR_SLURM_NODE_FAIL')).toBe(true);
    const headings = errorHeadings();
    const missing = [...codes].filter((code) => !headings.has(code)).sort();
    expect(missing, `codes without a "### ERR_…" heading in docs/errors.md: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents no code the code does not have', () => {
    const codes = errorCodes();
    const stale = [...errorHeadings()].filter((code) => !codes.has(code)).sort();
    expect(stale, `headings in docs/errors.md for codes found nowhere in src/: ${stale.join(', ')}`).toEqual([]);
  });
});

describe('docs/pipelines.md', () => {
  it('names every key the pipeline schema accepts, in backticks on a heading or table row', () => {
    const keys = pipelineKeys();
    // The walk reached every level: top, stage, nested, and a map's entries.
    for (const key of ['name', 'stages', 'id', 'timeout', 'retries.attempts', 'slurm.partition', 'notify.webhook', 'params.<name>.default']) {
      expect(keys.has(key), `the schema walk did not find ${key}`).toBe(true);
    }
    const named = documentedKeys();
    const missing = [...keys].filter((key) => !named.has(key)).sort();
    expect(missing, `pipeline keys not documented in docs/pipelines.md: ${missing.join(', ')}`).toEqual([]);
  });

  it('gives headings only to keys the schema accepts', () => {
    const keys = pipelineKeys();
    const headings = [...read('docs/pipelines.md').matchAll(/^#{1,6} `([^`]+)`[ \t]*$/gm)].map((m) => m[1] as string);
    const unknown = headings.filter((key) => !keys.has(key));
    expect(unknown, `headings in docs/pipelines.md naming no schema key: ${unknown.join(', ')}`).toEqual([]);
  });
});

// GitHub's anchors: lower case, punctuation dropped (but - and _), spaces as -, repeats numbered.
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = (match[1] as string).toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

// Fenced blocks and code spans hold examples, not links or headings: blanked out, line count kept.
const withoutFences = (markdown: string): string =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
const withoutCode = (markdown: string): string => withoutFences(markdown).replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));

function linkProblems(file: string): string[] {
  const source = path.join(ROOT, file);
  const text = withoutCode(readFileSync(source, 'utf8'));
  const targets = [
    ...[...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1] as string),
    ...[...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm)].map((m) => m[1] as string),
  ];
  const problems: string[] = [];
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) {
      problems.push(`${target}: leaves the repository`);
      continue;
    }
    const [filePart = '', anchor] = target.split('#');
    const resolved = filePart === '' ? source : filePart.startsWith('/') ? path.join(ROOT, filePart) : path.resolve(path.dirname(source), decodeURI(filePart));
    const inside = path.relative(ROOT, resolved);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      problems.push(`${target}: leaves the repository`);
    } else if (!existsSync(resolved)) {
      problems.push(`${target}: no such file`);
    } else if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
      problems.push(`${target}: no heading #${anchor} in ${inside}`);
    }
  }
  return problems;
}

const markdownFiles = ['README.md', ...(existsSync(DOCS) ? readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`) : [])];

describe('links in README.md and docs/', () => {
  it('finds the docs', () => {
    expect(markdownFiles).toContain('docs/errors.md');
  });

  for (const file of markdownFiles) {
    it(`${file} links only to files inside the repository that exist`, () => {
      const problems = linkProblems(file);
      expect(problems, `${file}: ${problems.join('; ')}`).toEqual([]);
    });
  }
});
