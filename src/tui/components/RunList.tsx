import { etaText, runRemainingMs } from '../../shared/eta.js';
import { Box, Text } from 'ink';
import { formatDuration } from '../../shared/duration.js';
import { shortRunId } from '../../shared/names.js';
import { statusSymbol, statusTone, unreadableStatus } from '../../shared/status-symbols.js';
import { toneColor, useDisplay } from '../display.js';
import { type RunEntry, entryId } from '../run-entries.js';

export interface RunListProps {
  /** Newest first. */
  entries: RunEntry[];
  selectedId: string | null;
  /** Rows available; the list scrolls to keep the selection in view. */
  height: number;
  width: number;
  now: number;
}

// The runs, one line each: status, pipeline, short id, age, stages done/total, duration, ETA.
export function RunList({ entries, selectedId, height, width, now }: RunListProps) {
  const display = useDisplay();
  if (entries.length === 0) return <Text>No runs yet. Press n to start one.</Text>;
  const at = Math.max(0, entries.findIndex((e) => entryId(e) === selectedId));
  const first = Math.min(Math.max(0, at - Math.floor(height / 2)), Math.max(0, entries.length - height));
  return (
    <Box flexDirection="column">
      {entries.slice(first, first + height).map((entry) => {
        const id = entryId(entry);
        const selected = id === selectedId;
        const marker = selected ? (display.ascii ? '>' : '›') : ' ';
        if (!entry.ok) {
          return (
            <Text key={id} color={toneColor(display, 'bad')} inverse={selected} wrap="truncate">
              {`${marker} ! ${`(${unreadableStatus(entry.error)})`.padEnd(14)} ${shortRunId(id)}  ${entry.error.code}`}
            </Text>
          );
        }
        const run = entry.run;
        const end = run.ended_at ? Date.parse(run.ended_at) : now;
        const took = run.started_at ? formatDuration(end - Date.parse(run.started_at)) : '';
        const eta = run.status === 'running' ? etaText(runRemainingMs(run, now)) : '';
        const age = `${formatDuration(now - Date.parse(run.created_at))} ago`;
        const line = `${marker} ${statusSymbol(run.status, display.ascii)} ${run.pipeline.slice(0, 14).padEnd(14)} ${shortRunId(id)}  ${age.padStart(11)}  ${run.current_state.progress.padStart(5)}  ${took.padStart(7)}  ${eta}`;
        return (
          <Text key={id} color={toneColor(display, statusTone(run.status))} inverse={selected} wrap="truncate">
            {line.slice(0, width)}
          </Text>
        );
      })}
    </Box>
  );
}
