// The crash test's engine: a real daemon in a temp workspace runs two pipelines, a 5-stage line and a graph with
// a fan-out (a → b and a 40-item foreach side by side → d), and is killed with SIGKILL at `kills` random moments,
// each time restarted (`daemon start`, whose recovery marks the runs `interrupted`) and every stopped run resumed
// (`resume`), new runs started (`run`, the two pipelines in turn) to keep three going. Some kills come at a random
// time, some the instant the daemon appends a chosen event, an item's start or success among them (when its
// metadata.json write is still in flight). A reader re-reads every metadata.json all along. At the end: every run
// succeeded, every read was a valid metadata.json, no stage or item seen succeeded was lost, no stage or item ran
// again after it had succeeded (events.ndjson and the stages' and items' own logs of their starts), every item of
// every fan-out succeeded and left its record, and no stage started before what it needs had succeeded. The PRNG
// is seeded, so a failing seed replays the same plan (kill kinds, waits, stage and item durations), though not the
// same instants. Used by `npm run test:crash` (test/crash/main.ts, 30 kills) and test/crash/crash-short.test.ts
// (6 kills, inside `npm test`).
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { type FSWatcher, closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { daemonPaths } from '../../src/workspace/layout.js';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { RunEvent } from '../../src/shared/events.js';
import { type Items, type RunMetadata, RunMetadata as RunMetadataSchema } from '../../src/shared/metadata-schema.js';
import { cli } from '../helpers/cli.js';
import { seededRandom } from '../helpers/seeded-random.js';

export interface CrashOptions {
  /** SIGKILLs of the daemon. */
  kills: number;
  /** Seeds the PRNG that picks the kill moments and the stages' durations. */
  seed: number;
  /** Progress lines, one per call (no newline). */
  log?: (line: string) => void;
  /** Runs kept queued or running at once (new ones are started below this). Default 3. */
  active?: number;
  /** How long the runs may take to finish once the killing is over. Default 60 s. */
  finishTimeoutMs?: number;
  /** Keep the workspace (for a post-mortem) instead of removing it. */
  keepWorkspace?: boolean;
}

export interface CrashCounts {
  seed: number;
  kills: number;
  runs: number;
  runsSucceeded: number;
  stagesSucceeded: number;
  /** Every read of a metadata.json that existed, by the reader. */
  metadataReads: number;
  /** Reads that did not parse as JSON or did not match the RunMetadata schema. */
  unreadableReads: number;
  /** (run, stage) pairs seen succeeded (in a metadata.json snapshot or events.ndjson) that were later not succeeded. */
  lostSucceeded: number;
  /** (run, stage) pairs that ran again after they had succeeded (events.ndjson or the stages' own counter files). */
  rerunAfterSuccess: number;
  /** Run folders a `run` cut by a kill left with neither metadata.json nor an event (not runs; `ls` hides them). */
  abandonedFolders: number;
  /** Stage processes started in all (every attempt, including the ones a kill cut short). */
  stageProcesses: number;
  /** `stage.reset` events: resume found a succeeded stage's outputs gone (never expected here). */
  stageResets: number;
  resumes: number;
  /** `resume` commands refused by a live daemon (exit code not 0). */
  resumeErrors: number;
  /** Kills that came the instant a chosen event was appended (the rest came at random times). */
  eventKills: number;
  /** `run`/`resume` commands that failed because the kill came while they were in flight (expected). */
  commandsCut: number;
  /** Stage processes of a killed daemon still alive after the next daemon had started (recovery must kill them). */
  orphansSurvived: number;
  /** Stage processes still alive after the last daemon was stopped. */
  processesLeft: number;
  /** Runs whose events.ndjson seq numbers are not exactly 1, 2, 3… */
  seqGaps: number;
  /** Runs whose final metadata.json is behind (or ahead of) the last event in events.ndjson. */
  staleMetadata: number;
  /** Times the reader saw a run's metadata.json go back to an older seq. */
  seqBackwards: number;
  durationMs: number;
  /** Runs of the graph pipeline (the others are of the 5-stage one). */
  graphRuns: number;
  /** Fan-out items succeeded in the final metadata.json of every run. */
  itemsSucceeded: number;
  /** Item processes started in all (every attempt, including the ones a kill cut short), from the items' log. */
  itemProcesses: number;
  /** (run, stage, item) that started again after their item.succeeded (events.ndjson or the items' own log). */
  itemsRerunAfterSuccess: number;
  /**
   * (run, stage, item) not succeeded at the end (metadata.json), or with no standing item.succeeded in events.ndjson,
   * or with no finished record of its own, or seen succeeded by the reader and later not.
   */
  itemsLost: number;
  /** Kills that came the instant an item.started or item.succeeded was appended (part of eventKills). */
  itemEventKills: number;
  /** Stages started (stage.started) before every stage they need had succeeded. */
  needsBroken: number;
  /** Every violation, in words. Empty when the test passed. */
  problems: string[];
}

const PIPELINE = 'crash';
const STAGES = ['fetch', 'parse', 'enrich', 'render', 'publish'];
/** The graph: `a`, then `b` and the fan-out `fan` side by side (both need `a`), then `d` needing both. */
const GRAPH = 'graph';
const FAN = 'fan';
/** Items of the graph's fan-out, run at most FAN_PARALLEL at once. */
const ITEMS = 40;
const FAN_PARALLEL = 4;
/** The events a kill may follow at once: a run taken over, a stage started or done, an entity, a run's end. */
const KILL_EVENTS = ['run.started', 'stage.started', 'stage.succeeded', 'entity.added', 'run.finished'];
/** And while some graph run's fan-out has items to run: an item started or succeeded. */
const ITEM_KILL_EVENTS = ['item.started', 'item.succeeded'];
const STOPPED = new Set(['interrupted', 'failed', 'cancelled']);
const ACTIVE = new Set(['queued', 'running', 'awaiting_approval']);

// Each stage logs `<run> <stage> <attempt> <pid> start|end <epoch ms>` to counts/<stage>.log, reports progress
// in four steps of $SLICE seconds, appends to its declared output and hands one small entity to the run.
const STAGE_SCRIPT = `#!/bin/sh
set -e
now() { t=$(date +%s%3N); case $t in *N*) echo "$(date +%s)000" ;; *) echo "$t" ;; esac; }
echo "$PIPE_RUN_ID $PIPE_STAGE $PIPE_ATTEMPT $$ start $(now)" >> "counts/$PIPE_STAGE.log"
i=1
while [ $i -le 4 ]; do
  echo "::pipe:progress $i/4 step $i of $PIPE_STAGE"
  sleep "$SLICE"
  i=$((i + 1))
done
echo "$PIPE_RUN_ID $PIPE_ATTEMPT" >> "out/$PIPE_STAGE.txt"
echo "$PIPE_STAGE of $PIPE_RUN_ID" > "tmp/$PIPE_RUN_ID.$PIPE_STAGE.txt"
echo "::pipe:entity note tmp/$PIPE_RUN_ID.$PIPE_STAGE.txt {\\"stage\\":\\"$PIPE_STAGE\\"}"
echo "$PIPE_RUN_ID $PIPE_STAGE $PIPE_ATTEMPT $$ end $(now)" >> "counts/$PIPE_STAGE.log"
`;

// Each item of a fan-out logs `<run> <stage> <item index> <attempt> <pid> start|end <epoch ms>` to
// counts/<stage>.items.log (one line, appended: atomic beside the other items), sleeps its item (a duration in
// seconds) and appends to the stage's declared output.
const ITEM_SCRIPT = `#!/bin/sh
set -e
now() { t=$(date +%s%3N); case $t in *N*) echo "$(date +%s)000" ;; *) echo "$t" ;; esac; }
echo "$PIPE_RUN_ID $PIPE_STAGE $PIPE_ITEM_INDEX $PIPE_ATTEMPT $$ start $(now)" >> "counts/$PIPE_STAGE.items.log"
sleep "$PIPE_ITEM"
echo "$PIPE_RUN_ID $PIPE_ITEM_INDEX $PIPE_ATTEMPT" >> "out/$PIPE_STAGE.txt"
echo "$PIPE_RUN_ID $PIPE_STAGE $PIPE_ITEM_INDEX $PIPE_ATTEMPT $$ end $(now)" >> "counts/$PIPE_STAGE.items.log"
`;

function stageYaml(random: () => number, id: string, needs?: string[]): string {
  // 0.025–0.1 s a step, four steps: 0.1–0.4 s a stage.
  const slice = (0.025 + random() * 0.075).toFixed(3);
  return `  - id: ${id}\n${needs ? `    needs: [${needs.join(', ')}]\n` : ''}    run: sh stages/stage.sh\n    timeout: 30s\n    env: { SLICE: "${slice}" }\n    outputs: [out/${id}.txt]\n`;
}

function pipelineYaml(random: () => number): string {
  const stages = STAGES.map((id) => stageYaml(random, id));
  return `name: ${PIPELINE}\ndescription: five short stages for the crash test\nstages:\n${stages.join('')}`;
}

function graphYaml(random: () => number): string {
  // Each item sleeps 0.02–0.12 s: 40 items four at a time, about a second of fan-out a run.
  const items = Array.from({ length: ITEMS }, () => `"${(0.02 + random() * 0.1).toFixed(3)}"`);
  const fan =
    `  - id: ${FAN}\n    needs: [a]\n    foreach: [${items.join(', ')}]\n    max_parallel: ${FAN_PARALLEL}\n` +
    `    run: sh stages/item.sh\n    timeout: 30s\n    outputs: [out/${FAN}.txt]\n`;
  const stages = [stageYaml(random, 'a'), stageYaml(random, 'b', ['a']), fan, stageYaml(random, 'd', ['b', FAN])];
  return `name: ${GRAPH}\ndescription: a graph with a ${ITEMS}-item fan-out for the crash test\nstages:\n${stages.join('')}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function crashTest(options: CrashOptions): Promise<CrashCounts> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const began = Date.now();
  const ws = await mkdtemp(path.join(tmpdir(), 'pipe-tui-crash-'));
  const problems: string[] = [];
  const counts: CrashCounts = {
    seed: options.seed, kills: 0, runs: 0, runsSucceeded: 0, stagesSucceeded: 0, metadataReads: 0, unreadableReads: 0,
    lostSucceeded: 0, rerunAfterSuccess: 0, stageProcesses: 0, stageResets: 0, resumes: 0, resumeErrors: 0, eventKills: 0, commandsCut: 0, abandonedFolders: 0,
    orphansSurvived: 0, processesLeft: 0, seqGaps: 0, staleMetadata: 0, seqBackwards: 0, durationMs: 0,
    graphRuns: 0, itemsSucceeded: 0, itemProcesses: 0, itemsRerunAfterSuccess: 0, itemsLost: 0, itemEventKills: 0, needsBroken: 0, problems,
  };
  const reader = new MetadataReader(ws);
  const refusals = new Refusals();
  let daemonPid: number | null = null;
  try {
    await mkdir(path.join(ws, 'pipelines'));
    await mkdir(path.join(ws, 'stages'));
    for (const dir of ['counts', 'out', 'tmp', 'runs']) await mkdir(path.join(ws, dir));
    await writeFile(path.join(ws, 'pipelines', `${PIPELINE}.yaml`), pipelineYaml(random));
    await writeFile(path.join(ws, 'pipelines', `${GRAPH}.yaml`), graphYaml(random));
    await writeFile(path.join(ws, 'stages', 'stage.sh'), STAGE_SCRIPT);
    await writeFile(path.join(ws, 'stages', 'item.sh'), ITEM_SCRIPT);
    log(`crash test: workspace ${ws}, seed ${options.seed}, ${options.kills} kills`);
    reader.start();

    const wanted = options.active ?? 3;
    // New runs take the two pipelines in turn, the graph first.
    let started = 0;
    let orphans: StageProcess[] = [];
    for (let kill = 1; kill <= options.kills; kill++) {
      const t0 = Date.now();
      daemonPid = await startDaemon(ws);
      const startMs = Date.now() - t0;
      counts.orphansSurvived += countSurvivors(orphans, problems, kill);
      const states = await runStates(ws);
      const stopped = [...states].filter(([, s]) => STOPPED.has(s.status)).map(([id]) => id);
      const active = [...states.values()].filter((s) => ACTIVE.has(s.status)).length + stopped.length;
      const fresh = Math.max(0, wanted - active);
      const pipelines = Array.from({ length: fresh }, () => (started++ % 2 === 0 ? GRAPH : PIPELINE));
      // Items will start or succeed in this iteration only if a graph run is started or has its fan-out to finish.
      const itemsAhead = pipelines.includes(GRAPH) || [...states.values()].some((s) => s.fanPending && (STOPPED.has(s.status) || ACTIVE.has(s.status)));

      // Two kinds of moment. Two kills in five come the instant the daemon has appended the n-th event of some
      // type to an events.ndjson (watched from before the commands are sent, so this can be in the middle of a
      // resume), when its metadata.json write is still in flight: a stage's or a run's, or, when a graph run has
      // items to run, half the time an item's start or success. The others come at a random time 0.05–0.9 s after
      // the commands (one in five within 50 ms).
      const pid = daemonPid;
      let killedAt: number | null = null;
      let why = '';
      const killNow = (reason: string): void => {
        if (killedAt !== null) return;
        orphans = stageProcesses(ws);
        if (!isLive(pid)) problems.push(`kill ${kill}: the daemon (pid ${pid}) had died by itself`);
        else process.kill(pid, 'SIGKILL');
        killedAt = Date.now();
        why = reason;
      };
      const onEvent = random() < 0.4;
      // As many draws whether items are to run or not, so that a seed's plan stays the same.
      const onItem = random() < 0.5;
      const targets = itemsAhead && onItem ? ITEM_KILL_EVENTS : KILL_EVENTS;
      const target = targets[Math.floor(random() * targets.length)] as string;
      // run.started and run.finished come a few times an iteration at most; stage events many times; items four at a time.
      const nth = 1 + Math.floor(random() * (target === 'run.started' || target === 'run.finished' ? 1 : target.startsWith('item.') ? 8 : 4));
      const wait = random() < 0.2 ? random() * 50 : 50 + random() * 850;
      let seen = 0;
      const watcher = onEvent
        ? watchEvents(path.join(ws, 'runs'), (runId, event) => {
            if (event.type === target && ++seen === nth) killNow(`on ${target} #${nth} of ${runId}`);
          })
        : null;
      const t1 = Date.now();
      const results = await Promise.all([
        ...stopped.map((id) => command(['resume', id, '--json', '--workspace', ws], `resume ${id}`)),
        ...pipelines.map((name) => command(['run', name, '--json', '--workspace', ws], `run ${name}`)),
      ]);
      const commandsMs = Date.now() - t1;
      if (onEvent) {
        const deadline = Date.now() + 1500;
        while (killedAt === null && Date.now() < deadline) await sleep(5);
        if (killedAt === null) killNow(`1.5 s without ${target} #${nth}`);
        else {
          counts.eventKills++;
          if (target.startsWith('item.')) counts.itemEventKills++;
        }
      } else {
        await sleep(wait);
        killNow(`${Math.round(wait)} ms after the commands`);
      }
      watcher?.close();
      counts.resumes += stopped.length;
      for (const result of results) {
        if (result.ok) continue;
        // A command the kill cut short may fail; one that failed on a live daemon is a problem.
        if (killedAt !== null && result.endedAt >= killedAt) counts.commandsCut++;
        else refusals.note(`${result.what} failed: ${result.stderr}`, `before kill ${kill}`, result.what.startsWith('resume'));
      }
      await waitUntil(`daemon ${pid} to die`, () => !isLive(pid), 5000);
      counts.kills++;
      log(
        `kill ${kill}/${options.kills}: daemon ${pid} ${why}; resumed ${stopped.length}, started ${fresh}${fresh ? ` (${pipelines.join(', ')})` : ''}, ` +
          `${states.size + fresh} runs, ${orphans.length} stage processes left behind (daemon start ${startMs} ms, commands ${commandsMs} ms)`,
      );
      daemonPid = null;
    }

    // The killing is over: one last daemon, everything stopped resumed, until every run has succeeded.
    daemonPid = await startDaemon(ws);
    counts.orphansSurvived += countSurvivors(orphans, problems, options.kills + 1);
    // Resume whatever stops, at most once a second per run, until all have succeeded; give up at the deadline, or
    // when no unfinished run has moved (seq) for 10 s.
    const timeout = options.finishTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeout;
    const lastResume = new Map<string, number>();
    let progress = { key: '', at: Date.now() };
    for (;;) {
      const states = await runStates(ws);
      const unfinished = [...states].filter(([, s]) => s.status !== 'succeeded');
      if (unfinished.length === 0) break;
      const key = unfinished.map(([id, s]) => `${id}:${s.seq}`).join(' ');
      if (key !== progress.key) progress = { key, at: Date.now() };
      const stuck = Date.now() - progress.at > 10_000;
      if (Date.now() > deadline || stuck) {
        problems.push(`runs not succeeded ${stuck ? 'and not moving for 10 s' : `${Math.round(timeout / 1000)} s`} after the last kill: ${unfinished.map(([id, s]) => `${id} ${s.status}`).join(', ')}`);
        break;
      }
      const due = unfinished.filter(([id, s]) => STOPPED.has(s.status) && Date.now() - (lastResume.get(id) ?? 0) >= 1000).map(([id]) => id);
      for (const id of due) lastResume.set(id, Date.now());
      await Promise.all(due.map((id) => resume(ws, id, counts, refusals)));
      await sleep(100);
    }
    log(`final phase over ${Math.round((Date.now() - began) / 1000)} s after the start`);
    const stop = await cli(['daemon', 'stop', '--force', '--workspace', ws]);
    if (stop.exitCode !== 0) problems.push(`daemon stop failed: ${String(stop.stderr)}`);
    daemonPid = null;
    await reader.stop();
    await sleep(100);
    const left = stageProcesses(ws);
    counts.processesLeft = left.length;
    if (left.length) problems.push(`${left.length} stage processes still alive after the daemon stopped: pids ${left.map((p) => p.pid).join(' ')}`);
    await audit(ws, reader, counts);
  } catch (error) {
    problems.push(`the test itself failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    refusals.report(counts);
    await reader.stop();
    const pid = daemonPid ?? lockHolder(daemonPaths(ws).pid);
    if (pid !== null && isLive(pid)) process.kill(pid, 'SIGKILL');
    for (const p of stageProcesses(ws)) killQuietly(p.pid);
    counts.durationMs = Date.now() - began;
    if (problems.length) {
      const daemonLog = await readFile(daemonPaths(ws).log, 'utf8').catch(() => '');
      const tail = daemonLog.trimEnd().split('\n').slice(-25).join('\n');
      log(`daemon.log (last lines):\n${tail}`);
    }
    if (options.keepWorkspace) log(`workspace kept: ${ws}`);
    else await rm(ws, { recursive: true, force: true });
  }
  return counts;
}

/** One line with every count, as `npm run test:crash` prints it. */
export function formatCounts(c: CrashCounts): string {
  return (
    `crash test: ${c.kills} kills, ${c.runs} runs, ${c.stagesSucceeded} stages succeeded, ` +
    `${c.unreadableReads} unreadable metadata.json reads (of ${c.metadataReads}), ${c.lostSucceeded} lost succeeded stages, ` +
    `${c.rerunAfterSuccess} stages re-run after success, ${c.runsSucceeded}/${c.runs} runs succeeded (${c.graphRuns} graphs), ` +
    `${c.itemsSucceeded} items succeeded, ${c.itemsLost} items lost, ${c.itemsRerunAfterSuccess} items re-run after success, ` +
    `${c.needsBroken} stages started before their needs ` +
    `(seed ${c.seed}; ${c.eventKills} kills on an event, ${c.itemEventKills} on an item's; ${c.stageProcesses} stage processes, ` +
    `${c.itemProcesses} item processes, ${c.resumes} resumes, ${c.resumeErrors} refused, ` +
    `${c.commandsCut} commands cut by a kill, ${c.abandonedFolders} abandoned run folders, ${c.stageResets} stage resets, ` +
    `${c.orphansSurvived} orphans survived recovery, ${c.processesLeft} processes left, ${c.seqGaps} seq gaps, ` +
    `${c.staleMetadata} stale metadata.json, ${c.seqBackwards} seq went backwards; ${(c.durationMs / 1000).toFixed(1)} s)`
  );
}

// ---- driving the daemon, as a user would: through the real binary ----

async function startDaemon(ws: string): Promise<number> {
  for (let tries = 1; ; tries++) {
    const result = await cli(['daemon', 'start', '--json', '--workspace', ws]);
    const pid = result.exitCode === 0 ? (JSON.parse(String(result.stdout)) as { pid: number | null }).pid : null;
    if (pid !== null) return pid;
    if (tries === 3) throw new Error(`daemon start failed 3 times: exit ${result.exitCode}: ${String(result.stderr).trim()}`);
  }
}

interface CommandResult {
  what: string;
  ok: boolean;
  stderr: string;
  endedAt: number;
}

async function command(args: string[], what: string): Promise<CommandResult> {
  const result = await cli(args);
  return { what, ok: result.exitCode === 0, stderr: String(result.stderr).trim(), endedAt: Date.now() };
}

async function resume(ws: string, runId: string, counts: CrashCounts, refusals: Refusals): Promise<void> {
  counts.resumes++;
  const result = await cli(['resume', runId, '--json', '--workspace', ws]);
  if (result.exitCode !== 0) refusals.note(`resume ${runId} failed: ${String(result.stderr).trim()}`, 'after the last restart', true);
}

// Commands that failed on a live daemon, each kind once with a count: a stuck run is refused again and again.
class Refusals {
  private readonly seen = new Map<string, { count: number; first: string; resume: boolean }>();

  note(what: string, when: string, resume: boolean): void {
    const entry = this.seen.get(what);
    if (entry) entry.count++;
    else this.seen.set(what, { count: 1, first: when, resume });
  }

  report(counts: CrashCounts): void {
    for (const [what, { count, first, resume }] of this.seen) {
      if (resume) counts.resumeErrors += count;
      counts.problems.push(`${what}${count > 1 ? ` (${count} times, first ${first})` : ` (${first})`}`);
    }
  }
}

// Calls `onEvent` for every event appended to any run's events.ndjson from now on (new runs included), at once:
// inotify, not polling, so a kill from it lands while the daemon is still writing what the event changed.
function watchEvents(runs: string, onEvent: (runId: string, event: { type: string }) => void): { close(): void } {
  const watchers: FSWatcher[] = [];
  const offsets = new Map<string, number>();
  const partial = new Map<string, string>();
  let closed = false;
  const drain = (runId: string): void => {
    if (closed) return;
    const file = path.join(runs, runId, 'events.ndjson');
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      const from = offsets.get(runId) ?? 0;
      const size = fstatSync(fd).size;
      if (size <= from) return;
      const buffer = Buffer.alloc(size - from);
      const read = readSync(fd, buffer, 0, buffer.length, from);
      offsets.set(runId, from + read);
      const lines = `${partial.get(runId) ?? ''}${buffer.subarray(0, read).toString('utf8')}`.split('\n');
      partial.set(runId, lines.pop() ?? '');
      for (const line of lines) {
        const event = safeJson(line) as { type?: unknown } | undefined;
        if (event && typeof event.type === 'string') onEvent(runId, { type: event.type });
      }
    } finally {
      closeSync(fd);
    }
  };
  const watchRun = (runId: string, fromStart: boolean): void => {
    if (offsets.has(runId) || closed) return;
    let size = 0;
    try {
      size = fromStart ? 0 : statSync(path.join(runs, runId, 'events.ndjson')).size;
    } catch {
      // Not written yet: from its start.
    }
    offsets.set(runId, size);
    try {
      watchers.push(watch(path.join(runs, runId), (_type, name) => name === 'events.ndjson' && drain(runId)));
    } catch {
      // The folder went away.
    }
    if (fromStart) drain(runId);
  };
  for (const runId of readdirSync(runs)) watchRun(runId, false);
  watchers.push(watch(runs, (_type, name) => name && watchRun(String(name), true)));
  return {
    close() {
      closed = true;
      for (const w of watchers) w.close();
    },
  };
}

/** Every run's status and seq as its metadata.json says (a missing or broken one counts as `unknown`). */
async function runStates(ws: string): Promise<Map<string, RunState>> {
  const states = new Map<string, RunState>();
  for (const id of await runFolders(ws)) {
    const text = await readFile(path.join(ws, 'runs', id, 'metadata.json'), 'utf8').catch(() => null);
    const parsed = text === null ? null : RunMetadataSchema.safeParse(safeJson(text));
    const run = parsed?.success ? parsed.data : null;
    // A graph run whose fan-out has not succeeded (or an unreadable one: it may be).
    const fanPending = run === null || (run.pipeline === GRAPH && run.stages.some((s) => s.id === FAN && s.status !== 'succeeded'));
    states.set(id, run ? { status: run.status, seq: run.seq, fanPending } : { status: 'unknown', seq: -1, fanPending });
  }
  return states;
}

interface RunState {
  status: string;
  seq: number;
  fanPending: boolean;
}

// The run folders that hold a run. A `run` command cut by a kill between the folder's mkdir and its first event
// leaves a folder with neither metadata.json nor an event: no run was made (its command failed; `ls` hides it).
async function runFolders(ws: string): Promise<string[]> {
  const ids: string[] = [];
  for (const id of (await readdir(path.join(ws, 'runs'))).sort()) {
    const dir = path.join(ws, 'runs', id);
    const hasMetadata = await stat(path.join(dir, 'metadata.json')).then(() => true, () => false);
    const events = await stat(path.join(dir, 'events.ndjson')).then((s) => s.size, () => 0);
    if (hasMetadata || events > 0) ids.push(id);
  }
  return ids;
}

// ---- processes ----

/** Alive and not a zombie (a killed daemon's parent may be an init that never reaps). */
function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

interface StageProcess {
  pid: number;
  /** From /proc/<pid>/stat: with the pid, names the process even if the pid is reused. */
  startTime: string;
}

/** Live processes of this workspace's stages (PIPE_WORKSPACE in their environment). */
function stageProcesses(ws: string): StageProcess[] {
  const marker = `PIPE_WORKSPACE=${ws}\0`;
  const found: StageProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) continue;
      const pid = Number(entry);
      const startTime = procStartTime(pid);
      if (startTime !== null && isLive(pid)) found.push({ pid, startTime });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

// Stage processes that were alive when the daemon was killed must be gone once the next daemon has recovered.
function countSurvivors(before: StageProcess[], problems: string[], kill: number): number {
  const alive = before.filter((p) => isLive(p.pid) && procStartTime(p.pid) === p.startTime);
  if (alive.length) problems.push(`after restart ${kill}: ${alive.length} stage processes of the killed daemon still alive (pids ${alive.map((p) => p.pid).join(' ')})`);
  for (const p of alive) killQuietly(p.pid);
  return alive.length;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone.
  }
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- the reader: every metadata.json, over and over, while the daemon is killed under it ----

class MetadataReader {
  reads = 0;
  unreadable: string[] = [];
  unreadableCount = 0;
  seqBackwards = 0;
  /** `run/stage index` → the seq of the first snapshot that showed it succeeded. */
  readonly seenSucceeded = new Map<string, number>();
  /** `run/stage index` → a snapshot, newer than one where it had succeeded, that shows it not succeeded. */
  readonly regressed = new Map<string, string>();
  /** `run/stage index` of a fan-out → its items a snapshot showed succeeded → the seq of the first such snapshot. */
  readonly itemsSeenSucceeded = new Map<string, Map<number, number>>();
  /** `run/stage index/item` → a snapshot, newer than one where the item had succeeded, that shows it not succeeded. */
  readonly itemsRegressed = new Map<string, string>();
  /** Snapshots whose items.succeeded is not the count of the items they show succeeded (a few, in words). */
  readonly itemsInconsistent: string[] = [];
  /** Snapshots (`run/stage index@seq`) with inconsistent items, each counted once however often it is read. */
  itemsInconsistentCount = 0;
  private readonly inconsistentSeen = new Set<string>();
  private readonly lastSeq = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly ws: string) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const runs = path.join(this.ws, 'runs');
    while (this.running) {
      let ids: string[] = [];
      try {
        ids = await readdir(runs);
      } catch {
        // Not there yet.
      }
      for (const id of ids) {
        let text: string;
        try {
          text = await readFile(path.join(runs, id, 'metadata.json'), 'utf8');
        } catch {
          continue; // A folder whose metadata.json is not written yet.
        }
        this.check(id, text);
      }
      await sleep(2);
    }
  }

  private check(id: string, text: string): void {
    this.reads++;
    const json = safeJson(text);
    const parsed = json === undefined ? null : RunMetadataSchema.safeParse(json);
    if (!parsed?.success) {
      this.unreadableCount++;
      if (this.unreadable.length < 5) {
        const why = parsed ? parsed.error.issues.slice(0, 2).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'not JSON';
        this.unreadable.push(`${id}/metadata.json (${text.length} bytes): ${why}`);
      }
      return;
    }
    const run: RunMetadata = parsed.data;
    const last = this.lastSeq.get(id) ?? 0;
    if (run.seq < last) this.seqBackwards++;
    this.lastSeq.set(id, Math.max(last, run.seq));
    for (const stage of run.stages) {
      const key = `${id}/${stage.index}`;
      const since = this.seenSucceeded.get(key);
      if (stage.status === 'succeeded') {
        if (since === undefined) this.seenSucceeded.set(key, run.seq);
      } else if (since !== undefined && run.seq > since && !this.regressed.has(key)) {
        this.regressed.set(key, `seq ${run.seq}: ${stage.status} (succeeded at seq ${since})`);
      }
      if (stage.items) this.checkItems(key, run.seq, stage.items);
    }
  }

  // Items start in index order, so the items a snapshot shows succeeded are those below `next` neither running nor
  // failed; there are `succeeded` of them, and an item once shown succeeded never shows otherwise later.
  private checkItems(key: string, seq: number, items: Items): void {
    const notDone = new Set([...items.running.map((r) => r.index), ...items.failed.map((f) => f.index)]);
    let shown = 0;
    let seen = this.itemsSeenSucceeded.get(key);
    if (!seen) this.itemsSeenSucceeded.set(key, (seen = new Map()));
    for (let item = 0; item < items.next; item++) {
      if (notDone.has(item)) continue;
      shown++;
      if (!seen.has(item)) seen.set(item, seq);
    }
    if (shown !== items.succeeded && !this.inconsistentSeen.has(`${key}@${seq}`)) {
      this.inconsistentSeen.add(`${key}@${seq}`);
      this.itemsInconsistentCount++;
      if (this.itemsInconsistent.length < 5) {
        this.itemsInconsistent.push(`${key} seq ${seq}: items.succeeded ${items.succeeded}, but ${shown} items below next ${items.next} neither running nor failed`);
      }
    }
    for (const [item, since] of seen) {
      if (seq <= since || this.itemsRegressed.has(`${key}/${item}`)) continue;
      const running = items.running.some((r) => r.index === item);
      const failed = items.failed.some((f) => f.index === item);
      if (running || failed || item >= items.next) {
        this.itemsRegressed.set(`${key}/${item}`, `seq ${seq}: ${running ? 'running' : failed ? 'failed' : 'not started'} (succeeded at seq ${since})`);
      }
    }
  }
}

// ---- the audit, once everything has stopped ----

interface CounterLine {
  runId: string;
  stage: string;
  pid: number;
  what: 'start' | 'end';
  at: number;
}

interface ItemLine extends CounterLine {
  item: number;
}

/** The stages' own log of their starts and ends: counts/<stage>.log. */
async function readCounters(ws: string): Promise<CounterLine[]> {
  const lines: CounterLine[] = [];
  for (const file of (await readdir(path.join(ws, 'counts'))).sort()) {
    if (!file.endsWith('.log') || file.endsWith('.items.log')) continue;
    const text = await readFile(path.join(ws, 'counts', file), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [runId, name, , pid, what, at] = line.split(' ');
      if (!runId || !name || (what !== 'start' && what !== 'end')) continue;
      lines.push({ runId, stage: name, pid: Number(pid), what, at: Number(at) });
    }
  }
  return lines;
}

/** The items' own log of their starts and ends: counts/<stage>.items.log. */
async function readItemLines(ws: string): Promise<ItemLine[]> {
  const lines: ItemLine[] = [];
  for (const file of (await readdir(path.join(ws, 'counts'))).sort()) {
    if (!file.endsWith('.items.log')) continue;
    const text = await readFile(path.join(ws, 'counts', file), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [runId, name, item, , pid, what, at] = line.split(' ');
      if (!runId || !name || !item || (what !== 'start' && what !== 'end')) continue;
      lines.push({ runId, stage: name, item: Number(item), pid: Number(pid), what, at: Number(at) });
    }
  }
  return lines;
}

async function audit(ws: string, reader: MetadataReader, counts: CrashCounts): Promise<void> {
  const { problems } = counts;
  counts.metadataReads = reader.reads;
  counts.unreadableReads = reader.unreadableCount;
  counts.seqBackwards = reader.seqBackwards;
  for (const what of reader.unreadable) problems.push(`unreadable metadata.json read: ${what}`);
  if (reader.seqBackwards) problems.push(`the reader saw a metadata.json go back to an older seq ${reader.seqBackwards} times`);
  for (const what of reader.itemsInconsistent) problems.push(`inconsistent items in a metadata.json read: ${what}`);
  if (reader.itemsInconsistentCount > reader.itemsInconsistent.length) problems.push(`${reader.itemsInconsistentCount} metadata.json snapshots in all with inconsistent items`);

  const counters = await readCounters(ws);
  const itemLines = await readItemLines(ws);
  counts.stageProcesses = counters.filter((c) => c.what === 'start').length;
  counts.itemProcesses = itemLines.filter((c) => c.what === 'start').length;
  const runIds = await runFolders(ws);
  counts.abandonedFolders = (await readdir(path.join(ws, 'runs'))).length - runIds.length;
  counts.runs = runIds.length;
  const lost = new Set<string>();
  const rerun = new Set<string>();
  const itemsLost = new Set<string>();
  const itemsRerun = new Set<string>();

  for (const runId of runIds) {
    const dir = path.join(ws, 'runs', runId);
    // The final metadata.json.
    const text = await readFile(path.join(dir, 'metadata.json'), 'utf8').catch(() => null);
    const parsed = text === null ? null : RunMetadataSchema.safeParse(safeJson(text));
    const final = parsed?.success ? parsed.data : null;
    if (!final) problems.push(`${runId}: final metadata.json ${text === null ? 'missing' : 'unreadable'}`);
    else if (final.status === 'succeeded') counts.runsSucceeded++;
    else problems.push(`${runId}: ended ${final.status}${final.error ? ` (${final.error.code}: ${final.error.message})` : ''}`);
    counts.stagesSucceeded += final?.stages.filter((s) => s.status === 'succeeded').length ?? 0;
    if (final?.pipeline === GRAPH) counts.graphRuns++;
    const names = final?.stages.map((s) => s.id) ?? STAGES;
    const name = (index: number): string => names[index] ?? `#${index}`;

    // events.ndjson: numbered 1, 2, 3…; after a stage.succeeded no stage.started (or second success) for that
    // stage unless a stage.reset came between.
    const events: RunEvent[] = [];
    for (const line of (await readFile(path.join(dir, 'events.ndjson'), 'utf8').catch(() => '')).split('\n')) {
      if (!line) continue;
      const event = RunEvent.safeParse(safeJson(line));
      if (event.success) events.push(event.data);
      else problems.push(`${runId}: events.ndjson line not a valid event: ${line.slice(0, 120)}`);
    }
    if (events.some((e, i) => e.seq !== i + 1)) {
      counts.seqGaps++;
      problems.push(`${runId}: events.ndjson seqs are not 1..${events.length}: ${events.map((e) => e.seq).join(',').slice(0, 200)}`);
    }
    const lastSeq = events.at(-1)?.seq ?? 0;
    if (final && final.seq !== lastSeq) {
      counts.staleMetadata++;
      problems.push(`${runId}: metadata.json is at seq ${final.seq} (${final.status}), events.ndjson at ${lastSeq}`);
    }
    // What each stage needs, by index: its `needs`, or (schema 1) the stage before it.
    const needs = (final?.stages ?? []).map((s, i) => (s.needs ?? (i > 0 ? [name(i - 1)] : [])).map((id) => names.indexOf(id)));
    const succeededAt = new Map<number, number>(); // stage index → time of its standing success
    const everSucceeded = new Set<number>();
    const itemSucceededAt = new Map<number, Map<number, number>>(); // stage index → item → time of its standing success
    const itemEverSucceeded = new Map<number, Set<number>>();
    const itemTotal = new Map<number, number>(); // stage index → its stage.items total
    for (const event of events) {
      if (!('stage' in event)) continue;
      const key = `${runId}/${event.stage}`;
      if (event.type === 'stage.reset') {
        counts.stageResets++;
        problems.push(`${key}: stage.reset (${event.reason})`);
        succeededAt.delete(event.stage);
        itemSucceededAt.delete(event.stage);
      } else if (event.type === 'stage.started' || event.type === 'stage.succeeded') {
        if (succeededAt.has(event.stage)) {
          rerun.add(key);
          problems.push(`${key} (${name(event.stage)}): ${event.type} at seq ${event.seq} after it had succeeded`);
        }
        if (event.type === 'stage.started') {
          const waiting = (needs[event.stage] ?? []).filter((n) => !succeededAt.has(n));
          if (waiting.length) {
            counts.needsBroken++;
            problems.push(`${key} (${name(event.stage)}): started at seq ${event.seq} before ${waiting.map(name).join(', ')} had succeeded`);
          }
        }
        if (event.type === 'stage.succeeded') {
          succeededAt.set(event.stage, Date.parse(event.at));
          everSucceeded.add(event.stage);
        }
      } else if (event.type === 'stage.items') {
        const before = itemTotal.get(event.stage);
        if (before !== undefined && before !== event.total) problems.push(`${key} (${name(event.stage)}): stage.items ${event.total} at seq ${event.seq}, was ${before}`);
        itemTotal.set(event.stage, event.total);
      } else if (event.type === 'item.started' || event.type === 'item.succeeded') {
        // After an item.succeeded, no item.started (or second success) for that item unless its stage was reset.
        let standing = itemSucceededAt.get(event.stage);
        if (!standing) itemSucceededAt.set(event.stage, (standing = new Map()));
        if (standing.has(event.item)) {
          itemsRerun.add(`${key}/${event.item}`);
          problems.push(`${key} (${name(event.stage)}) item ${event.item}: ${event.type} at seq ${event.seq} after it had succeeded`);
        }
        if (event.type === 'item.succeeded') {
          standing.set(event.item, Date.parse(event.at));
          let ever = itemEverSucceeded.get(event.stage);
          if (!ever) itemEverSucceeded.set(event.stage, (ever = new Set()));
          ever.add(event.item);
        }
      }
    }
    // The stages' own count: no stage process of this run started after the stage's success was recorded.
    for (const [index, at] of succeededAt) {
      const late = counters.filter((c) => c.runId === runId && c.stage === name(index) && c.what === 'start' && c.at > at);
      if (late.length) {
        rerun.add(`${runId}/${index}`);
        problems.push(`${runId}/${index} (${name(index)}): ${late.length} process(es) started after its success at ${new Date(at).toISOString()} (pids ${late.map((c) => c.pid).join(' ')})`);
      }
    }
    // Lost: seen succeeded (events or any snapshot) but not succeeded at the end, or seen going back meanwhile.
    const seen = new Set<number>(everSucceeded);
    for (const key of reader.seenSucceeded.keys()) if (key.startsWith(`${runId}/`)) seen.add(Number(key.slice(runId.length + 1)));
    for (const index of seen) {
      const key = `${runId}/${index}`;
      const status = final?.stages[index]?.status;
      const regressed = reader.regressed.get(key);
      if (status !== 'succeeded' || regressed) {
        lost.add(key);
        problems.push(`${key} (${name(index)}): had succeeded, ${status !== 'succeeded' ? `ends ${status}` : `but a reader saw it ${regressed}`}`);
      }
    }

    // The fan-outs: every item succeeded in the end (metadata.json, events.ndjson and a finished record of its
    // own), none started again after its success (events.ndjson and its own record), none seen going back.
    const fanouts = new Set<number>([...itemTotal.keys(), ...(final?.stages.filter((s) => s.items).map((s) => s.index) ?? [])]);
    if (final?.pipeline === GRAPH && final.stages.some((s) => s.id === FAN)) fanouts.add(names.indexOf(FAN));
    for (const index of fanouts) {
      const key = `${runId}/${index}`;
      const label = `${key} (${name(index)})`;
      const items = final?.stages[index]?.items ?? null;
      const total = items?.total ?? itemTotal.get(index) ?? (name(index) === FAN ? ITEMS : 0);
      counts.itemsSucceeded += items?.succeeded ?? 0;
      if (!items) problems.push(`${label}: no items in the final metadata.json`);
      else if (items.succeeded !== items.total || items.running.length || items.failed.length || items.next !== items.total) {
        const running = items.running.map((r) => r.index).join(' ') || 'none';
        const failed = items.failed.map((f) => `${f.index} ${f.code}`).join(', ') || 'none';
        problems.push(`${label}: ends with items ${items.succeeded} succeeded of ${items.total} (next ${items.next}, running ${running}, failed ${failed})`);
      }
      if (name(index) === FAN && total !== ITEMS) problems.push(`${label}: ${total} items, the pipeline lists ${ITEMS}`);
      const own = itemLines.filter((c) => c.runId === runId && c.stage === name(index));
      const standing = itemSucceededAt.get(index) ?? new Map<number, number>();
      const ever = itemEverSucceeded.get(index) ?? new Set<number>();
      const notDone = new Set([...(items?.running.map((r) => r.index) ?? []), ...(items?.failed.map((f) => f.index) ?? [])]);
      const seenSucceeded = reader.itemsSeenSucceeded.get(key) ?? new Map<number, number>();
      for (let item = 0; item < total; item++) {
        const why: string[] = [];
        if (!items || item >= items.next || notDone.has(item)) why.push('not succeeded in the final metadata.json');
        if (!standing.has(item)) why.push(ever.has(item) ? 'its success was undone in events.ndjson' : 'no item.succeeded in events.ndjson');
        if (!own.some((c) => c.item === item && c.what === 'end')) why.push('no finished record of its own');
        const regressed = reader.itemsRegressed.get(`${key}/${item}`);
        if (regressed) why.push(`a reader saw it succeeded, then ${regressed}`);
        if (why.length) {
          itemsLost.add(`${key}/${item}`);
          problems.push(`${label} item ${item}: lost: ${why.join('; ')}${seenSucceeded.has(item) ? ` (a reader saw it succeeded at seq ${seenSucceeded.get(item)})` : ''}`);
        }
        // Its own record: no process of this item started after its success was recorded.
        const at = standing.get(item);
        const late = at === undefined ? [] : own.filter((c) => c.item === item && c.what === 'start' && c.at > at);
        if (late.length) {
          itemsRerun.add(`${key}/${item}`);
          problems.push(`${label} item ${item}: ${late.length} process(es) started after its success at ${new Date(at as number).toISOString()} (pids ${late.map((c) => c.pid).join(' ')})`);
        }
      }
    }
  }
  counts.lostSucceeded = lost.size;
  counts.rerunAfterSuccess = rerun.size;
  counts.itemsLost = itemsLost.size;
  counts.itemsRerunAfterSuccess = itemsRerun.size;
  if (counts.runs === 0) problems.push('no run was ever started');
}
