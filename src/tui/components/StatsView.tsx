import { Box, Text } from 'ink';
import { formatBytes } from '../../shared/bytes.js';
import { formatDuration } from '../../shared/duration.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { statusSymbol } from '../../shared/status-symbols.js';
import type { StageStats } from '../../shared/stage-stats.js';
import { sparkline, timelineBar } from '../charts.js';
import { shortRunId } from '../../shared/names.js';
import { toneColor, useDisplay, useGlyphs } from '../display.js';
import { cut, fitLine } from '../text.js';

export interface StatsViewProps {
  run: RunMetadata;
  /** Per stage id, from the history index; null while it loads. */
  stats: Map<string, StageStats> | null;
  width: number;
  now: number;
}

const LABEL = 16;
const SPARK = 20;
const MEM_SPARK = 10;

// `s`: the selected run on a timeline, a bar per stage placed in time, and beside each stage its recent durations,
// so a stage slower than usual stands out.
export function StatsView({ run, stats, width, now }: StatsViewProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const from = Date.parse(run.started_at ?? run.created_at);
  const to = run.ended_at ? Date.parse(run.ended_at) : now;
  // Room right of the bar: the duration, the sparkline, and "usually 12m 30s (slow)"; then, where stages' memory was
  // measured, its recent peaks and the usual one ("▂▃▅▂ 212 MiB").
  const memory = stats !== null && [...stats.values()].some((st) => st.recent_peak_rss_bytes.length > 0);
  // Under 100 columns (an 80-column SSH window) the memory still fits: shorter sparklines, `~12m 30s` for the usual.
  const compact = memory && width < 100;
  const [spark, memSpark, usualWidth] = compact ? [8, 6, 16] : [SPARK, MEM_SPARK, 22];
  const right = 2 + 8 + 1 + spark + 1 + usualWidth + (memory ? memSpark + 10 : 0);
  const bar = Math.max(10, width - LABEL - right);
  return (
    <Box flexDirection="column">
      <Text bold>{fitLine([[`${run.pipeline} ${shortRunId(run.run_id)}`, formatDuration(to - from), memory ? 'timeline, recent durations and peak memory' : 'timeline and recent durations'], [`${run.pipeline} ${shortRunId(run.run_id)}`, formatDuration(to - from), 'timeline']], g.sep, width, g.ellipsis)}</Text>
      {run.stages.map((s) => {
        const start = s.started_at ? Date.parse(s.started_at) : null;
        const end = s.ended_at ? Date.parse(s.ended_at) : start !== null ? now : null;
        const took = start !== null && end !== null ? end - start : null;
        const line = start !== null && end !== null ? timelineBar(start, end, from, to, bar, display.ascii) : '';
        const st = stats?.get(s.id);
        const slow = took !== null && st?.p90_ms != null && st.runs >= 3 && took > st.p90_ms;
        const usual = st?.median_ms != null ? `${compact ? '~' : 'usually '}${formatDuration(st.median_ms)}` : st?.runs ? `failed ${st.failed} of ${st.runs}` : stats ? 'no history' : '';
        const durations = st ? sparkline(st.recent_ms.slice(-spark), display.ascii) : '';
        const peaks = memory && st?.median_peak_rss_bytes != null ? `  ${sparkline(st.recent_peak_rss_bytes.slice(-memSpark), display.ascii).padEnd(memSpark)} ${formatBytes(st.median_peak_rss_bytes)}` : '';
        return (
          <Text key={s.id} color={slow ? toneColor(display, 'bad') : undefined}>
            {cut(`${statusSymbol(s.status, display.ascii)} ${s.id.slice(0, LABEL - 3).padEnd(LABEL - 2)}${line.padEnd(bar)}  ${(took === null ? '' : formatDuration(took)).padStart(8)} ${durations.padEnd(spark)} ${`${usual}${slow ? ' (slow)' : ''}`.padEnd(memory ? usualWidth : 0)}${peaks}`, width, g.ellipsis)}
          </Text>
        );
      })}
      <Text dimColor={display.color}>any key closes</Text>
    </Box>
  );
}
