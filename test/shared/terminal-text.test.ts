import { describe, expect, it } from 'vitest';
import {
  ansiText, plainText, renderLine, renderLineTail, stripForMatching, type Span, type Style,
} from '../../src/shared/terminal-text.js';

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
const style = (over: Partial<Style>): Style => ({ ...PLAIN, ...over });
const plain = (text: string): Span => ({ text, style: null });
/** One test per row: `raw` played shows `text`, in the default style. */
const showsAs = (table: [what: string, raw: string, text: string][]): void =>
  it.each(table)('%s', (_what, raw, text) => {
    expect(renderLine(raw)).toEqual(text === '' ? [] : [plain(text)]);
  });
// Every ESC, C1 control and other C0 control; ansiText's own SGR are taken out before looking.
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const withoutOwnSgr = (text: string): string => text.replace(/\x1b\[[\d;]*m/g, '');

describe('a line played on a terminal row', () => {
  it('is plain text as it is, and an empty line is no spans', () => {
    expect(renderLine('hello world')).toEqual([plain('hello world')]);
    expect(renderLine('')).toEqual([]);
  });

  showsAs([
    ['a carriage return overwrites cell by cell', 'abcdef\rXY', 'XYcdef'],
    ['progress frames as long as the last show the last one', '  0%|    | 0/4\r 50%|##  | 2/4\r100%|####| 4/4', '100%|####| 4/4'],
    ['a shorter frame padded with spaces hides the longer one', 'downloading\rdone       ', 'done       '],
    ['a trailing carriage return (a line ended by \\r\\n) does not blank the line', 'built in 2s\r', 'built in 2s'],
    ['a frame ended by a carriage return still shows', '10%\r50%\r90% done\r', '90% done'],
    ['only carriage returns show nothing', '\r\r\r', ''],
  ]);

  showsAs([
    ['a backspace steps one cell back and the next character overwrites', 'abc\bX', 'abX'],
    ['backspaces never go past the first column', 'a\b\b\b\bX', 'X'],
    ['a backspace alone erases nothing', 'abc\b\b', 'abc'],
    ['overstrike (underline by backspace) keeps the last character', 'a\b_b\b_', '__'],
    ['backspaces then text in the middle of a frame', '50%\b\b\b75%', '75%'],
  ]);

  showsAs([
    ['a tab moves to the next multiple of 8 columns', 'a\tb', 'a       b'],
    ['a tab from column 8 moves to column 16', 'abcdefgh\tX', 'abcdefgh        X'],
    ['a tab at the end writes nothing', 'ab\t', 'ab'],
    ['a tab moves over what an earlier frame wrote without erasing it', 'abcdefghij\r\tX', 'abcdefghXj'],
  ]);

  showsAs([
    ['a wide character is overwritten by two narrow ones', '漢字\rab', 'ab字'],
    ['overwriting half of a wide character blanks its other half', '漢字\rX', 'X 字'],
    ['a wide character over the right half of another blanks the left', '漢漢\ra漢', 'a漢 '],
    ['a wide character covers two narrow ones', 'abcd\r漢', '漢cd'],
    ['a combining mark joins its character and takes no cell', 'e\u0301f\rX', 'Xf'],
    ['a combining mark goes with the character it follows', 'ab\rxe\u0301', 'xe\u0301'],
  ]);

  showsAs([
    ['C0 controls and DEL show as ?', 'x\x07y\x00z\x7f', 'x?y?z?'],
    ['a vertical tab, a form feed and a newline inside the line show as ?', 'a\x0bb\x0cc\nd', 'a?b?c?d'],
    ['C1 controls that start no sequence show as ?', 'a\u0085b\u009cc', 'a?b?c'],
    ['bidirectional overrides and isolates show as ?', 'abc\u202edef\u2066g\u2069', 'abc?def?g?'],
  ]);

  it('shows a surrogate without its pair (a string cut inside a character) as U+FFFD', () => {
    expect(renderLine('a\ud83d')).toEqual([plain('a\ufffd')]);
  });
});

describe('erase in line (ESC [ K) is honoured', () => {
  showsAs([
    ['ESC[K after a shorter frame truncates there', 'downloading 100 files\rdone\x1b[K', 'done'],
    ['ESC[0K is the same', 'downloading 100 files\rdone\x1b[0K', 'done'],
    ['ESC[K right after the carriage return erases the row', 'downloading 100 files\r\x1b[Kdone', 'done'],
    ['ESC[2K erases the whole row, the cursor staying', 'abc\x1b[2Kdef', '   def'],
    ['ESC[2K then a carriage return starts afresh', 'downloading 100 files\x1b[2K\rdone', 'done'],
    ['ESC[1K blanks from the start to the cursor', 'abcdef\b\b\b\x1b[1K', '    ef'],
    ['ESC[1K then a carriage return and a write', 'abcdef\b\b\b\x1b[1K\rX', 'X   ef'],
    ['ESC[K in the middle of a wide character blanks its left half', '漢字\b\x1b[K', '漢 '],
  ]);

  it('an erased row with nothing written after it is no spans', () => {
    expect(renderLine('abc\x1b[2K')).toEqual([]);
    expect(renderLine('abc\x1b[1K')).toEqual([]);
    expect(renderLine('abc\r\x1b[K')).toEqual([]);
  });
});

describe('colours and attributes', () => {
  it('keeps the colours of Python logging', () => {
    expect(renderLine('\x1b[32mINFO\x1b[0m:root:training started')).toEqual([
      { text: 'INFO', style: style({ fg: 'green' }) },
      plain(':root:training started'),
    ]);
    expect(renderLine('2026-01-01 10:00:00 \x1b[1;31mERROR\x1b[m boom')).toEqual([
      plain('2026-01-01 10:00:00 '),
      { text: 'ERROR', style: style({ fg: 'red', bold: true }) },
      plain(' boom'),
    ]);
  });

  it('sets and resets bold, dim, italic, underline and inverse one by one', () => {
    expect(renderLine('\x1b[1;2;3;4;7mA\x1b[22mB\x1b[23mC\x1b[24mD\x1b[27mE')).toEqual([
      { text: 'A', style: style({ bold: true, dim: true, italic: true, underline: true, inverse: true }) },
      { text: 'B', style: style({ italic: true, underline: true, inverse: true }) },
      { text: 'C', style: style({ underline: true, inverse: true }) },
      { text: 'D', style: style({ inverse: true }) },
      plain('E'),
    ]);
  });

  it('knows the 16 named colours in foreground and background, and their resets', () => {
    expect(renderLine('\x1b[30;47ma\x1b[97;100mb\x1b[39mc\x1b[49md')).toEqual([
      { text: 'a', style: style({ fg: 'black', bg: 'white' }) },
      { text: 'b', style: style({ fg: 'whiteBright', bg: 'blackBright' }) },
      { text: 'c', style: style({ bg: 'blackBright' }) },
      plain('d'),
    ]);
    expect(renderLine('\x1b[37mx\x1b[90my\x1b[41mz\x1b[107mw')).toEqual([
      { text: 'x', style: style({ fg: 'white' }) },
      { text: 'y', style: style({ fg: 'blackBright' }) },
      { text: 'z', style: style({ fg: 'blackBright', bg: 'red' }) },
      { text: 'w', style: style({ fg: 'blackBright', bg: 'whiteBright' }) },
    ]);
  });

  it('knows 256 colours and true colour, with ; and with : separators', () => {
    expect(renderLine('\x1b[38;5;208mX\x1b[48;5;17mY')).toEqual([
      { text: 'X', style: style({ fg: { index: 208 } }) },
      { text: 'Y', style: style({ fg: { index: 208 }, bg: { index: 17 } }) },
    ]);
    expect(renderLine('\x1b[38;2;255;100;0mX\x1b[48;2;0;0;128;1mY')).toEqual([
      { text: 'X', style: style({ fg: { rgb: [255, 100, 0] } }) },
      { text: 'Y', style: style({ fg: { rgb: [255, 100, 0] }, bg: { rgb: [0, 0, 128] }, bold: true }) },
    ]);
    expect(renderLine('\x1b[38:2::1:2:3mA\x1b[38:2:4:5:6mB\x1b[48:5:9mC\x1b[4:3mD\x1b[4:0mE')).toEqual([
      { text: 'A', style: style({ fg: { rgb: [1, 2, 3] } }) },
      { text: 'B', style: style({ fg: { rgb: [4, 5, 6] } }) },
      { text: 'C', style: style({ fg: { rgb: [4, 5, 6] }, bg: { index: 9 } }) },
      { text: 'D', style: style({ fg: { rgb: [4, 5, 6] }, bg: { index: 9 }, underline: true }) },
      { text: 'E', style: style({ fg: { rgb: [4, 5, 6] }, bg: { index: 9 } }) },
    ]);
  });

  it('ignores a colour out of range but still reads the parameters after it', () => {
    expect(renderLine('\x1b[38;5;300;1mX')).toEqual([{ text: 'X', style: style({ bold: true }) }]);
    expect(renderLine('\x1b[38;2;1;999;3;4mX')).toEqual([{ text: 'X', style: style({ underline: true }) }]);
    expect(renderLine('\x1b[31;38;5mX')).toEqual([{ text: 'X', style: style({ fg: 'red' }) }]);
  });

  it('carries a style across carriage returns and gives each cell the style it was written in', () => {
    expect(renderLine('\x1b[31mred\rab')).toEqual([{ text: 'abd', style: style({ fg: 'red' }) }]);
    expect(renderLine('\x1b[31m 10%\r\x1b[0m 20%')).toEqual([plain(' 20%')]);
    expect(renderLine('aaaa\r\x1b[1mbb')).toEqual([
      { text: 'bb', style: style({ bold: true }) },
      plain('aa'),
    ]);
  });

  it('merges neighbouring cells of equal styles set by separate sequences', () => {
    expect(renderLine('\x1b[32mab\x1b[0m\x1b[32mcd')).toEqual([{ text: 'abcd', style: style({ fg: 'green' }) }]);
    expect(renderLine('\x1b[32m\x1b[39mab')).toEqual([plain('ab')]);
  });
});

describe('escape sequences that would drive the terminal', () => {
  const hostile: [string, string, string][] = [
    ['OSC 52 (writes the clipboard)', 'a\x1b]52;c;aGVsbG8=\x07b', 'ab'],
    ['OSC 52 ended by ST', 'a\x1b]52;c;aGVsbG8=\x1b\\b', 'ab'],
    ['a window title', 'a\x1b]0;pwned\x07b', 'ab'],
    ['a window title ended by ST', 'a\x1b]2;pwned\x1b\\b', 'ab'],
    ['an OSC 8 hyperlink (its text kept)', 'see \x1b]8;;https://evil.example\x1b\\the docs\x1b]8;;\x1b\\.', 'see the docs.'],
    ['clear screen', 'a\x1b[2Jb', 'ab'],
    ['cursor home', 'a\x1b[Hb', 'ab'],
    ['cursor position', 'a\x1b[10;5Hb', 'ab'],
    ['cursor up and column', 'a\x1b[3A\x1b[5Gb', 'ab'],
    ['the alternate screen and a hidden cursor', 'a\x1b[?1049h\x1b[?25lb', 'ab'],
    ['a private SGR-like sequence', 'a\x1b[>4;2mb', 'ab'],
    ['a DCS (sixel)', 'a\x1bPq#0;2;0;0;0#0~~\x1b\\b', 'ab'],
    ['a DCS request', 'a\x1bP$qm\x1b\\b', 'ab'],
    ['an APC (kitty graphics)', 'a\x1b_Gf=100;AAAA\x1b\\b', 'ab'],
    ['a PM and a SOS', 'a\x1b^x\x1b\\\x1bXy\x1b\\b', 'ab'],
    ['a full reset', 'a\x1bcb', 'ab'],
    ['save and restore cursor', 'a\x1b7\x1b8b', 'ab'],
    ['a character set designation', 'a\x1b(0b', 'ab'],
    ['a screen alignment test', 'a\x1b#8b', 'ab'],
    ['a lone ESC at the end', 'abc\x1b', 'abc'],
    ['an unfinished CSI at the end', 'abc\x1b[3', 'abc'],
    ['an unterminated OSC (swallows the rest, as a terminal would)', 'a\x1b]0;pwned', 'a'],
    ['an OSC cut short by another escape', '\x1b]0;x\x1b[1mb', 'b'],
    ['an 8-bit CSI', 'a\u009b2Jb\u009b31mc', 'abc'],
    ['an 8-bit OSC', 'a\u009d0;pwned\u0007b', 'ab'],
    ['an 8-bit DCS, ended by an 8-bit ST', 'a\u0090q#0\u009cb', 'ab'],
    ['8-bit APC, PM and SOS', 'a\u009fx\u009c\u009ey\u009c\u0098z\u009cb', 'ab'],
    ['a bidirectional override', 'a\u202eb', 'a?b'],
    ['escapes hidden in an overwritten frame', '\x1b]0;t\x07AAAA\r\x1b[2Jbb', 'bbAA'],
  ];

  it.each(hostile)('drops %s whole', (_what, raw, text) => {
    const spans = renderLine(raw);
    expect(plainText(spans)).toBe(text);
    expect(plainText(spans)).not.toMatch(CONTROL);
    expect(withoutOwnSgr(ansiText(spans))).not.toMatch(CONTROL);
    expect(withoutOwnSgr(ansiText(spans))).toBe(text);
  });

  it('leaves nothing of any of them in one line holding them all', () => {
    // The frame with a carriage return is left out (it would overwrite the start), and the unterminated OSC that
    // swallows the rest of the line comes last.
    const lines = hostile.map(([, line]) => line).filter((line) => !line.includes('\r') && !line.endsWith('pwned'));
    const raw = [...lines, 'a\x1b]0;pwned'].join(' ');
    const colourful = `\x1b[31m${raw}\x1b[0m`;
    expect(plainText(renderLine(colourful))).not.toMatch(CONTROL);
    const ansi = ansiText(renderLine(colourful));
    // The colour around them is still there, and only as SGR.
    expect(ansi).toMatch(/^\x1b\[31ma/);
    expect(withoutOwnSgr(ansi)).not.toMatch(CONTROL);
  });

  it('does not take the colour of an 8-bit CSI: it is dropped, not played', () => {
    expect(renderLine('\u009b31mX')).toEqual([plain('X')]);
  });

  it('does not take the colour of SGR with intermediates or private markers', () => {
    expect(renderLine('\x1b[?31mX\x1b[31 mY')).toEqual([plain('XY')]);
  });
});

describe('plain and ANSI text of spans', () => {
  it('plainText joins the text of the spans', () => {
    expect(plainText([{ text: 'INFO', style: style({ fg: 'green' }) }, plain(': ok')])).toBe('INFO: ok');
    expect(plainText([])).toBe('');
  });

  it('ansiText of plain spans has no escape at all', () => {
    expect(ansiText([plain('just text')])).toBe('just text');
    expect(ansiText([])).toBe('');
  });

  it('ansiText re-emits Python logging colours as they were', () => {
    expect(ansiText(renderLine('\x1b[32mINFO\x1b[0m:root:started'))).toBe('\x1b[32mINFO\x1b[0m:root:started');
  });

  it('ansiText ends with a reset after a styled last span', () => {
    expect(ansiText(renderLine('ok \x1b[1;31mFAILED'))).toBe('ok \x1b[1;31mFAILED\x1b[0m');
  });

  it('ansiText changes only what changes between spans, or resets when that is shorter', () => {
    expect(ansiText([
      { text: 'A', style: style({ bold: true, fg: 'red' }) },
      { text: 'B', style: style({ bold: true, fg: 'green' }) },
      { text: 'C', style: style({ fg: 'green' }) },
      { text: 'D', style: style({ fg: 'green', italic: true }) },
    ])).toBe('\x1b[1;31mA\x1b[32mB\x1b[22mC\x1b[3mD\x1b[0m');
    // From bold and dim to dim: `22;2` is longer than `0;2`.
    expect(ansiText([
      { text: 'A', style: style({ bold: true, dim: true }) },
      { text: 'B', style: style({ dim: true }) },
    ])).toBe('\x1b[1;2mA\x1b[0;2mB\x1b[0m');
    expect(ansiText([
      { text: 'A', style: style({ fg: 'red', bg: 'blue', underline: true, inverse: true }) },
      { text: 'B', style: style({ fg: 'red', bg: 'blue' }) },
      { text: 'C', style: style({ bg: 'blue' }) },
    ])).toBe('\x1b[4;7;31;44mA\x1b[24;27mB\x1b[39mC\x1b[0m');
  });

  it('ansiText writes bright, 256 and true colours', () => {
    expect(ansiText([
      { text: 'a', style: style({ fg: 'redBright', bg: 'cyanBright' }) },
      { text: 'b', style: style({ fg: { index: 208 }, bg: { rgb: [1, 2, 3] } }) },
    ])).toBe('\x1b[91;106ma\x1b[38;5;208;48;2;1;2;3mb\x1b[0m');
  });

  it('ansiText skips empty spans', () => {
    expect(ansiText([{ text: '', style: style({ bold: true }) }, plain('x')])).toBe('x');
  });

  it.each([
    'plain',
    '\x1b[32mINFO\x1b[0m:root:started',
    '\x1b[1;3;4;7;38;5;208;48;2;1;2;3mall\x1b[22;23mless\x1b[0m plain \x1b[95mbright',
    '漢\x1b[31m字\x1b[0m and e\u0301 \x1b[2mdim',
  ])('renderLine(ansiText(spans)) gives the same spans back: %j', (raw) => {
    const spans = renderLine(raw);
    expect(renderLine(ansiText(spans))).toEqual(spans);
  });
});

describe('stripForMatching', () => {
  it('gives the text of a coloured tqdm frame', () => {
    expect(stripForMatching('\x1b[32m 45%\x1b[0m|\x1b[32m████▌     \x1b[0m| 45/100 [00:10<00:12, 4.50it/s]'))
      .toBe(' 45%|████▌     | 45/100 [00:10<00:12, 4.50it/s]');
  });

  it('leaves a frame without escapes as it is, controls included', () => {
    expect(stripForMatching('a\tb\x07c')).toBe('a\tb\x07c');
  });

  it.each([
    ' 45%|\x1b[32m##\x1b[0m| 45/100',
    'a\x1b]52;c;aGVsbG8=\x07b\x1b]0;pwned\x1b\\c',
    'a\x1b[2J\x1b[H\x1b[?25lb\x1bPq#0\x1b\\c\x1b_G\x1b\\d',
    'a\u009b31mb\u009d0;t\u0007c\u0090x\u009cd',
    'a\x1bcb\x1b(0c\x1b#8d\x1b',
    'a\x1b]0;unterminated',
    '\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\',
  ])('drops the same escapes as renderLine: %j', (frame) => {
    expect(stripForMatching(frame)).toBe(plainText(renderLine(frame)));
  });
});

describe('very long lines', () => {
  // 100 000 tqdm frames in one line (5 MB, as a bar running an hour without a newline prints). Played cell by
  // cell this is milliseconds; an implementation that re-reads the line, or rebuilds the row from the start, for
  // every frame does 100 000 × 5 MB of work and runs far past this test's timeout. No timing is asserted.
  const frames = Array.from({ length: 100_001 }, (_, i) => {
    const percent = String(Math.floor(i / 1000)).padStart(3);
    const bar = '#'.repeat(Math.floor(i / 10_000)).padEnd(10);
    return `${percent}%|${bar}| ${i}/100000 [00:01<00:02, 4.50it/s]`;
  });
  const tqdm = frames.join('\r');

  it('shows the last of 100 000 tqdm frames', () => {
    expect(renderLine(tqdm)).toEqual([plain('100%|##########| 100000/100000 [00:01<00:02, 4.50it/s]')]);
    expect(renderLine(`${tqdm}\r`)).toEqual([plain('100%|##########| 100000/100000 [00:01<00:02, 4.50it/s]')]);
  }, 20_000);

  it('shows 100 000 short frames over one 100 000 cells wide without copying the row per frame', () => {
    // A row copied for every frame is 10^10 cells copied: far past the timeout.
    const raw = `${'x'.repeat(100_000)}\r${Array.from({ length: 100_000 }, (_, i) => `${i % 100}%`).join('\r')}`;
    expect(renderLine(raw)).toEqual([plain(`99%${'x'.repeat(99_997)}`)]);
  }, 20_000);

  it('shows 100 000 coloured frames, each erased to its end', () => {
    const raw = Array.from({ length: 100_000 }, (_, i) => `\r\x1b[32m${i}\x1b[0m items\x1b[K`).join('');
    expect(renderLine(raw)).toEqual([{ text: '99999', style: style({ fg: 'green' }) }, plain(' items')]);
  }, 20_000);

  it('renderLineTail shows the same last frame from the line\'s end only', () => {
    expect(renderLineTail(tqdm)).toEqual(renderLine(tqdm));
    expect(renderLineTail(`${tqdm}\r\r`, 1000)).toEqual([plain('100%|##########| 100000/100000 [00:01<00:02, 4.50it/s]')]);
  });

  it('renderLineTail plays a short line whole', () => {
    expect(renderLineTail('\x1b[31mlong header\rshort', 100)).toEqual([{ text: 'shortheader', style: style({ fg: 'red' }) }]);
  });

  it('renderLineTail starts at a frame, and loses what only came before the part it plays', () => {
    const raw = `\x1b[31m${'H'.repeat(50)}\r${Array.from({ length: 100 }, (_, i) => `${String(i).padStart(2)}%`).join('\r')}`;
    expect(renderLine(raw)).toEqual([{ text: `99%${'H'.repeat(47)}`, style: style({ fg: 'red' }) }]);
    // The wide first frame and the colour set before the last 20 units are not played.
    expect(renderLineTail(raw, 20)).toEqual([plain('99%')]);
  });

  it('renderLineTail plays the start of a last frame longer than it keeps', () => {
    expect(renderLineTail(`old frame\r${'a'.repeat(10)}${'b'.repeat(100)}`, 10)).toEqual([plain('a'.repeat(10))]);
    expect(renderLineTail(`${'c'.repeat(100)}`, 10)).toEqual([plain('c'.repeat(10))]);
  });
});
