import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { renderLine } from '../../src/shared/terminal-text.js';
import { formatDuration } from '../../src/shared/duration.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { EntityView } from '../../src/tui/components/EntityView.js';
import { ErrorPanel } from '../../src/tui/components/ErrorPanel.js';
import { Footer } from '../../src/tui/components/Footer.js';
import { Header } from '../../src/tui/components/Header.js';
import { HelpOverlay } from '../../src/tui/components/HelpOverlay.js';
import { LogPane } from '../../src/tui/components/LogPane.js';
import { Picker } from '../../src/tui/components/Picker.js';
import { RunDetail } from '../../src/tui/components/RunDetail.js';
import { RunList } from '../../src/tui/components/RunList.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { StatsView } from '../../src/tui/components/StatsView.js';
import { DisplayContext } from '../../src/tui/display.js';
import { formatCost } from '../../src/tui/text.js';
import { type RunEntry, entryId } from '../../src/tui/run-entries.js';
import { T0, held, listed, states } from './run-states.js';

const NOW = T0 + 8000;
const plain = { ascii: false, color: false };
const ascii = { ascii: true, color: false };
const frame = (node: React.ReactNode, display = plain): string => render(<DisplayContext.Provider value={display}>{node}</DisplayContext.Provider>).lastFrame() ?? '';
const lines = (text: string): string[] => text.split('\n');
const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

describe('text fits 80 columns without losing what matters', () => {
  const long = 'the upstream service answered 503 three times in a row while the stage uploaded segment 12 of 40; its body said: maintenance window until 10:30 UTC';
  const failedLong = (): RunMetadata => {
    const run = states.failed();
    const stages = run.stages.map((s, i) => (i === 0 && s.error ? { ...s, error: { ...s.error, message: long } } : s));
    return { ...run, stages };
  };

  it('wraps the error panel: the code and stage first, then every word of the message and the hint', () => {
    const out = frame(<ErrorPanel run={failedLong()} runDir="/ws/runs/r1" logLines={[renderLine('boom')]} width={80} />);
    for (const line of lines(out)) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines(out)[1]).toMatch(/^ERR_STAGE_EXIT in prepare \(exit code 3\)/);
    expect(words(out)).toContain(words(long));
    expect(words(out)).toContain('hint: the stage exited non-zero: its log (l) says why');
    expect(out).not.toContain('…');
  });

  it('never cuts a figure of the run header: the cost is whole, a small one is not $0.00', () => {
    const run = { ...states.running(), total_cost_usd: 0.004 };
    const header = lines(frame(<RunDetail run={run} stage={1} entityRows={0} width={80} now={NOW} />))[0] ?? '';
    expect(header.length).toBeLessThanOrEqual(80);
    expect(header).toMatch(/ETA unknown · \$0\.004$/);
    const cents = lines(frame(<RunDetail run={{ ...run, total_cost_usd: 0.05 }} stage={1} entityRows={0} width={80} now={NOW} />))[0];
    expect(cents).toMatch(/\$0\.05$/);
    expect(lines(frame(<RunDetail run={{ ...run, total_cost_usd: 12.5 }} stage={1} entityRows={0} width={80} now={NOW} />))[0]).toMatch(/\$12\.50$/);
    expect([0.0999, 0.013, 0.0134, 0.00001234].map(formatCost)).toEqual(['$0.10', '$0.013', '$0.013', '$0.000012']);
  });

  it('fits the stats view title in 80 columns', () => {
    const title = lines(frame(<StatsView run={states.running()} stats={null} width={80} now={NOW} />))[0] ?? '';
    expect(title.length).toBeLessThanOrEqual(80);
    expect(title).not.toContain('…');
    expect(title).toMatch(/^podcast abc123 · 7\.0s · timeline and recent durations/);
  });

  it('wraps a long note over lines, so the end of an error (line and column) shows', () => {
    const note = 'ERR_PIPELINE_INVALID: ../../tmp/pipe-tui-test-AbCdEf/pipelines/broken.yaml: not valid YAML: bad indentation at line 3, column 5';
    const out = frame(<Footer connection="live" note={note} width={80} />);
    expect(words(out)).toContain('bad indentation at line 3, column 5');
    for (const line of lines(out)) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('times', () => {
  it('never go below zero, whatever the clocks say', () => {
    expect(formatDuration(-8)).toBe('0ms');
    expect(formatDuration(-5000)).toBe('0ms');
    const run = states.running();
    // The run was made and its stage started "after" this clock's now: a skewed clock, or a frame drawn early.
    const out = frame(<RunList entries={RunRows.of([held(run)])} selectedId={null} height={5} width={80} now={T0 - 2000} />);
    expect(out).toMatch(/0ms ago/);
    expect(out).not.toMatch(/\s-\d/);
    expect(frame(<RunDetail run={run} stage={1} entityRows={0} width={100} now={T0} />)).not.toMatch(/\s-\d/);
  });
});

describe('the run list window', () => {
  const many: RunEntry[] = Array.from({ length: 12 }, (_, i) => listed(`20261124-1000${String(59 - i).padStart(2, '0')}-000-run${String(i).padStart(3, '0')}`));

  it('says how many newer runs are above it when scrolled down', () => {
    const id = many[10] ? entryId(many[10]) : '';
    const out = lines(frame(<RunList entries={RunRows.of(many)} selectedId={id} height={5} width={80} now={NOW} />));
    expect(out[0]).toMatch(/↑ 8 newer/);
    expect(out).toHaveLength(5);
    expect(out.some((l) => l.includes('run010'))).toBe(true);
    expect(frame(<RunList entries={RunRows.of(many)} selectedId={null} height={5} width={80} now={NOW} />)).not.toMatch(/newer/);
  });

  it('says when a search matches no run', () => {
    expect(frame(<RunList entries={RunRows.of([])} selectedId={null} height={5} width={80} now={NOW} filter="mani" />)).toContain('No run matches /mani');
  });
});

describe('the picker', () => {
  it("shows each pipeline's description beside its name, cut to fit", () => {
    const out = frame(<Picker matches={[{ name: 'hello', description: 'says hello in two stages' }, { name: 'podcast', description: `a podcast from a topic ${'and more '.repeat(20)}` }]} query="" pick={0} width={80} total={2} />);
    expect(out).toMatch(/hello +says hello in two stages/);
    for (const line of lines(out)) expect(line.length).toBeLessThanOrEqual(80);
    expect(out).toMatch(/podcast +a podcast from a topic and more.*…/);
  });

  it('in a workspace without pipelines, says where they live and shows one', () => {
    const out = frame(<Picker matches={[]} query="" pick={0} width={80} total={0} />);
    expect(out).toContain('pipelines/*.yaml');
    expect(out).toMatch(/stages:\n +- id: \w+\n +run: /);
  });
});

describe('help, footer and --ascii', () => {
  it('describes Enter as showing or hiding the log, as the README does', () => {
    const out = frame(<HelpOverlay />);
    expect(out).toMatch(/Enter \/ l +show or hide the selected stage's log/);
    expect(out).not.toContain('open the selected run in full');
  });

  it('says when there is no daemon yet, or one stopped on purpose, and how to start it', () => {
    expect(frame(<Footer connection="idle" note={null} width={80} />)).toMatch(/● no daemon yet$/);
    expect(frame(<Footer connection="stopped" note={null} width={80} />)).toMatch(/daemon stopped · D starts it$/);
  });

  it('shows the search prompt in the footer while typing', () => {
    expect(frame(<Footer connection="live" note={null} width={80} search="mani" />)).toMatch(/^\/mani▏ +Enter keeps it · Esc clears/m);
  });

  it('draws no arrow, dot, ellipsis or block character with --ascii', () => {
    const run = states.failed();
    const views = [
      <Header workspace="/ws" />,
      <Footer connection="connecting" note={null} width={80} />,
      <Footer connection="stopped" note={'x'.repeat(200)} width={80} />,
      <Footer connection="live" note={null} width={80} search="ab" />,
      <HelpOverlay />,
      <Picker matches={[{ name: 'hello', description: 'd'.repeat(200) }]} query="h" pick={0} width={80} total={1} />,
      <Picker matches={[]} query="" pick={0} width={80} total={0} />,
      <RunDetail run={run} stage={0} entityRows={2} width={80} now={NOW} />,
      <ErrorPanel run={run} runDir="/ws/runs/r1" logLines={[renderLine('boom')]} width={80} />,
      <StatsView run={run} stats={null} width={80} now={NOW} />,
      <EntityView title="01_error.json (error)" text={`${'y'.repeat(200)}\n`.repeat(50)} top={0} height={5} width={80} />,
      <EntityView title="01_error.json (error)" text={null} top={0} height={5} width={80} />,
      <LogPane title="log: prepare" lines={[]} follow missing />,
    ];
    for (const view of views) {
      const out = frame(view, ascii);
      expect(out, out).not.toMatch(/[^\x00-\x7f]/);
    }
  });
});

describe('the entity viewer', () => {
  it('shows the lines from its scroll position and says how to move', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const out = frame(<EntityView title="t" text={text} top={10} height={5} width={80} />);
    expect(out).toMatch(/line 11\nline 12\nline 13\nline 14\nline 15\n/);
    expect(out).not.toContain('line 10\n');
    expect(out).toMatch(/11-15 of 30 · j\/k PgUp\/PgDn Home\/End move · q back/);
  });
});

describe('the log pane', () => {
  it('says a stage has no output yet rather than showing something else', () => {
    expect(frame(<LogPane title="log: publish" lines={[]} follow missing />)).toMatch(/log: publish[\s\S]*no output yet/);
  });
});
