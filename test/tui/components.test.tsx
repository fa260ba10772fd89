import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { renderLine } from '../../src/shared/terminal-text.js';
import { PipeError } from '../../src/shared/errors.js';
import { ErrorPanel } from '../../src/tui/components/ErrorPanel.js';
import { Footer } from '../../src/tui/components/Footer.js';
import { HelpOverlay } from '../../src/tui/components/HelpOverlay.js';
import { Picker } from '../../src/tui/components/Picker.js';
import { RunDetail } from '../../src/tui/components/RunDetail.js';
import { RunList } from '../../src/tui/components/RunList.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { StartScreen } from '../../src/tui/components/StartScreen.js';
import { StatsView } from '../../src/tui/components/StatsView.js';
import { stageStats } from '../../src/shared/stage-stats.js';
import type { HistoryRecord } from '../../src/shared/history-record.js';
import { DisplayContext, toneColor } from '../../src/tui/display.js';
import type { RunEntry } from '../../src/tui/run-entries.js';
import { T0, held, listed, states } from './run-states.js';

const NOW = T0 + 8000;
const plain = { ascii: false, color: false };
const frame = (node: React.ReactNode, display = plain): string => render(<DisplayContext.Provider value={display}>{node}</DisplayContext.Provider>).lastFrame() ?? '';

describe('RunList', () => {
  it('says what to do in an empty workspace', () => {
    expect(frame(<RunList entries={RunRows.of([])} selectedId={null} height={5} width={80} now={NOW} />)).toContain('No runs yet. Press n to start one.');
  });

  it('lists runs with status, pipeline, short id, age, progress, duration and ETA; a corrupt run as corrupt', () => {
    const entries: RunEntry[] = [
      held(states.running()),
      { ok: false, runId: '20261124-090000-000-broken', error: new PipeError('ERR_METADATA_CORRUPT', 'not JSON') },
      listed('20261124-080000-000-zzz999'),
      listed('20261124-070000-000-yyy888', states.running()),
    ];
    const out = frame(<RunList entries={RunRows.of(entries)} selectedId={states.running().run_id} height={5} width={80} now={NOW} />);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/› ▶ podcast +abc123 +8\.0s ago +1\/5 +7\.0s +ETA/);
    expect(lines[1]).toMatch(/! \(corrupt\) +broken +ERR_METADATA_CORRUPT/);
    expect(lines[2]).toMatch(/✘ podcast +zzz999/);
    // A running run known by its listing alone: its row, without an ETA until its state is held.
    expect(lines[3]).toMatch(/▶ podcast +yyy888 +8\.0s ago +1\/5 +7\.0s$/);
  });

  it('uses ASCII only with --ascii', () => {
    const out = frame(<RunList entries={RunRows.of([held(states.running())])} selectedId={null} height={5} width={80} now={NOW} />, { ascii: true, color: false });
    expect(out).toMatch(/^ {2}> podcast/);
    expect(out).not.toMatch(/[^\x00-\x7f]/);
  });
});

describe('RunDetail', () => {
  it("says on a stage's row how many of its ::pipe: lines were malformed", () => {
    const run = states.running();
    const stages = run.stages.map((s, i) => (i === 1 ? { ...s, malformed_lines: 3 } : s));
    expect(frame(<RunDetail run={{ ...run, stages }} stage={1} entityRows={0} width={120} now={NOW} />)).toContain('⚠ 3 malformed ::pipe: lines');
  });

  it('shows a running stage with its substage bar, count, message and ETA', () => {
    const out = frame(<RunDetail run={states.running()} stage={1} entityRows={0} width={100} now={NOW} />);
    expect(out).toMatch(/✔ prepare +1\.0s/);
    // 3 of 10 in 3 s when reported at 6 s: 7 s left then, 5 s at 8 s (the rate counts down between reports).
    expect(out).toMatch(/› ▶ research +████░+ 3\/10 +5\.0s +ETA 5\.0s +Synthesizing segments/);
  });

  it('shows a Slurm stage with its job id and what Slurm says (a pending job says why it waits)', () => {
    const run = states.running();
    const stages = run.stages.map((s, i) => (i === 1 ? { ...s, progress: null, job: { executor: 'slurm' as const, id: '4242', state: 'PENDING', reason: 'Resources', output: 'slurm/01_research.1.out' } } : s));
    const out = frame(<RunDetail run={{ ...run, stages }} stage={1} entityRows={0} width={100} now={NOW} />);
    expect(out).toMatch(/▶ research +slurm 4242 PENDING \(Resources\) +5\.0s/);
  });

  it('says ETA unknown with neither history nor progress, and what history expects of stages to come', () => {
    const run = states.running();
    const stages = run.stages.map((s, i) => (i === 1 ? { ...s, progress: null } : i === 2 ? { ...s, expected_ms: 90_000, expected_samples: 7 } : s));
    const out = frame(<RunDetail run={{ ...run, stages }} stage={1} entityRows={0} width={100} now={NOW} />);
    expect(out).toMatch(/▶ research +5\.0s +ETA unknown/);
    expect(out).toMatch(/· running · 1\/5 · .* · ETA unknown/);
    expect(out).toMatch(/· summarize +usually 1m 30s/);
  });

  it('shows a retrying stage as "attempt 2 of 3, next in 4 s"', () => {
    expect(frame(<RunDetail run={states.retrying()} stage={0} entityRows={0} width={100} now={T0 + 2000} />)).toMatch(/↻ prepare +attempt 2 of 3, next in 4\.0s/);
  });

  it('shows a queued run and one awaiting approval', () => {
    expect(frame(<RunDetail run={states.queued()} stage={0} entityRows={0} width={100} now={NOW} />)).toMatch(/◌ podcast .* queued · 0\/5 · not started/);
    const waiting = frame(<RunDetail run={states.awaiting()} stage={1} entityRows={0} width={100} now={NOW} />);
    expect(waiting).toContain('research waits for approval: press a to let it go on');
    expect(waiting).toMatch(/⏸ research .*waits for approval/);
  });

  it('lists the newest entities with sequence, type, file, time and metadata', () => {
    expect(frame(<RunDetail run={states.failed()} stage={0} entityRows={3} width={120} now={NOW} />)).toMatch(/1 error +01_error\.json +10:00:02 \{"code":"ERR_STAGE_EXIT"\}/);
  });

  it('shows cancelled and interrupted runs', () => {
    expect(frame(<RunDetail run={states.cancelled()} stage={0} entityRows={0} width={100} now={NOW} />)).toMatch(/⊘ prepare .*ERR_CANCELLED/);
    expect(frame(<RunDetail run={states.interrupted()} stage={0} entityRows={0} width={100} now={NOW} />)).toMatch(/⚡ podcast .* interrupted/);
  });
});

describe('ErrorPanel', () => {
  it('names the code, stage, message, exit code, the error entity, a hint and the log end', () => {
    const out = frame(<ErrorPanel run={states.failed()} runDir="/ws/runs/r1" logLines={['Traceback:', 'boom'].map(renderLine)} width={100} />);
    expect(out).toContain('ERR_STAGE_EXIT in prepare (exit code 3)\n  ERR_STAGE_EXIT happened');
    expect(out).toContain('hint: the stage exited non-zero');
    expect(out).toContain('details: /ws/runs/r1/01_error.json');
    expect(out).toContain('│ boom');
  });

  it('says the exit code once when the message already gives it', () => {
    const run = states.failed();
    const said = { ...run, stages: run.stages.map((s) => (s.error ? { ...s, error: { ...s.error, message: 'sh exited with code 3' } } : s)) };
    const out = frame(<ErrorPanel run={said} runDir="/ws/runs/r1" logLines={[]} width={100} />);
    expect(out).toContain('ERR_STAGE_EXIT in prepare\n  sh exited with code 3');
    expect(out).not.toContain('(exit code 3)');
  });

  it('explains an interrupted run', () => {
    expect(frame(<ErrorPanel run={states.interrupted()} runDir="/ws/runs/r1" logLines={[]} width={100} />)).toContain('hint: the daemon stopped under this run; r resumes it');
  });
});

describe('RunDetail of a graph', () => {
  it('shows every running stage with its bar, and what a pending stage waits for', () => {
    const lines = frame(<RunDetail run={states.graph()} stage={1} entityRows={0} width={80} now={NOW} />).split('\n');
    expect(lines[2]).toMatch(/▶ research .*3\/10/);
    expect(lines[3]).toMatch(/▶ summarize .*7\/10/);
    expect(lines[4]).toMatch(/· synthesize +← research, summarize$/);
    // package waits for synthesize, which is not running yet: the list says so too.
    expect(lines[5]).toMatch(/· package +← synthesize$/);
  });

  it('shows no arrows for a line of stages: each waits for the one above it', () => {
    expect(frame(<RunDetail run={states.running()} stage={1} entityRows={0} width={80} now={NOW} />)).not.toContain('←');
  });
});

describe('StatsView', () => {
  it('places each stage on the run timeline, with its recent durations, and marks one slower than usual', () => {
    const run = states.running();
    const past = (stage: string, ms: number[]): HistoryRecord[] =>
      ms.map((duration_ms, i) => ({ run_id: `h${i}`, pipeline: 'podcast', stage, index: 0, status: 'succeeded', duration_ms, attempts: 1, error_code: null, ended_at: `2026-11-2${i}T00:00:00.000Z` }));
    const stats = new Map([
      ['prepare', stageStats('prepare', past('prepare', [100, 200, 300, 400]))],
      ['research', stageStats('research', past('research', [5000, 5000, 5000]))],
    ]);
    const lines = frame(<StatsView run={run} stats={stats} width={100} now={NOW} />).split('\n');
    expect(lines[0]).toMatch(/^podcast abc123 · .* timeline/);
    // prepare took 1 s, far above its p90 of 400 ms: slow. Its bar starts at the run's start.
    expect(lines[1]).toMatch(/^✔ prepare +█+ +1\.0s ▁▃▆█ +usually 250ms \(slow\)$/);
    // research has run 5 s so far (its bar reaches now), as long as usual: not slow.
    expect(lines[2]).toMatch(/^▶ research +█+ +5\.0s ▄▄▄ +usually 5\.0s$/);
    expect(lines[3]).toMatch(/^· summarize +no history$/);
  });

  it('adds each stage’s recent peak memory and its usual peak where it was measured', () => {
    const run = states.running();
    const MIB = 1024 * 1024;
    const past = (stage: string, peaks: (number | null)[]): HistoryRecord[] =>
      peaks.map((peak, i) => ({ run_id: `h${i}`, pipeline: 'podcast', stage, index: 0, status: 'succeeded', duration_ms: 100, attempts: 1, error_code: null, ended_at: `2026-11-2${i}T00:00:00.000Z`, peak_rss_bytes: peak === null ? null : peak * MIB }));
    const stats = new Map([
      ['prepare', stageStats('prepare', past('prepare', [100, 200, 300, 400]))],
      ['research', stageStats('research', past('research', [null, null]))],
    ]);
    const lines = frame(<StatsView run={run} stats={stats} width={100} now={NOW} />).split('\n');
    expect(lines[0]).toMatch(/peak memory/);
    expect(lines[1]).toMatch(/usually 100ms \(slow\) +▁▃▆█ +250 MiB$/);
    expect(lines).toHaveLength(7);
    expect(lines[2]).not.toMatch(/MiB/);
    // In an 80-column terminal the memory still shows, beside shorter sparklines.
    const narrow = frame(<StatsView run={run} stats={stats} width={80} now={NOW} />).split('\n');
    expect(narrow[1]).toMatch(/^✔ prepare +█+ +1\.0s \S{4} +~100ms \(slow\) +▁▃▆█ +250 MiB$/);
    expect(narrow.every((line) => line.length <= 80)).toBe(true);
  });
});

describe('StartScreen', () => {
  it('draws the header and footer of the full screen while the rest loads', () => {
    const lines = frame(<StartScreen workspace="/srv/ws" />).split('\n');
    expect(lines[0]).toBe('pipe-tui · /srv/ws');
    expect(lines[1]).toMatch(/j\/k runs .* ● connecting…$/);
  });
});

describe('Footer, help and picker', () => {
  it('shows the connection: live, reconnecting, read-only', () => {
    expect(frame(<Footer connection="live" note={null} width={100} />)).toMatch(/q quit +● live/);
    expect(frame(<Footer connection="reconnecting" note={null} width={100} />)).toContain('● reconnecting…');
    expect(frame(<Footer connection="read-only" note="started x" width={100} />)).toMatch(/started x[\s\S]*read-only \(no daemon\)/);
  });

  it('lists every key of SPEC section 7 in the help overlay', () => {
    const out = frame(<HelpOverlay />);
    for (const key of ['j k', 'Enter', 'n', 'c', 'r', 'a', 'l', '?', 'q']) expect(out).toContain(key);
  });

  it('highlights the picked pipeline among the matches', () => {
    const out = frame(<Picker matches={[{ name: 'podcast', description: null }, { name: 'hello', description: null }]} query="o" pick={1} width={80} total={3} />);
    expect(out).toContain('New run: o');
    expect(out).toContain('hello');
  });

  it('asks Ink for no colour at all when colour is off (NO_COLOR), and for colours when on', () => {
    expect(toneColor({ ascii: false, color: false }, 'bad')).toBeUndefined();
    expect(toneColor({ ascii: false, color: true }, 'bad')).toBe('red');
  });
});
