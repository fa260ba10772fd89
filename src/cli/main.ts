// Must stay the first import: it runs before Ink loads.
import './interactive-env.js';
import { CommanderError } from 'commander';
import { reportError, usageError } from './cli-output.js';
import { program } from './program.js';
import { firstWordUnknown } from './suggest.js';

let exitCode = 0;
const exit = (code: number): void => {
  exitCode = code;
};

async function main(argv: string[]): Promise<number> {
  try {
    // A word that names no command is said to be one, with the nearest, before commander reads it as the TUI's
    // argument and complains of "too many arguments" instead (`pipe-tui remove x`).
    const unknown = firstWordUnknown(argv.slice(2));
    if (unknown) throw unknown;
    await program(exit).parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return reportError(usageError(error.message.replace(/^error: /, '')));
    }
    return reportError(error);
  }
}

// A terminal that went away (EIO, a closed SSH session) or a closed pipe (EPIPE, `| head`) ends the output, not
// the command: a foreground run still cancels and records itself cleanly.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => stream.destroy());

// Leave through process.exitCode rather than process.exit so stdout is drained when piped.
main(process.argv).then((code) => {
  process.exitCode = code;
});
