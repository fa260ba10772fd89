import path from 'node:path';
import { Box, Text } from 'ink';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { failedStage } from '../../shared/derive-run.js';
import { toneColor, useDisplay } from '../display.js';
import { errorHint } from '../error-hints.js';

export interface ErrorPanelProps {
  run: RunMetadata;
  /** The run's folder, to name the error entity's path. */
  runDir: string;
  /** The failed stage's last log lines. */
  logLines: string[];
  width: number;
}

// What failed and why: the code, the message, exit code or signal, the error entity, a hint, the log's end.
export function ErrorPanel({ run, runDir, logLines, width }: ErrorPanelProps) {
  const display = useDisplay();
  const stage = failedStage(run);
  const error = stage?.error ?? null;
  const code = error?.code ?? run.error?.code;
  if (!code) return null;
  const how = error ? [error.exit_code !== null ? `exit code ${error.exit_code}` : null, error.signal ? `signal ${error.signal}` : null].filter(Boolean).join(', ') : '';
  const entity = [...run.entities].reverse().find((e) => e.type === 'error');
  const hint = errorHint(code);
  const cut = (s: string): string => (s.length > width - 4 ? `${s.slice(0, width - 5)}…` : s);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text color={toneColor(display, 'bad')} bold wrap="truncate">
        {cut(`${code}${stage ? ` in ${stage.id}` : ''}: ${error?.message ?? run.error?.message ?? ''}${how ? ` (${how})` : ''}`)}
      </Text>
      {hint ? <Text wrap="truncate">{cut(`  hint: ${hint}`)}</Text> : null}
      {entity ? <Text wrap="truncate">{cut(`  details: ${path.join(runDir, entity.filename)}`)}</Text> : null}
      {logLines.map((line, i) => (
        <Text key={i} dimColor={display.color} wrap="truncate">
          {cut(`  │ ${line}`.replace('│', display.ascii ? '|' : '│'))}
        </Text>
      ))}
    </Box>
  );
}
