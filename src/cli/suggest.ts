import { PipeError } from '../shared/errors.js';
import { COMMANDS, COMMAND_NAMES, commandName } from './command-table.js';

// `pipe-tui stauts x` says "unknown command 'stauts' (did you mean 'status'?)", never commander's "too many
// arguments": the first word that is not an option is the command, and one that names none is refused by name.

/** The root's options, so the word after `--workspace` is not taken for the command. */
const ROOT_FLAGS = new Set(['--json', '--ascii', '--no-bell', '-V', '--version', '-h', '--help']);
const ROOT_WITH_VALUE = new Set(['--workspace']);

/** Words a newcomer tries for a command, from other tools. */
const SYNONYMS: Record<string, string> = {
  list: 'ls', ps: 'ls', show: 'status', info: 'status', log: 'logs', remove: 'rm', delete: 'rm', del: 'rm',
  kill: 'cancel', abort: 'cancel', restart: 'rerun', retry: 'resume', clean: 'prune', gc: 'prune',
  check: 'validate', lint: 'validate', exec: 'run', completions: 'completion',
};

/** ERR_USAGE for the command word of `args` (argv without node and the script) when it names no command; else null. */
export function firstWordUnknown(args: string[]): PipeError | null {
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (word === '--') return known(args[i + 1]);
    if (ROOT_WITH_VALUE.has(word)) i++;
    else if (word.startsWith('-')) {
      // An option the root does not know, before any command: commander names it better than a guess here.
      if (!ROOT_FLAGS.has(word) && !ROOT_WITH_VALUE.has(word.split('=')[0] as string)) return null;
    } else return known(word);
  }
  return null;
}

const known = (word: string | undefined): PipeError | null => (word === undefined || COMMAND_NAMES.has(word) ? null : unknownCommand(word));

export function unknownCommand(word: string): PipeError {
  const shown = JSON.stringify(word).slice(1, -1).slice(0, 60);
  const nearest = nearestCommand(word);
  const visible = COMMANDS.filter((c) => !c.hidden).map(commandName);
  return new PipeError(
    'ERR_USAGE',
    nearest ? `unknown command '${shown}' (did you mean '${nearest}'?); every command: pipe-tui help` : `unknown command '${shown}'; the commands: ${visible.join(', ')}`,
  );
}

/** The visible command nearest to `word` (a synonym, a prefix, or within a few typos), or null. */
export function nearestCommand(word: string): string | null {
  const names = COMMANDS.filter((c) => !c.hidden).map(commandName);
  const lower = word.toLowerCase();
  if (SYNONYMS[lower]) return SYNONYMS[lower] as string;
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    // A start of a name is nearer than any typo, and the less is missing the nearer (`stat`: stats, then status).
    const distance = name.startsWith(lower) && lower.length >= 2 ? (name.length - lower.length) / 10 : editDistance(lower, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  // Past a third of the word wrong, a guess misleads more than it helps.
  return best && best.distance <= Math.max(1, Math.floor(word.length / 3)) ? best.name : null;
}

// Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours (`stauts`) cost 1.
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((d[i - 1] as number[])[j] as number + 1, (row[j - 1] as number) + 1, ((d[i - 1] as number[])[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
