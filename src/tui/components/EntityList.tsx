import { Box, Text } from 'ink';
import type { Entity } from '../../shared/metadata-schema.js';
import { useDisplay, useGlyphs } from '../display.js';

export interface EntityListProps {
  entities: Entity[];
  pick: number;
  height: number;
  width: number;
}

// The `e` overlay: a run's entities in the order they were produced; Enter shows the highlighted one.
export function EntityList({ entities, pick, height, width }: EntityListProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const first = Math.min(Math.max(0, pick - Math.floor(height / 2)), Math.max(0, entities.length - height));
  return (
    <Box flexDirection="column">
      <Text bold>{`Entities (${entities.length})`}</Text>
      {entities.length === 0 ? <Text>This run has produced no entity yet.</Text> : null}
      {entities.slice(first, first + height).map((e, i) => (
        <Text key={e.sequence} inverse={first + i === pick}>
          {`  ${String(e.sequence).padStart(3)} ${e.type.padEnd(12)} ${e.filename.padEnd(24)} ${e.timestamp.slice(11, 19)} ${e.stage ?? ''} ${JSON.stringify(e.metadata)}`.slice(0, width)}
        </Text>
      ))}
      <Text dimColor={display.color}>{[`${g.up}${g.down} choose`, 'Enter shows it', 'Esc closes'].join(g.sep)}</Text>
    </Box>
  );
}
