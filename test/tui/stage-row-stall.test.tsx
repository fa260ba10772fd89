import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { RunEventBody } from '../../src/shared/events.js';
import { StageRow } from '../../src/tui/components/StageRow.js';
import { DisplayContext } from '../../src/tui/display.js';
import { T0, runFrom } from './run-states.js';

// research starts at 3 s, last prints at 6 s and is told stalled at 8 s (2 s of silence).
const stalledAt8s: (RunEventBody & { ms?: number })[] = [
  { type: 'run.started' },
  { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
  { type: 'stage.succeeded', stage: 0, outputs: [] },
  { type: 'stage.started', stage: 1, attempt: 1, pgid: 2, ms: 3000 },
  { type: 'stage.progress', stage: 1, current: 3, total: 10, message: 'Synthesizing segments', ms: 6000 },
  { type: 'stage.stalled', stage: 1, silent_ms: 2000, ms: 8000 },
];

function row(bodies: (RunEventBody & { ms?: number })[], now: number, ascii = false): string {
  const stage = runFrom(bodies).stages[1];
  if (!stage) throw new Error('no stage 1');
  const node = (
    <DisplayContext.Provider value={{ ascii, color: false }}>
      <StageRow stage={stage} selected={false} width={140} now={now} />
    </DisplayContext.Provider>
  );
  return render(node).lastFrame() ?? '';
}

describe('a stalled stage on its row', () => {
  it('says how long it has been silent, counted from its last output and growing with the clock', () => {
    expect(row(stalledAt8s, T0 + 8000)).toMatch(/▶ research .* ⚠ silent for 2\.0s +Synthesizing segments/);
    expect(row(stalledAt8s, T0 + 6000 + 12 * 60_000)).toContain('⚠ silent for 12m 00s');
  });

  it('uses ! under --ascii, and nothing else outside ASCII', () => {
    const out = row(stalledAt8s, T0 + 8000, true);
    expect(out).toContain('! silent for 2.0s');
    expect(out).not.toMatch(/[^\x00-\x7f]/);
  });

  it('drops the mark once the stage speaks again, or makes progress', () => {
    expect(row(stalledAt8s, T0 + 9000)).toContain('silent for');
    expect(row([...stalledAt8s, { type: 'stage.unstalled', stage: 1, silent_ms: 3000, ms: 9000 }], T0 + 9000)).not.toContain('silent');
    expect(row([...stalledAt8s, { type: 'stage.progress', stage: 1, current: 4, total: 10, message: null, ms: 9000 }], T0 + 9000)).not.toContain('silent');
  });
});
