import { Text } from 'ink';

// The first line of every screen, the start screen included.
export function Header({ workspace }: { workspace: string }) {
  return <Text bold wrap="truncate">{`pipe-tui · ${workspace}`}</Text>;
}
