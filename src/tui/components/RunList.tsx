import { etaText, runRemainingMs } from '../../shared/eta.js';
import { Box, Text } from 'ink';
import { formatAge, formatDuration } from '../../shared/duration.js';
import { shortRunId } from '../../shared/names.js';
import { statusSymbol, statusTone, unreadableStatus } from '../../shared/status-symbols.js';
import { toneColor, useDisplay, useGlyphs } from '../display.js';
import { entryId } from '../run-entries.js';
import type { RunRows } from '../run-rows.js';
import { listWindow } from '../selectors.js';
import { cut } from '../text.js';

export interface RunListProps {
  /** Newest first (those the search lets through). */
  entries: RunRows;
  selectedId: string | null;
  /** Rows available; the list scrolls to keep the selection in view. */
  height: number;
  width: number;
  now: number;
  /** The `/` search, to say that nothing matches it. */
  filter?: string;
}

// The runs, one line each: status, pipeline, short id, age, stages done/total, duration, ETA. Newer runs above the
// window are counted on its first line, so a run that just started is never silently out of sight. A row is drawn
// from the run's listing (a finished run's index line); a running run's ETA from its whole state when held. Only
// the window's rows are drawn, whatever the length of the list.
export function RunList({ entries, selectedId, height, width, now, filter = '' }: RunListProps) {
  const display = useDisplay();
  const g = useGlyphs();
  if (entries.length === 0) return <Text>{filter ? `No run matches /${filter}. Esc clears the search.` : 'No runs yet. Press n to start one.'}</Text>;
  const at = Math.max(0, selectedId === null ? 0 : entries.indexOf(selectedId));
  const { first, rows, newer } = listWindow(entries.length, at, height);
  return (
    <Box flexDirection="column">
      {newer > 0 ? <Text dimColor={display.color}>{`  ${g.up} ${newer} newer (g goes to the newest)`}</Text> : null}
      {entries.slice(first, first + rows).map((entry) => {
        const id = entryId(entry);
        const selected = id === selectedId;
        const marker = selected ? g.marker : ' ';
        if (!entry.ok) {
          return (
            <Text key={id} color={toneColor(display, 'bad')} inverse={selected}>
              {cut(`${marker} ! ${`(${unreadableStatus(entry.error)})`.padEnd(14)} ${shortRunId(id)}  ${entry.error.code}`, width, g.ellipsis)}
            </Text>
          );
        }
        const { listing: run } = entry;
        const end = run.ended_at ? Date.parse(run.ended_at) : now;
        const took = run.started_at ? formatDuration(end - Date.parse(run.started_at)) : '';
        const eta = run.status === 'running' && entry.run ? etaText(runRemainingMs(entry.run, now)) : '';
        const age = `${formatAge(now - Date.parse(run.created_at))} ago`;
        const line = `${marker} ${statusSymbol(run.status, display.ascii)} ${run.pipeline.slice(0, 14).padEnd(14)} ${shortRunId(id)}  ${age.padStart(11)}  ${run.current_state.progress.padStart(5)}  ${took.padStart(7)}  ${eta}`;
        return (
          <Text key={id} color={toneColor(display, statusTone(run.status))} inverse={selected}>
            {line.trimEnd().slice(0, width)}
          </Text>
        );
      })}
    </Box>
  );
}
