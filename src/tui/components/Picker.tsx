import { Box, Text } from 'ink';
import { useDisplay, useGlyphs } from '../display.js';
import { cut } from '../text.js';

/** A pipeline as the picker lists it: its name and the `description:` of its file (null for none, or not read yet). */
export interface PipelineChoice {
  name: string;
  description: string | null;
}

export interface PickerProps {
  /** Pipelines matching the query, best first. */
  matches: PipelineChoice[];
  query: string;
  pick: number;
  width: number;
  /** Pipelines in the workspace (null until listed): none gets a word on where they live. */
  total: number | null;
}

const EXAMPLE = ['  # pipelines/hello.yaml', '  stages:', '    - id: greet', '      run: echo hello'];

// The `n` overlay: pipelines filtered as you type, each with its description; Enter starts the highlighted one.
export function Picker({ matches, query, pick, width, total }: PickerProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const label = Math.min(24, Math.max(8, ...matches.map((m) => m.name.length)));
  if (total === 0) {
    return (
      <Box flexDirection="column">
        <Text bold>New run</Text>
        <Text>{cut('No pipelines here yet. A pipeline is a file in pipelines/*.yaml, for example:', width, g.ellipsis)}</Text>
        {EXAMPLE.map((line) => (
          <Text key={line}>{line}</Text>
        ))}
        <Text dimColor={display.color}>{cut(`Save one (or run pipe-tui init for a first one), then press n again${g.sep}Esc closes${g.sep}more in docs/pipelines.md`, width, g.ellipsis)}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text bold>{cut(`New run: ${query}${g.cursor}`, width, g.ellipsis)}</Text>
      {matches.length === 0 ? <Text>No pipeline matches. Esc closes.</Text> : null}
      {matches.map(({ name, description }, i) => (
        <Text key={name} inverse={i === pick}>
          {cut(`  ${name.padEnd(label)}${description ? `  ${description.replace(/\s+/g, ' ')}` : ''}`, width, g.ellipsis)}
        </Text>
      ))}
      <Text dimColor={display.color}>{cut(`Enter starts it with its default params${g.sep}Tab sets its params first${g.sep}Esc closes`, width, g.ellipsis)}</Text>
    </Box>
  );
}
