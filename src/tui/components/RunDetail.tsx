import { etaText, runRemainingMs } from '../../shared/eta.js';
import { Box, Text } from 'ink';
import { waitingText } from '../../shared/stage-graph.js';
import { formatDuration } from '../../shared/duration.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { shortRunId } from '../../shared/names.js';
import { statusSymbol, statusTone } from '../../shared/status-symbols.js';
import { toneColor, useDisplay, useGlyphs } from '../display.js';
import { cut, fitLine, formatCost } from '../text.js';
import { StageRow } from './StageRow.js';

export interface RunDetailProps {
  run: RunMetadata;
  /** Index of the stage whose log is shown. */
  stage: number;
  /** Entities to list (the newest), 0 for none. */
  entityRows: number;
  width: number;
  now: number;
}

// The selected run: a header with status, progress, time and ETA, then its stages and newest entities.
export function RunDetail({ run, stage, entityRows, width, now }: RunDetailProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const end = run.ended_at ? Date.parse(run.ended_at) : now;
  const took = run.started_at ? formatDuration(end - Date.parse(run.started_at)) : 'not started';
  const eta = run.status === 'running' ? etaText(runRemainingMs(run, now)) : '';
  const cost = run.total_cost_usd > 0 ? formatCost(run.total_cost_usd) : '';
  const entities = entityRows > 0 ? run.entities.slice(-entityRows) : [];
  // Never a figure cut in half: the full id gives way to the short one, then the status word (its symbol stays).
  const name = `${statusSymbol(run.status, display.ascii)} ${run.pipeline}`;
  const figures = [run.current_state.progress, took, eta, cost];
  const header = fitLine(
    [
      [`${name} ${run.run_id}`, run.status, ...figures],
      [`${name} ${shortRunId(run.run_id)}`, run.status, ...figures],
      [`${name} ${shortRunId(run.run_id)}`, ...figures],
    ],
    g.sep,
    width,
    g.ellipsis,
  );
  return (
    <Box flexDirection="column">
      <Text bold color={toneColor(display, statusTone(run.status))}>
        {header}
      </Text>
      {run.status === 'awaiting_approval' ? <Text color={toneColor(display, 'wait')}>{cut(`  ${run.stages.find((s) => s.status === 'awaiting_approval')?.id ?? run.current_state.step} waits for approval: press a to let it go on`, width, g.ellipsis)}</Text> : null}
      {run.stages.map((s) => (
        <StageRow key={s.id} stage={s} selected={s.index === stage} width={width} now={now} waiting={waitingText(run.stages, s.index, display.ascii)} />
      ))}
      {entities.map((e) => (
        <Text key={e.sequence} dimColor={display.color}>
          {`    ${String(e.sequence).padStart(3)} ${e.type.padEnd(12)} ${e.filename.padEnd(24)} ${e.timestamp.slice(11, 19)} ${JSON.stringify(e.metadata)}`.slice(0, width)}
        </Text>
      ))}
    </Box>
  );
}
