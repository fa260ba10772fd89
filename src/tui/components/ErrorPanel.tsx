import { Box, Text } from 'ink';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { fitSpans } from '../../shared/fit-spans.js';
import type { Span } from '../../shared/terminal-text.js';
import { toneColor, useDisplay, useGlyphs } from '../display.js';
import { errorPanelLines } from '../error-text.js';
import { OutputLine } from './OutputLine.js';

export interface ErrorPanelProps {
  run: RunMetadata;
  /** The run's folder, to name the error entity's path. */
  runDir: string;
  /** The failed stage's last log lines, as a terminal shows them, each cut here to the width. */
  logLines: Span[][];
  width: number;
}

// What failed and why: the code, stage and exit code first in bold, then the message, the hint, the error entity's
// path, and the end of the stage's log.
export function ErrorPanel({ run, runDir, logLines, width }: ErrorPanelProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const lines = errorPanelLines(run, runDir, width, g);
  if (lines.length === 0) return null;
  const [head, ...rest] = lines;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text color={toneColor(display, 'bad')} bold>
        {head}
      </Text>
      {rest.map((line, i) => (
        <Text key={i}>{line || ' '}</Text>
      ))}
      {logLines.map((line, i) => (
        <OutputLine key={`log${i}`} prefix={`  ${display.ascii ? '|' : '│'} `} spans={fitSpans(line, width - 4, g.ellipsis)} dim />
      ))}
    </Box>
  );
}
