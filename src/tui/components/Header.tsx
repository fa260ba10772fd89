import { Text } from 'ink';
import { useGlyphs } from '../display.js';
import { cut } from '../text.js';

// The first line of every screen, the start screen included.
export function Header({ workspace, width = 80 }: { workspace: string; width?: number }) {
  const g = useGlyphs();
  return <Text bold>{cut(`pipe-tui${g.sep}${workspace}`, width, g.ellipsis)}</Text>;
}
