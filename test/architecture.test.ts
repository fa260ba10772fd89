import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The rooms of src/ and the only ways between them. This table is the documentation: state flows one way, from
// the pure shared core out to the programs, and nothing reaches back.
const ROOMS: Record<string, { may: string[]; why: string }> = {
  shared: { may: [], why: 'pure: schemas, events, the one reducer, the protocol, errors; no fs, ws or React' },
  workspace: { may: ['shared'], why: 'the on-disk contract: layout, readers of run folders, pipelines, history, atomic writes' },
  client: { may: ['shared', 'workspace'], why: 'how anything reaches a daemon: launcher, connection, feed client, typed requests' },
  daemon: { may: ['shared', 'workspace'], why: 'the engine (the only writer of run folders), the server, slurm' },
  tui: { may: ['shared', 'workspace', 'client'], why: 'Ink components, hooks and selectors' },
  cli: { may: ['shared', 'workspace', 'client', 'daemon', 'tui'], why: 'argument parsing, one file per command' },
};
/** The one file of the TUI that the CLI may import: its entry. */
const TUI_ENTRY = 'src/tui/tui-main.tsx';
/** Packages the pure room must never load: I/O, the network, the screen, processes. */
const IMPURE = /^(node:)?(fs|fs\/promises|child_process|net|http|https|os)$|^(ws|react|ink|chokidar|execa|write-file-atomic)$/;

const ROOT = path.resolve(import.meta.dirname, '..');

interface Edge {
  from: string;
  to: string;
  spec: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.tsx?$/.test(name) ? [file] : [];
  });
}

// Every specifier a file imports: static, re-exported, dynamic and type-only (`typeof import(...)`) alike.
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) specs.push(match[1] as string);
  return specs;
}

const roomOf = (relative: string): string | null => /^src\/([^/]+)\//.exec(relative)?.[1] ?? null;

function resolveRelative(from: string, spec: string): string {
  const target = path.resolve(path.dirname(from), spec);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.tsx'), target]) {
    try {
      if (statSync(candidate).isFile()) return path.relative(ROOT, candidate);
    } catch {
      // try the next spelling
    }
  }
  return path.relative(ROOT, target);
}

function edges(): Edge[] {
  return sourceFiles(path.join(ROOT, 'src')).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8')).map((spec) => ({
      from: path.relative(ROOT, file),
      to: spec.startsWith('.') ? resolveRelative(file, spec) : spec,
      spec,
    })),
  );
}

/** Every import that breaks the table, as `file -> target (why)`. */
export function violations(all: Edge[]): string[] {
  const problems: string[] = [];
  for (const edge of all) {
    const from = roomOf(edge.from);
    if (!from) continue;
    const rule = ROOMS[from];
    if (!rule) {
      problems.push(`${edge.from}: src/${from}/ is not a room of the table`);
      continue;
    }
    if (!edge.spec.startsWith('.')) {
      if (from === 'shared' && IMPURE.test(edge.spec)) problems.push(`${edge.from} -> ${edge.spec} (shared is pure)`);
      continue;
    }
    const to = roomOf(edge.to);
    if (!to) {
      problems.push(`${edge.from} -> ${edge.to} (outside src/)`);
      continue;
    }
    if (to === from) continue;
    if (!rule.may.includes(to)) problems.push(`${edge.from} -> ${edge.to} (${from} may import ${rule.may.join(', ') || 'nothing of ours'})`);
    else if (from === 'cli' && to === 'tui' && edge.to !== TUI_ENTRY) problems.push(`${edge.from} -> ${edge.to} (the CLI reaches the TUI only through ${TUI_ENTRY})`);
  }
  return problems;
}

/** Cycles between rooms, each as `a -> b -> a`. */
export function roomCycles(all: Edge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of all) {
    const from = roomOf(edge.from);
    const to = edge.spec.startsWith('.') ? roomOf(edge.to) : null;
    if (from && to && from !== to) graph.set(from, (graph.get(from) ?? new Set()).add(to));
  }
  const cycles: string[] = [];
  const visit = (room: string, trail: string[]): void => {
    for (const next of graph.get(room) ?? []) {
      if (next === trail[0]) cycles.push([...trail, next].join(' -> '));
      else if (!trail.includes(next)) visit(next, [...trail, next]);
    }
  };
  for (const room of graph.keys()) visit(room, [room]);
  return cycles;
}

describe('architecture: the rooms of src/ and the ways between them', () => {
  const all = edges();

  it('reads the imports of every source file', () => {
    expect(all.length).toBeGreaterThan(300);
    expect(Object.keys(ROOMS).every((room) => all.some((e) => e.from.startsWith(`src/${room}/`)))).toBe(true);
  });

  it('has no import that crosses a room the wrong way', () => {
    expect(violations(all)).toEqual([]);
  });

  it('has no cycle between rooms', () => {
    expect(roomCycles(all)).toEqual([]);
  });

  it('catches a forbidden edge, a TUI import from the CLI other than its entry, and an impure shared import', () => {
    const planted: Edge[] = [
      { from: 'src/tui/App.tsx', to: 'src/daemon/server/daemon-main.ts', spec: '../daemon/server/daemon-main.js' },
      { from: 'src/cli/commands/ls.ts', to: 'src/tui/App.tsx', spec: '../../tui/App.js' },
      { from: 'src/shared/eta.ts', to: 'node:fs', spec: 'node:fs' },
      { from: 'src/workspace/layout.ts', to: 'src/client/feed-client.ts', spec: '../client/feed-client.js' },
    ];
    expect(violations(planted)).toHaveLength(4);
    expect(roomCycles([...planted, { from: 'src/daemon/x.ts', to: 'src/tui/y.ts', spec: '../tui/y.js' }])).not.toEqual([]);
  });

  it('reads dynamic, re-exported, side-effect and type-only imports', () => {
    const text = "import './env.js';\nexport { a } from '../a.js';\nconst b = await import('../b.js');\ntype C = typeof import('../c.js');";
    expect(importsOf(text).sort()).toEqual(['../a.js', '../b.js', '../c.js', './env.js']);
  });
});
