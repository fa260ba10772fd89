import { type ErrorCode as YamlCode, LineCounter, YAMLError, isAlias, parseDocument, visit } from 'yaml';

// What a broken pipeline file is told: its line and column and what is wrong, never its text. A daemon may be asked
// to read any file its user can read, and whoever asked gets the error back: a code frame or an echoed key of
// /etc/shadow is a leak. So syntax errors are described from the parser's code, not its message (which quotes the
// source, and its pretty form adds the lines around), and YAML warnings, printed by yaml's parse(), are not printed.

/** A syntax error, described without the file's text; `cause` holds the same, never the parser's own message. */
export class SyntaxProblem extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const YAML_CODES: Partial<Record<YamlCode, string>> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'a malformed alias',
  BAD_DIRECTIVE: 'a malformed directive',
  BAD_DQ_ESCAPE: 'a bad escape in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  BAD_SCALAR_START: 'a value that cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a block used as a key',
  BLOCK_IN_FLOW: 'a block inside [ ] or { }',
  DUPLICATE_KEY: 'a key given twice',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing comma, colon or closing bracket',
  MULTILINE_IMPLICIT_KEY: 'a key that runs over more than one line',
  MULTIPLE_ANCHORS: 'more than one anchor on a value',
  MULTIPLE_DOCS: 'more than one document',
  MULTIPLE_TAGS: 'more than one tag on a value',
  NON_STRING_KEY: 'a key that is not text',
  RESOURCE_EXHAUSTION: 'aliases that expand too far',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'an unknown tag',
  UNEXPECTED_TOKEN: 'unexpected text',
  BAD_COLLECTION_TYPE: 'a tag that does not fit its value',
};

const at = (pos: { line: number; col: number } | undefined): string => (pos ? ` at line ${pos.line}, column ${pos.col}` : '');

/** YAML text → its value, or a SyntaxProblem. Nothing is printed: yaml's parse() would print warnings with code frames. */
export function readYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) throw new SyntaxProblem(`${YAML_CODES[error.code] ?? 'a syntax error'}${at(lineCounter.linePos(error.pos[0]))}`);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (thrown) {
    // An alias with no anchor, or too many aliases: toJS throws a message that quotes the alias. Its place is found
    // on the document instead.
    if (thrown instanceof YAMLError) throw new SyntaxProblem(`${YAML_CODES[thrown.code] ?? 'a syntax error'}${at(lineCounter.linePos(thrown.pos[0]))}`);
    let place: number | undefined;
    visit(doc, {
      Alias(_, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        place = node.range?.[0];
        return visit.BREAK;
      },
    });
    const reason = place === undefined ? 'aliases that expand too far' : `an alias with no anchor before it${at(lineCounter.linePos(place))}`;
    throw new SyntaxProblem(reason);
  }
}

/** JSON text → its value, or a SyntaxProblem with the line and column (V8's messages quote the text around). */
export function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const offset = jsonErrorOffset(text);
    throw new SyntaxProblem(offset === null ? 'a syntax error' : `unexpected ${offset >= text.length ? 'end of file' : 'text'}${at(linePos(text, offset))}`);
  }
}

function linePos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

// Where JSON.parse gave up: a small recursive-descent check of the grammar (only run on a file that failed).
function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const want = (char: string): void => {
    space();
    if (text[i] !== char) fail();
    i++;
  };
  const string = (): void => {
    want('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c === '\\') {
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i] as string)) i++;
        else fail();
      }
    }
  };
  const list = (close: string, item: () => void): void => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === close) return void i++;
      want(',');
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    const member = (): void => {
      string();
      want(':');
      value();
    };
    if (c === '{') return list('}', member);
    if (c === '[') return list(']', value);
    if (c === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.test(text)) return void (i = number.lastIndex);
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return void (i += word.length);
    fail();
  };
  try {
    value();
    space();
    return i < text.length ? i : null;
  } catch (thrown) {
    return typeof thrown === 'number' ? thrown : null;
  }
}

/** Only a mapping with a `stages` key is read as a pipeline; anything else gets one line, and no word of its text. */
export function notAPipeline(raw: unknown): string | null {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.hasOwn(raw, 'stages')) return null;
  return '(root): not a pipeline: a pipeline file is a mapping with a stages list';
}

/** A file with problems by the thousand is listed up to this many, then counted. */
export const MAX_PROBLEMS_SHOWN = 20;

/** `p.yaml: 3 problems` and one line each, at most MAX_PROBLEMS_SHOWN of them. */
export function problemsMessage(source: string, lines: string[]): string {
  const shown = lines.slice(0, MAX_PROBLEMS_SHOWN);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  return `${source}: ${lines.length} problem${lines.length > 1 ? 's' : ''}\n  ${shown.join('\n  ')}`;
}
