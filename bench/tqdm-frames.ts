import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { METADATA_FILE } from '../src/workspace/layout.js';
import type { RunMetadata } from '../src/shared/metadata-schema.js';
import {
  type BenchResult,
  type InProcessRun,
  countByte,
  headAndTail,
  median,
  nodeFloorFigures,
  pause,
  rawNodePipe,
  runInProcess,
  runProcessOk,
  runsNote,
  shQuote,
  stageLog,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';

const FRAMES = 1_000_000;
const REPS = 5;
const GOAL_RATIO = 1.5;
const RETURN = 0x0d;

// A tqdm bar as tqdm draws it (tqdm/std.py format_meter, a 10-cell bar): `\r` and the whole frame, numbers
// changing every frame. The clock is made up from the count, so two runs write the very same bytes and a file
// the shell wrote can be compared with the stage's log. Arguments are key=value:
//   fd=2         where the frames go (tqdm's default is stderr)
//   total=N      frames per bar;  bars=B  bars, each ended by `\n` (tqdm's close) unless newline=0
//   bytes=N      stop as soon as this many bytes are written (a bar still running: no `\n` after it)
//   batch=N      0: one write per frame, as tqdm does (it flushes each frame); else write about N bytes at a time
//   desc=TEXT    tqdm's `desc: ` prefix (bars > 1: `epoch K`)
//   report=1     at the end, one JSON line {bytes, frames, last} on stderr (the frames then go to fd=1)
export const TQDM_GENERATOR_JS = `
import { writeSync } from 'node:fs';
const o = Object.fromEntries(process.argv.slice(2).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const fd = Number(o.fd ?? 2), total = Number(o.total), bars = Number(o.bars ?? 1), maxBytes = Number(o.bytes ?? Infinity);
const batch = Number(o.batch ?? 0), newline = o.newline !== '0';
const BLOCKS = ' ▏▎▍▌▋▊▉';
const two = (n) => String(n).padStart(2, '0');
const clock = (s) => { s = Math.floor(s); const h = Math.floor(s / 3600); return (h ? h + ':' : '') + two(Math.floor(s / 60) % 60) + ':' + two(s % 60); };
function frame(desc, n) {
  const eighths = Math.floor((n / total) * 80);
  const full = Math.min(10, Math.floor(eighths / 8));
  const bar = full === 10 ? '█'.repeat(10) : '█'.repeat(full) + BLOCKS[eighths % 8] + ' '.repeat(9 - full);
  const elapsed = n / 45000 + 1 - Math.cos(n / 100000); // seconds, never going back, the rate wandering
  const rate = n / elapsed;
  return '\\r' + (desc ? desc + ': ' : '') + ((n / total) * 100).toFixed(0).padStart(3) + '%|' + bar + '| ' + n + '/' + total +
    ' [' + clock(elapsed) + '<' + clock((total - n) / rate) + ', ' + rate.toFixed(2) + 'it/s]';
}
let pending = [], pendingBytes = 0, bytes = 0, frames = 0, last = '';
function flush() {
  const buffer = Buffer.from(pending.join(''));
  for (let at = 0; at < buffer.length; ) at += writeSync(fd, buffer, at);
  pending = []; pendingBytes = 0;
}
function put(text) {
  const size = Buffer.byteLength(text);
  bytes += size;
  if (batch === 0) { pending.push(text); return flush(); }
  pending.push(text); pendingBytes += size;
  if (pendingBytes >= batch) flush();
}
out: for (let b = 1; b <= bars; b++) {
  const desc = bars > 1 ? 'epoch ' + b : (o.desc ?? '');
  for (let n = 1; n <= total; n++) {
    last = frame(desc, n);
    frames++;
    put(last);
    if (bytes >= maxBytes) break out;
  }
  if (newline) put('\\n');
}
flush();
if (o.report === '1') process.stderr.write(JSON.stringify({ bytes, frames, last: last.slice(1) }) + '\\n');
`;

/** Writes the generator into `dir`; returns its path. */
export async function writeTqdmGenerator(dir: string): Promise<string> {
  const file = path.join(dir, 'tqdm-gen.mjs');
  await writeFile(file, TQDM_GENERATOR_JS);
  return file;
}

// The stage's log is the header line, the frames byte for byte, the footer line; its metadata.json must end with
// the progress the daemon read from the frames, the bar's last: FRAMES of FRAMES. Anything else breaks the bench.
async function checkRun(run: InProcessRun, shellBytes: number, shellTail: string): Promise<void> {
  const metadata = JSON.parse(await readFile(path.join(run.dir, METADATA_FILE), 'utf8')) as RunMetadata;
  const progress = metadata.stages[0]?.progress;
  if (progress?.current !== FRAMES || progress.total !== FRAMES) {
    throw new Error(`metadata.json ends with progress ${JSON.stringify(progress)}, expected ${FRAMES}/${FRAMES} parsed from the tqdm frames`);
  }
  const log = stageLog(run, 0);
  const { head, tail, size } = await headAndTail(log, 1024);
  const headerBytes = Buffer.byteLength(head.slice(0, head.indexOf('\n') + 1));
  const tailLines = tail.split('\n');
  const footer = tailLines[tailLines.length - 2] ?? '';
  if (!head.startsWith('===== pipe-tui: stage ') || !footer.startsWith('===== pipe-tui: succeeded')) throw new Error(`log ${log} is not framed as expected: ${JSON.stringify(tail.slice(-200))}`);
  const frameBytes = size - headerBytes - Buffer.byteLength(footer) - 1;
  const lastFrame = shellTail.slice(shellTail.lastIndexOf('\r'));
  if (frameBytes !== shellBytes || !tail.includes(lastFrame)) {
    throw new Error(`log ${log} holds ${frameBytes} bytes of frames ending ${JSON.stringify(tail.slice(-160))}; the shell wrote ${shellBytes} ending ${JSON.stringify(lastFrame)}`);
  }
}

export async function tqdmFrames(): Promise<BenchResult> {
  return withWorkspace('tqdm', async (ws) => {
    const generator = await writeTqdmGenerator(ws);
    const command = `${shQuote(process.execPath)} ${shQuote(generator)} fd=2 total=${FRAMES}`;
    await writePipeline(ws, 'tqdm', [{ id: 'train', run: command }]);
    const target = path.join(ws, 'shell-err.log');
    const shellArgs = ['-c', `${command} 2> ${shQuote(target)}`];
    // The same bytes through a pipe into cat: what any reader pays for a pipe written one frame at a time.
    const catArgs = ['-c', `${command} 2>&1 >/dev/null | cat > ${shQuote(target)}`];

    // Warm-up both paths (page cache, JIT), and learn what the shell's file holds: every rep must write it again.
    await rawNodePipe(command, target, 'stderr');
    await runProcessOk('/bin/sh', shellArgs);
    const { tail: shellTail, size: shellBytes } = await headAndTail(target);
    const frames = await countByte(target, RETURN);
    if (frames !== FRAMES) throw new Error(`the generator wrote ${frames} frames, expected ${FRAMES}`);
    const warm = await runInProcess(ws, 'tqdm');
    await checkRun(warm, shellBytes, shellTail);
    await rm(warm.dir, { recursive: true, force: true });

    const shell: number[] = [];
    const raw: number[] = [];
    const cat: number[] = [];
    const engine: number[] = [];
    for (let r = 0; r < REPS; r++) {
      await rm(target, { force: true });
      shell.push(await runProcessOk('/bin/sh', shellArgs));
      const again = await headAndTail(target);
      if (again.size !== shellBytes || again.tail !== shellTail) throw new Error(`shell redirect wrote ${again.size} bytes, expected ${shellBytes}`);
      await pause();
      await rm(target, { force: true });
      cat.push(await runProcessOk('/bin/sh', catArgs));
      if ((await headAndTail(target)).size !== shellBytes) throw new Error(`the pipe into cat wrote a file unlike the shell's`);
      await pause();
      await rm(target, { force: true });
      raw.push(await rawNodePipe(command, target, 'stderr'));
      if ((await headAndTail(target)).size !== shellBytes) throw new Error(`the bare node pipe wrote a file unlike the shell's`);
      await pause();
      const run = await runInProcess(ws, 'tqdm');
      engine.push(run.ms);
      await checkRun(run, shellBytes, shellTail);
      // An 80 MB log a rep: removed so the disk stays free and each run starts on an equal footing.
      await rm(run.dir, { recursive: true, force: true });
      await pause();
    }

    const shellMs = median(shell);
    const engineMs = median(engine);
    const rawMs = median(raw);
    const catMs = median(cat);
    return {
      name: 'tqdm-frames',
      title: `tqdm frames: one stage drawing a ${FRAMES.toLocaleString('en-US')}-frame tqdm bar on stderr, one write a frame (median of ${REPS})`,
      figures: [
        { key: 'shell_redirect_ms', label: "sh -c 'GEN 2> file'", value: shellMs, unit: 'ms', digits: 1 },
        { key: 'pipe_tui_ms', label: 'pipe-tui in-process, one stage `run: GEN`', value: engineMs, unit: 'ms', digits: 1 },
        { key: 'ratio', label: 'pipe-tui / shell redirect', value: engineMs / shellMs, unit: '×', digits: 2, goal: { max: GOAL_RATIO, text: `≤ ${GOAL_RATIO}×` } },
        { key: 'pipe_to_cat_ms', label: "sh -c 'GEN 2>&1 >/dev/null | cat > file'", value: catMs, unit: 'ms', digits: 1 },
        { key: 'cat_ratio', label: 'pipe into cat / shell redirect (the floor for a pipe)', value: catMs / shellMs, unit: '×', digits: 2 },
        ...nodeFloorFigures(shellMs, rawMs, engineMs),
        { key: 'frames', label: '`\\r` frames written', value: frames, unit: '', digits: 0 },
        { key: 'frame_mb', label: 'bytes of frames', value: shellBytes / 1024 ** 2, unit: 'MB', digits: 1 },
        { key: 'pipe_tui_frames_per_s', label: 'pipe-tui frames per second', value: FRAMES / (engineMs / 1000), unit: 'frames/s', digits: 0 },
      ],
      notes: [
        `GEN: node tqdm-gen.mjs fd=2 total=${FRAMES} (each frame one writeSync, as tqdm flushes each); last frame ${JSON.stringify(shellTail.slice(shellTail.lastIndexOf('\r') + 1).trim())}`,
        `every pipe-tui run checked: metadata.json's progress ${FRAMES}/${FRAMES} (parsed from the frames), the log holding the shell's bytes exactly between its header and footer`,
        runsNote('shell', shell),
        runsNote('pipe into cat', cat),
        runsNote('bare node pipe', raw),
        runsNote('pipe-tui', engine),
      ],
    };
  });
}
