import { etaText, runRemainingMs } from '../../shared/eta.js';
import { Box, Text } from 'ink';
import { formatDuration } from '../../shared/duration.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { statusSymbol, statusTone } from '../../shared/status-symbols.js';
import { toneColor, useDisplay } from '../display.js';
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
  const end = run.ended_at ? Date.parse(run.ended_at) : now;
  const took = run.started_at ? formatDuration(end - Date.parse(run.started_at)) : 'not started';
  const eta = run.status === 'running' ? ` · ${etaText(runRemainingMs(run, now))}` : '';
  const cost = run.total_cost_usd > 0 ? ` · $${run.total_cost_usd.toFixed(2)}` : '';
  const entities = entityRows > 0 ? run.entities.slice(-entityRows) : [];
  return (
    <Box flexDirection="column">
      <Text bold color={toneColor(display, statusTone(run.status))} wrap="truncate">
        {`${statusSymbol(run.status, display.ascii)} ${run.pipeline} ${run.run_id} · ${run.status} · ${run.current_state.progress} · ${took}${eta}${cost}`.slice(0, width)}
      </Text>
      {run.status === 'awaiting_approval' ? <Text color={toneColor(display, 'wait')}>{`  ${run.current_state.step} waits for approval: press a to let it go on`}</Text> : null}
      {run.stages.map((s) => (
        <StageRow key={s.id} stage={s} selected={s.index === stage} width={width} now={now} />
      ))}
      {entities.map((e) => (
        <Text key={e.sequence} dimColor={display.color} wrap="truncate">
          {`    ${String(e.sequence).padStart(3)} ${e.type.padEnd(12)} ${e.filename.padEnd(24)} ${e.timestamp.slice(11, 19)} ${JSON.stringify(e.metadata)}`.slice(0, width)}
        </Text>
      ))}
    </Box>
  );
}
