import { Box, Text } from 'ink';
import { useDisplay, useGlyphs } from '../display.js';
import type { ParamsForm } from '../ui-state.js';

export interface ParamsFormViewProps {
  form: ParamsForm;
  pick: number;
  width: number;
}

// The picker's Tab: a pipeline's params, prefilled with their defaults, edited in place before the run starts.
export function ParamsFormView({ form, pick, width }: ParamsFormViewProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const label = Math.max(4, ...form.fields.map((f) => f.name.length));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{`New run: ${form.pipeline}`}</Text>
      {form.fields.length === 0 ? <Text>This pipeline takes no parameters.</Text> : null}
      {form.fields.map((f, i) => (
        <Text key={f.name} inverse={i === pick} wrap="truncate">
          {`  ${f.name.padEnd(label)} = ${f.value}${i === pick ? g.cursor : ''}${f.description ? `   ${f.description}` : ''}`.slice(0, width)}
        </Text>
      ))}
      <Text dimColor={display.color}>{[`${g.up} ${g.down} / Tab choose`, 'type to edit', 'Enter starts it', 'Esc back to the list'].join(g.sep)}</Text>
    </Box>
  );
}
