// The scale benchmark's workspaces: N finished runs of a real five-stage pipeline, with the runs index and the
// history index a daemon that ran them would have left. Made once and cached under the OS temp dir (keyed by size
// and FORMAT), reused by later bench runs and by every figure of one run. Not a benchmark itself.
//
// How: the pipeline runs twice for real with the built CLI (`run --foreground`), once succeeding and once failing
// at its third stage; each of the N runs is a copy of one of those two folders under a new run id, created at its
// own moment of the past year. metadata.json, events.ndjson and the error entity are the template's text with the
// run id and every timestamp replaced (the times shifted by the copy's age); the stage logs, which name neither,
// are hard links. Then `.pipe-tui/runs.ndjson` gets one line per run, oldest first, as a compaction leaves it
// (`indexLineText(indexEntryOf(run))` of each copy's metadata.json), and `.pipe-tui/history.ndjson` each stage's
// last KEEP_PER_STAGE records, oldest end first, as the daemon keeps it.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { type HistoryRecord, stageRecord } from '../src/shared/history-record.js';
import type { RunMetadata } from '../src/shared/metadata-schema.js';
import { indexEntryOf, indexLineText } from '../src/shared/run-index-entry.js';
import { KEEP_PER_STAGE, keepRecent } from '../src/workspace/history-index.js';
import { CLI_BIN, monotonicMs, removeDeadBuilds } from './bench-helpers.js';

/** Bump when what a scale workspace holds changes: older caches are then left alone and new ones made. */
export const SCALE_FORMAT = 2;
export const SCALE_PIPELINE = 'scale';
/** Sizes the bench knows; `PIPE_TUI_BENCH_SCALE=0,10000,100000` picks among any whole numbers. */
export const DEFAULT_SIZES = [0, 10_000, 100_000];
/** One run in this many fails (at its third stage); the rest succeed. */
const FAIL_ONE_IN = 10;
const YEAR_MS = 365 * 24 * 3_600_000;
/** A log file is linked at most this many times (ext4 allows 65 000 links to an inode): a fresh copy after. */
const LINKS_PER_SOURCE = 10_000;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** The pipeline file: five `sh -c` stages printing a few lines; `-p fail=yes` makes the third fail. */
export const SCALE_PIPELINE_TEXT = `${JSON.stringify(
  {
    name: SCALE_PIPELINE,
    description: 'five short shell stages (the scale benchmark)',
    params: { fail: { default: 'no' } },
    stages: [
      { id: 'fetch', run: 'for i in 1 2 3 4; do echo "fetch: item $i of 4"; done; echo "::pipe:progress 4/4 fetched"' },
      { id: 'parse', run: 'echo "parsing 4 items"; echo "item 1 ok"; echo "item 2 ok"; echo "item 3 ok"; echo "item 4 ok"' },
      { id: 'transform', run: 'echo "transforming"; if [ "$PIPE_PARAM_FAIL" = yes ]; then echo "transform: bad input in item 3" >&2; exit 3; fi; echo "4 items transformed"' },
      { id: 'summarize', run: 'echo "summarizing"; echo "words: 1234"; echo "sentences: 56"' },
      { id: 'publish', run: 'echo "publishing"; echo "published to out/"; echo done' },
    ],
  },
  null,
  2,
)}\n`;

export interface ScaleWorkspace {
  size: number;
  /** The workspace folder (the cache's own: measure in it, change nothing but what a daemon changes). */
  ws: string;
  /** Run ids, newest first. */
  ids: string[];
  failed: number;
  /** Seconds it took to make (now or when it was cached). */
  madeSeconds: number;
  /** True when this bench run made it; false when it came from the cache. */
  madeNow: boolean;
}

interface Manifest {
  format: number;
  size: number;
  made_at: string;
  made_seconds: number;
  failed: number;
  /** Newest first. */
  ids: string[];
}

/** The sizes asked for by PIPE_TUI_BENCH_SCALE (comma-separated whole numbers), else DEFAULT_SIZES. */
export function scaleSizes(): number[] {
  const text = process.env.PIPE_TUI_BENCH_SCALE?.trim();
  if (!text) return DEFAULT_SIZES;
  const sizes = text.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  const bad = sizes.find((n) => !Number.isInteger(n) || n < 0);
  if (bad !== undefined) throw new Error(`PIPE_TUI_BENCH_SCALE takes whole numbers ≥ 0, comma-separated; got ${JSON.stringify(text)}`);
  return [...new Set(sizes)];
}

const cacheRoot = (size: number): string => path.join(os.tmpdir(), `pipe-tui-bench-scale-v${SCALE_FORMAT}-${size}`);

const made = new Map<number, Promise<ScaleWorkspace>>();

/** The workspace of `size` finished runs: from this run's memory, the cache, or made now (and cached). */
export function scaleWorkspace(size: number, log: (text: string) => void = () => undefined): Promise<ScaleWorkspace> {
  let pending = made.get(size);
  if (!pending) {
    pending = cachedOrMade(size, log);
    made.set(size, pending);
    pending.catch(() => made.delete(size));
  }
  return pending;
}

async function cachedOrMade(size: number, log: (text: string) => void): Promise<ScaleWorkspace> {
  const root = cacheRoot(size);
  const cached = readCache(root, size);
  if (cached) return cached;
  if (existsSync(root)) rmSync(root, { recursive: true, force: true }); // a cache that fails its check
  removeDeadBuilds(cacheRoot(size));
  const building = `${root}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const start = monotonicMs();
  log(`making the ${size.toLocaleString('en-US')}-run workspace in ${root}…`);
  try {
    const manifest = await build(building, size, start);
    writeFileSync(path.join(building, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
    renameSync(building, root);
    log(`made the ${size.toLocaleString('en-US')}-run workspace in ${manifest.made_seconds.toFixed(1)} s`);
    return { size, ws: path.join(root, 'ws'), ids: manifest.ids, failed: manifest.failed, madeSeconds: manifest.made_seconds, madeNow: true };
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}

function readCache(root: string, size: number): ScaleWorkspace | null {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.format !== SCALE_FORMAT || manifest.size !== size || manifest.ids.length !== size) return null;
    const ws = path.join(root, 'ws');
    // The folders still all there (a cheap readdir; an `rm` of some makes it be made again).
    if (readdirSync(path.join(ws, 'runs')).length !== size) return null;
    return { size, ws, ids: manifest.ids, failed: manifest.failed, madeSeconds: manifest.made_seconds, madeNow: false };
  } catch {
    return null;
  }
}

// ---- the template runs ----------------------------------------------------------------------------------------

type Part = string | { ts: number } | { id: true };

/** A file's text with the run id and every timestamp cut out, to be filled in for each copy. */
interface TextTemplate {
  name: string;
  parts: Part[];
}

interface RunTemplate {
  status: 'succeeded' | 'failed';
  texts: TextTemplate[];
  /** Paths under the run folder (logs/NN_x.log) linked, not rewritten. */
  links: string[];
  dir: string;
}

const ISO_OR_ID = (runId: string): RegExp => new RegExp(`(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z)|(${runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`, 'g');

function templateOf(name: string, text: string, runId: string, createdMs: number): TextTemplate {
  const parts: Part[] = [];
  const re = ISO_OR_ID(runId);
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(text.slice(last, m.index));
    parts.push(m[1] ? { ts: Date.parse(m[1]) - createdMs } : { id: true });
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return { name, parts };
}

function render(t: TextTemplate, runId: string, createdMs: number): string {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') out += p;
    else if ('ts' in p) out += new Date(createdMs + p.ts).toISOString();
    else out += runId;
  }
  return out;
}

/** Runs the pipeline for real with the built CLI in a scratch workspace: one run that succeeds, one that fails. */
async function templateRuns(scratch: string): Promise<{ ok: RunTemplate; bad: RunTemplate }> {
  mkdirSync(path.join(scratch, 'pipelines'), { recursive: true });
  writeFileSync(path.join(scratch, 'pipelines', `${SCALE_PIPELINE}.yaml`), SCALE_PIPELINE_TEXT);
  const run = async (params: string[], want: number): Promise<string> => {
    const args = [process.env.PIPE_TUI_BENCH_BIN ? path.resolve(process.env.PIPE_TUI_BENCH_BIN) : CLI_BIN, 'run', SCALE_PIPELINE, '--foreground', '--workspace', scratch, ...params];
    const r = await execa(process.execPath, args, { reject: false, env: { NO_COLOR: '1' } });
    const id = /^run (\S+) /m.exec(String(r.stdout))?.[1];
    if (r.exitCode !== want || !id) throw new Error(`node ${args.join(' ')} exited ${r.exitCode} (wanted ${want}):\n${String(r.stdout)}\n${String(r.stderr)}`);
    return id;
  };
  const okId = await run([], 0);
  const badId = await run(['-p', 'fail=yes'], 1);
  return { ok: readTemplate(scratch, okId, 'succeeded'), bad: readTemplate(scratch, badId, 'failed') };
}

function readTemplate(ws: string, runId: string, status: RunTemplate['status']): RunTemplate {
  const dir = path.join(ws, 'runs', runId);
  const metadataText = readFileSync(path.join(dir, 'metadata.json'), 'utf8');
  const metadata = JSON.parse(metadataText) as RunMetadata;
  if (metadata.status !== status) throw new Error(`template run ${runId} is ${metadata.status}, wanted ${status}`);
  const created = Date.parse(metadata.created_at);
  const texts: TextTemplate[] = [];
  const links: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'logs') {
      for (const log of readdirSync(path.join(dir, 'logs')).sort()) {
        const rel = path.join('logs', log);
        if (readFileSync(path.join(dir, rel), 'utf8').includes(runId)) throw new Error(`template log ${rel} names the run: it cannot be linked`);
        links.push(rel);
      }
    } else {
      texts.push(templateOf(name, readFileSync(path.join(dir, name), 'utf8'), runId, created));
    }
  }
  // metadata.json last, as the recorder leaves it after its events.
  texts.sort((a, b) => Number(a.name === 'metadata.json') - Number(b.name === 'metadata.json'));
  return { status, texts, links, dir };
}

// ---- the copies --------------------------------------------------------------------------------------------------

/** A small seeded generator, so a size's mix of statuses is the same each time it is made. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A run id as the daemon makes them (run-id.ts): UTC to the millisecond, then 6 random base-36 characters. */
function runIdAt(ms: number, suffixes: Set<string>): string {
  const iso = new Date(ms).toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}-${iso.slice(20, 23)}`;
  for (;;) {
    let suffix = '';
    for (const b of randomBytes(6)) suffix += (b % 36).toString(36);
    // Distinct short ids, so a screen showing one names one run.
    if (suffixes.has(suffix)) continue;
    suffixes.add(suffix);
    return `${stamp}-${suffix}`;
  }
}

async function build(root: string, size: number, start: number): Promise<Manifest> {
  const ws = path.join(root, 'ws');
  const runs = path.join(ws, 'runs');
  const state = path.join(ws, '.pipe-tui');
  mkdirSync(path.join(ws, 'pipelines'), { recursive: true, mode: DIR_MODE });
  mkdirSync(runs, { mode: DIR_MODE });
  mkdirSync(state, { mode: DIR_MODE });
  writeFileSync(path.join(ws, 'pipelines', `${SCALE_PIPELINE}.yaml`), SCALE_PIPELINE_TEXT);

  const scratch = await mkdtemp(path.join(root, 'template-'));
  const { ok, bad } = await templateRuns(scratch);

  // Sources for the hard links, a fresh copy every LINKS_PER_SOURCE runs.
  let sources: { ok: string; bad: string } | null = null;
  const sourceFor = (i: number): { ok: string; bad: string } => {
    if (i % LINKS_PER_SOURCE === 0 || !sources) {
      const dir = path.join(root, 'link-sources', String(i / LINKS_PER_SOURCE));
      const copy = (t: RunTemplate, to: string): void => {
        mkdirSync(path.join(to, 'logs'), { recursive: true });
        for (const rel of t.links) writeFileSync(path.join(to, rel), readFileSync(path.join(t.dir, rel)), { mode: FILE_MODE });
      };
      copy(ok, path.join(dir, 'ok'));
      copy(bad, path.join(dir, 'bad'));
      sources = { ok: path.join(dir, 'ok'), bad: path.join(dir, 'bad') };
    }
    return sources;
  };

  const random = mulberry32(size * 7919 + SCALE_FORMAT);
  const suffixes = new Set<string>();
  const spacing = YEAR_MS / Math.max(1, size);
  const newest = Date.now() - 3_600_000;
  const ids: string[] = [];
  const indexLines: string[] = [];
  const history: HistoryRecord[] = [];
  const historyCount = new Map<string, number>();
  let failed = 0;

  // Newest first: ids come out in the order the bench wants them, and the history needs only the newest runs.
  for (let i = 0; i < size; i++) {
    const created = Math.round(newest - i * spacing - random() * spacing * 0.5);
    const runId = runIdAt(created, suffixes);
    const template = random() < 1 / FAIL_ONE_IN ? bad : ok;
    if (template === bad) failed++;
    const dir = path.join(runs, runId);
    mkdirSync(dir, { mode: DIR_MODE });
    mkdirSync(path.join(dir, 'logs'), { mode: DIR_MODE });
    const source = template === bad ? sourceFor(i).bad : sourceFor(i).ok;
    for (const rel of template.links) linkSync(path.join(source, rel), path.join(dir, rel));
    let metadataText = '';
    for (const t of template.texts) {
      const text = render(t, runId, created);
      writeFileSync(path.join(dir, t.name), text, { mode: FILE_MODE });
      if (t.name === 'metadata.json') metadataText = text;
    }
    const run = JSON.parse(metadataText) as RunMetadata;
    indexLines.push(indexLineText(indexEntryOf(run), true));
    for (const stage of run.stages) {
      const key = stage.id;
      if ((historyCount.get(key) ?? 0) >= KEEP_PER_STAGE) continue;
      const record = stageRecord(run, stage);
      if (!record) continue;
      history.push(record);
      historyCount.set(key, (historyCount.get(key) ?? 0) + 1);
    }
    ids.push(runId);
  }

  // The runs index as a compaction leaves it: one line a run, oldest first.
  writeChunked(path.join(state, 'runs.ndjson'), indexLines.reverse());
  // The history index as the daemon keeps it: each stage's last KEEP_PER_STAGE, oldest end first.
  history.sort((a, b) => a.ended_at.localeCompare(b.ended_at));
  writeChunked(path.join(state, 'history.ndjson'), keepRecent(history).map((r) => `${JSON.stringify(r)}\n`));

  rmSync(scratch, { recursive: true, force: true });
  return { format: SCALE_FORMAT, size, made_at: new Date().toISOString(), made_seconds: (monotonicMs() - start) / 1000, failed, ids };
}

function writeChunked(file: string, lines: string[]): void {
  const fd = openSync(file, 'w', FILE_MODE);
  try {
    for (let i = 0; i < lines.length; i += 2000) writeSync(fd, lines.slice(i, i + 2000).join(''));
  } finally {
    closeSync(fd);
  }
}

// `node --import tsx bench/scale-workspace.ts [SIZE…]`: makes (or finds) the workspaces and prints where they are.
if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : scaleSizes();
  for (const size of sizes) {
    const s = await scaleWorkspace(size, (t) => console.log(t));
    console.log(`${size}: ${s.ws} (${s.failed} failed; ${s.madeNow ? 'made' : 'cached, made'} in ${s.madeSeconds.toFixed(1)} s)`);
  }
}
