import { Box } from 'ink';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';

// What the terminal shows while the rest of the TUI loads: the same header and footer as the full screen.
export function StartScreen({ workspace }: { workspace: string }) {
  const { columns } = useTerminalSize();
  return (
    <Box flexDirection="column" width={columns}>
      <Header workspace={workspace} width={columns} />
      <Footer connection="connecting" note={null} width={columns} />
    </Box>
  );
}
