import { COMMANDS, type CommandSpec, commandName } from './command-table.js';

// Shell completion decides here, once for bash, zsh and fish: the scripts (completion.ts) hand over the words typed
// so far and print what this returns. Commands and options come from the command table; run ids and pipeline
// names from the workspace, as they are at that moment.

export interface Sources {
  /** Run ids, newest first. */
  runs: (workspace: string | undefined) => Promise<string[]>;
  pipelines: (workspace: string | undefined) => Promise<string[]>;
}

const GLOBAL_VALUE = ['--workspace'];
/** RUN_STATUSES and the unreadable ones, written out: loading the schemas (zod) would slow every Tab. A test holds them equal. */
export const STATUS_WORDS = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'interrupted', 'corrupt', 'newer', 'incomplete'];
const SHELLS = ['bash', 'zsh', 'fish'];
const DAEMON_ACTIONS = ['start', 'stop', 'status'];
/** How many characters of a run id the TUI and `ls` tell runs apart by, and completion offers. */
const SUFFIX = 6;

/** The candidates for the last of `words` (the word being typed, maybe empty); the words before it are complete. */
export async function completeWords(words: string[], sources: Sources): Promise<string[]> {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const { spec, operands, workspace } = readLine(before);
  const typed = operands.length;
  const prev = before.at(-1);
  const visible = COMMANDS.filter((c) => !c.hidden);
  const match = (list: string[]): string[] => [...new Set(list.filter((w) => w.startsWith(cur)))];

  // The value of an option that takes one.
  if (prev !== undefined && takesValue(spec, prev)) {
    if (prev === '--pipeline') return match(await sources.pipelines(workspace));
    if (prev === '--status') return match(STATUS_WORDS);
    return []; // a folder, a key=value, a number: the shell's own completion
  }
  if (!spec) return match(cur.startsWith('-') ? globalFlags(null) : visible.map(commandName));
  if (cur.startsWith('-')) return match([...optionFlags(spec), ...globalFlags(spec)]);
  const slot = spec.usage.split(' ').slice(1).find((word, i, all) => i === typed || (i === all.length - 1 && word.endsWith('...>') && typed >= i));
  if (slot === '<run>') return runCandidates(await sources.runs(workspace), cur);
  // `rm a b …`: the runs already named are not offered again.
  if (slot === '<runs...>') return runCandidates(await sources.runs(workspace), cur).filter((w) => !operands.includes(w));
  if (slot === '<pipeline>' || slot === '[pipeline]') return match(await sources.pipelines(workspace));
  if (slot === '<action>') return match(DAEMON_ACTIONS);
  if (slot === '<shell>') return match(SHELLS);
  if (slot === '[command]') return match(visible.map(commandName));
  return [];
}

// Typed with nothing yet: `latest` and the short suffixes (what the TUI shows); with a start, full ids too.
function runCandidates(ids: string[], cur: string): string[] {
  const words = ['latest', ...ids.map((id) => id.slice(-SUFFIX)), ...(cur ? ids : [])];
  return [...new Set(words.filter((w) => w.startsWith(cur)))];
}

/** The command of the line, its arguments typed so far, and the workspace it names (if any). */
function readLine(words: string[]): { spec: CommandSpec | null; operands: string[]; workspace: string | undefined } {
  let spec: CommandSpec | null = null;
  const operands: string[] = [];
  let workspace: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    // bash splits `--workspace=/x` at the `=` (COMP_WORDBREAKS): `--workspace`, `=`, `/x`.
    if (word === '--workspace') workspace = words[i + 1] === '=' ? ((i += 2), words[i]) : words[++i];
    else if (word.startsWith('--workspace=')) workspace = word.slice('--workspace='.length);
    else if (word.startsWith('-')) {
      if (takesValue(spec, word)) i++;
    } else if (!spec) spec = COMMANDS.find((c) => commandName(c) === word) ?? null;
    else operands.push(word);
  }
  return { spec, operands, workspace };
}

function takesValue(spec: CommandSpec | null, flag: string): boolean {
  if (GLOBAL_VALUE.includes(flag)) return true;
  return (spec?.options ?? []).some((o) => o.flags.includes('<') && o.flags.split(/[ ,]+/).includes(flag));
}

const optionFlags = (spec: CommandSpec): string[] => (spec.options ?? []).flatMap((o) => o.flags.split(/[ ,]+/).filter((w) => w.startsWith('--')));
const globalFlags = (spec: CommandSpec | null): string[] =>
  spec ? ['--workspace', ...(spec.json ? ['--json'] : [])] : ['--workspace', '--ascii', '--no-bell', '--help', '--version'];
