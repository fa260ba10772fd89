import { findCommand, program } from '../program.js';
import { unknownCommand } from '../suggest.js';

// `pipe-tui help [COMMAND]`: the same help as `pipe-tui COMMAND --help`, from the same parser; exit 0.
export async function helpCommand(name: string | undefined): Promise<number> {
  const root = program(() => undefined);
  if (name === undefined) {
    root.outputHelp();
    return 0;
  }
  const command = findCommand(root, name);
  if (!command) throw unknownCommand(name);
  command.outputHelp();
  return 0;
}
